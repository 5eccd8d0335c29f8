package sync

import (
	"context"
	"errors"
	"path/filepath"
	gosync "sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	"github.com/baton-confluence/baton-confluence/internal/baton/c1z"
	"github.com/baton-confluence/baton-confluence/internal/baton/connectorbuilder"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
	"github.com/baton-confluence/baton-confluence/internal/baton/sync/fakeconnector"
)

// planRecorder wraps a connector and records the SyncPlan each List call carried.
type planRecorder struct {
	connectorbuilder.Connector
	mu    gosync.Mutex
	plans map[string]bool // "none" when a List call had no plan
	lives []context.Context
	// failGrants, when set, is what every Grants call returns.
	failGrants error
}

func (p *planRecorder) ResourceSyncers(ctx context.Context) []connectorbuilder.ResourceSyncer {
	var out []connectorbuilder.ResourceSyncer
	for _, rs := range p.Connector.ResourceSyncers(ctx) {
		out = append(out, planSyncer{rs, p})
	}
	return out
}

type planSyncer struct {
	connectorbuilder.ResourceSyncer
	rec *planRecorder
}

func (s planSyncer) List(ctx context.Context, parent *v2.ResourceId, token string) ([]*v2.Resource, string, annotations.Annotations, error) {
	key := "none"
	plan, ok := connectorbuilder.SyncPlanFrom(ctx)
	if ok {
		key = map[bool]string{true: "lists grants", false: "no grants"}[plan.ListsGrants]
	}
	s.rec.mu.Lock()
	s.rec.plans[key] = true
	if ok {
		s.rec.lives = append(s.rec.lives, plan.Lifetime)
	}
	s.rec.mu.Unlock()
	if ok && (plan.Lifetime == nil || plan.Lifetime.Err() != nil) {
		return nil, "", nil, errors.New("the plan's lifetime is over while the sync lists")
	}
	return s.ResourceSyncer.List(ctx, parent, token)
}

func (s planSyncer) Grants(ctx context.Context, r *v2.Resource, token string) ([]*v2.Grant, string, annotations.Annotations, error) {
	if s.rec.failGrants != nil {
		return nil, "", nil, s.rec.failGrants
	}
	return s.ResourceSyncer.Grants(ctx, r, token)
}

// requireLivesOver checks that every plan's lifetime ended when the sync returned.
func (p *planRecorder) requireLivesOver(t *testing.T) {
	t.Helper()
	for _, l := range p.lives {
		require.Error(t, l.Err(), "the plan's lifetime ends with the sync")
	}
}

// TestSyncPlan: the connector is told whether the grants of what it lists will be asked for.
func TestSyncPlan(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts Options
		want string
	}{
		{"full", Options{}, "lists grants"},
		{"resources only", Options{SyncType: TypeResourcesOnly}, "no grants"},
		{"skip grants", Options{SkipGrants: true}, "no grants"},
		{"partial", Options{TargetedResources: []*v2.ResourceId{{ResourceType: "space", Resource: "space-1"}}}, "none"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			rec := &planRecorder{Connector: fakeconnector.New(smallConfig()), plans: map[string]bool{}}
			store, err := c1z.Open(t.Context(), filepath.Join(dir, "out.c1z"), c1z.Options{TempDir: dir})
			require.NoError(t, err)
			defer func() { require.NoError(t, store.Discard()) }()
			_, err = run(t.Context(), store, rec, tc.opts)
			require.NoError(t, err)
			if tc.want == "none" && len(rec.plans) == 0 {
				return // a partial sync may list nothing
			}
			require.Equal(t, map[string]bool{tc.want: true}, rec.plans)
			rec.requireLivesOver(t)
		})
	}
}

// TestSyncPlanLifetimeEndsOnFailure: a sync that fails ends its plan's lifetime too, so that
// work the connector started ahead for it stops.
func TestSyncPlanLifetimeEndsOnFailure(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rec := &planRecorder{Connector: fakeconnector.New(smallConfig()), plans: map[string]bool{},
		failGrants: errors.New("permission denied")}
	store, err := c1z.Open(t.Context(), filepath.Join(dir, "out.c1z"), c1z.Options{TempDir: dir})
	require.NoError(t, err)
	defer func() { require.NoError(t, store.Discard()) }()
	_, err = run(t.Context(), store, rec, Options{})
	require.Error(t, err)
	require.NotEmpty(t, rec.lives)
	rec.requireLivesOver(t)
}
