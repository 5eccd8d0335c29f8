package service

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	"github.com/baton-confluence/baton-confluence/internal/baton/connectorbuilder"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
	"github.com/baton-confluence/baton-confluence/internal/baton/service/c1fake"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fakeConnector has one provisionable resource type, "group".
type fakeConnector struct {
	validateErr error
	grantErr    error
	revokeErr   error
	grantAnns   annotations.Annotations
	grantHook   func(ctx context.Context) error // runs first in Grant; its error is returned
}

func (c *fakeConnector) Metadata(context.Context) (*v2.ConnectorMetadata, error) {
	return &v2.ConnectorMetadata{DisplayName: "Fake", Description: "test connector"}, nil
}

func (c *fakeConnector) Validate(context.Context) (annotations.Annotations, error) {
	return nil, c.validateErr
}

func (c *fakeConnector) ResourceSyncers(context.Context) []connectorbuilder.ResourceSyncer {
	return []connectorbuilder.ResourceSyncer{&groupSyncer{c: c}}
}

type groupSyncer struct{ c *fakeConnector }

func (g *groupSyncer) ResourceType(context.Context) *v2.ResourceType {
	return &v2.ResourceType{Id: "group", DisplayName: "Group", Traits: []v2.ResourceType_Trait{v2.ResourceType_TRAIT_GROUP}}
}

func (g *groupSyncer) List(context.Context, *v2.ResourceId, string) ([]*v2.Resource, string, annotations.Annotations, error) {
	return nil, "", nil, nil
}

func (g *groupSyncer) Entitlements(context.Context, *v2.Resource, string) ([]*v2.Entitlement, string, annotations.Annotations, error) {
	return nil, "", nil, nil
}

func (g *groupSyncer) Grants(context.Context, *v2.Resource, string) ([]*v2.Grant, string, annotations.Annotations, error) {
	return nil, "", nil, nil
}

func (g *groupSyncer) Grant(ctx context.Context, p *v2.Resource, e *v2.Entitlement) ([]*v2.Grant, annotations.Annotations, error) {
	if g.c.grantHook != nil {
		if err := g.c.grantHook(ctx); err != nil {
			return nil, nil, err
		}
	}
	if g.c.grantErr != nil {
		return nil, nil, g.c.grantErr
	}
	id := e.GetId() + ":" + p.GetId().GetResourceType() + ":" + p.GetId().GetResource()
	return []*v2.Grant{{Id: id, Entitlement: e, Principal: p}}, g.c.grantAnns, nil
}

func (g *groupSyncer) Revoke(context.Context, *v2.Grant) (annotations.Annotations, error) {
	if g.c.revokeErr != nil {
		return nil, g.c.revokeErr
	}
	return annotations.New(&v2.GrantAlreadyRevoked{}), nil
}

// sleeper replaces real waiting: it records every requested duration and returns at once,
// except for durations block reports true and the two shutdown waits of the default 25 s grace
// period (20 s for tasks to finish, 5 s after cancelling them), which wait until their context
// ends — so Run always waits for its tasks unless a test shortens the grace period.
type sleeper struct {
	mu    sync.Mutex
	seen  []time.Duration
	block func(time.Duration) bool
}

func (s *sleeper) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.seen = append(s.seen, d)
	block := (s.block != nil && s.block(d)) || d == 20*time.Second || d == 5*time.Second
	s.mu.Unlock()
	if block {
		<-ctx.Done()
		return ctx.Err()
	}
	runtime.Gosched()
	return ctx.Err()
}

func (s *sleeper) durations() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.seen...)
}

// syncFunc writes size bytes to the output path after calling before (if any).
func writingSync(size int, before func(ctx context.Context) error) func(context.Context, string, SyncOptions) error {
	return func(ctx context.Context, out string, _ SyncOptions) error {
		if before != nil {
			if err := before(ctx); err != nil {
				return err
			}
		}
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(i * 7)
		}
		return os.WriteFile(out, data, 0o600)
	}
}

// harness runs the client against a fresh fake.
type harness struct {
	t      *testing.T
	fake   *c1fake.Server
	cfg    Config
	deps   Deps
	hooks  hooks
	sleep  *sleeper
	env    map[string]string
	cancel context.CancelFunc
	done   chan error
}

func newHarness(t *testing.T, opts c1fake.Options) *harness {
	t.Helper()
	fake, err := c1fake.New(opts)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, fake.Close()) })
	sl := &sleeper{}
	h := &harness{t: t, fake: fake, sleep: sl,
		env: map[string]string{"BATON_C1_API_HOST": fake.Addr(), "BATON_HOST_ID": "test-host"},
		cfg: Config{
			ClientID: fake.Credentials().ClientID, ClientSecret: fake.Credentials().ClientSecret,
			TempDir: t.TempDir(), Provisioning: true, Version: "v1.2.3",
		},
		deps: Deps{Connector: &fakeConnector{}, Sync: writingSync(1000, nil)},
	}
	h.hooks = hooks{
		sleep: sl.sleep, now: time.Now, getenv: func(k string) string { return h.env[k] },
		hostname: func() (string, error) { return "test-machine", nil },
		rootCAs:  fake.CAPool(), osRoot: t.TempDir(),
	}
	return h
}

// start runs the client in the background; stop cancels it and returns Run's result.
func (h *harness) start() {
	ctx, cancel := context.WithCancel(h.t.Context())
	h.cancel, h.done = cancel, make(chan error, 1)
	go func() { h.done <- run(ctx, h.cfg, h.deps, h.hooks) }()
	h.t.Cleanup(func() {
		if h.cancel != nil {
			h.cancel()
			// A test that cares about Run's result calls stop; here an unexpected one is reported.
			if err := <-h.done; err != nil && !errors.Is(err, context.Canceled) {
				h.t.Logf("client stopped at cleanup: %v", err)
			}
		}
	})
}

func (h *harness) stop() error {
	h.cancel()
	err := <-h.done
	h.cancel = nil
	return err
}

func (h *harness) waitIdle() {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(h.t.Context(), 20*time.Second)
	defer cancel()
	require.NoError(h.t, h.fake.WaitIdle(ctx), "tasks did not finish: %+v", h.fake.Summary())
}

func (h *harness) waitFor(cond func(c1fake.Summary) bool) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(h.t.Context(), 20*time.Second)
	defer cancel()
	require.NoError(h.t, h.fake.WaitFor(ctx, cond), "condition not reached: %+v", h.fake.Summary())
}

func (h *harness) task(id string) c1fake.TaskRecord {
	h.t.Helper()
	for _, tr := range h.fake.Summary().Tasks {
		if tr.ID == id {
			return tr
		}
	}
	h.t.Fatalf("task %s not recorded", id)
	return c1fake.TaskRecord{}
}

// requireNoTempFiles asserts the temp dir is empty.
func requireNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, filepath.Join(dir, e.Name()))
	}
	require.Empty(t, names, "temp files left behind")
}

var errBoom = errors.New("boom")

func durationOrNil(d time.Duration, isNil bool) *durationpb.Duration {
	if isNil {
		return nil
	}
	return durationpb.New(d)
}
