package sync

import (
	"context"
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
	if plan, ok := connectorbuilder.SyncPlanFrom(ctx); ok {
		key = map[bool]string{true: "lists grants", false: "no grants"}[plan.ListsGrants]
	}
	s.rec.mu.Lock()
	s.rec.plans[key] = true
	s.rec.mu.Unlock()
	return s.ResourceSyncer.List(ctx, parent, token)
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
		})
	}
}
