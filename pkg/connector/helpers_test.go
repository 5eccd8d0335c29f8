package connector_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/baton-confluence/baton-confluence/pkg/config"
	"github.com/baton-confluence/baton-confluence/pkg/confluence"
	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"
	"github.com/baton-confluence/baton-confluence/pkg/connector"
	"github.com/baton-confluence/baton-confluence/pkg/connector/connectortest"

	"github.com/baton-confluence/baton-confluence/internal/baton/c1z"
	"github.com/baton-confluence/baton-confluence/internal/baton/logging"
	"github.com/baton-confluence/baton-confluence/internal/baton/runner"
	"github.com/baton-confluence/baton-confluence/internal/baton/sync"
)

// startSim starts a simulated tenant for one test.
func startSim(t testing.TB, cfg confluencetest.Config) *confluencetest.Server {
	t.Helper()
	srv, err := confluencetest.NewServer(cfg)
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	return srv
}

// simConfig is a connector configuration for the simulator, changed by mutate.
func simConfig(srv *confluencetest.Server, mutate func(*config.Config)) config.Config {
	cfg := config.Config{
		DomainURL: srv.URL(), Username: srv.Config().Username, APIKey: srv.Config().APIToken,
		Nouns: config.AllNouns, Verbs: config.AllVerbs,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	return cfg
}

// noSleep makes the client's waits return at once.
func noSleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

// newConnector builds a connector for the simulator with a client that never really sleeps.
func newConnector(t testing.TB, srv *confluencetest.Server, mutate func(*config.Config), opts ...connector.Option) *connector.Connector {
	t.Helper()
	opts = append([]connector.Option{connector.WithClientOptions(confluence.WithSleep(noSleep))}, opts...)
	c, err := connector.New(context.Background(), simConfig(srv, mutate), opts...)
	require.NoError(t, err)
	return c
}

// observedCtx returns a context whose logger records entries at debug level and above.
func observedCtx(t testing.TB) (context.Context, *observer.ObservedLogs) {
	core, logs := observer.New(zap.DebugLevel)
	return logging.With(contextOf(t), zap.New(core)), logs
}

func contextOf(t testing.TB) context.Context {
	if tt, ok := t.(interface{ Context() context.Context }); ok {
		return tt.Context()
	}
	return context.Background()
}

// syncFile runs a full sync of conn into a new c1z and returns its path.
func syncFile(ctx context.Context, t testing.TB, conn *connector.Connector, opts sync.Options) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sync.c1z")
	opts.Sleep = noSleep
	require.NoError(t, runner.SyncToFile(ctx, conn, path, c1z.Options{TempDir: t.TempDir()}, opts))
	return path
}

// readContent reads everything the latest sync of a c1z holds.
func readContent(ctx context.Context, t testing.TB, path string) *connectortest.Content {
	t.Helper()
	c, err := connectortest.ReadContent(ctx, path, t.TempDir())
	require.NoError(t, err)
	return c
}

// syncContent syncs conn and reads the result back.
func syncContent(ctx context.Context, t testing.TB, conn *connector.Connector) *connectortest.Content {
	t.Helper()
	return readContent(ctx, t, syncFile(ctx, t, conn, sync.Options{}))
}

// requireContent fails with a readable diff unless got equals want.
func requireContent(t testing.TB, want, got *connectortest.Content) {
	t.Helper()
	if d := connectortest.Diff(want, got, 5); d != "" {
		t.Fatalf("c1z content differs from the simulator's truth:\n%s", d)
	}
}
