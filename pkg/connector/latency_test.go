package connector_test

import (
	"context"
	gosync "sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"
	"github.com/baton-confluence/baton-confluence/pkg/connector"
	"github.com/baton-confluence/baton-confluence/pkg/connector/connectortest"

	"github.com/baton-confluence/baton-confluence/internal/baton/sync"
)

// barrier is the simulator's latency "sleep": a request waits until k requests wait together
// (then everyone goes), so it proves that k member lists are fetched at once without timing
// anything. The fallback timer only fires when the connector is too sequential, and then the
// test fails.
type barrier struct {
	mu      gosync.Mutex
	k, n    int
	max     int
	release chan struct{}
	opened  bool
}

func newBarrier(k int) *barrier { return &barrier{k: k, release: make(chan struct{})} }

func (b *barrier) sleep(ctx context.Context, _ time.Duration) {
	b.mu.Lock()
	b.n++
	b.max = max(b.max, b.n)
	if b.n >= b.k && !b.opened {
		b.opened = true
		close(b.release)
	}
	b.mu.Unlock()
	select {
	case <-b.release:
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
	}
	b.mu.Lock()
	b.n--
	b.mu.Unlock()
}

// TestMembersFetchedConcurrently: with a sequential engine, the user listing still reads the
// members of a whole batch of groups at once.
func TestMembersFetchedConcurrently(t *testing.T) {
	t.Parallel()
	ctx, _ := observedCtx(t)
	cfg := confluencetest.Small()
	cfg.Groups = 20
	b := newBarrier(connector.DefaultMembersBatch)
	cfg.Faults = confluencetest.Faults{Routes: []string{confluencetest.RouteGroupMembers}, Latency: time.Second, Sleep: b.sleep}
	srv := startSim(t, cfg)
	conn := newConnector(t, srv, nil, connector.WithMaxConcurrency(connector.DefaultMembersBatch))
	start := time.Now()
	got := readContent(ctx, t, syncFile(ctx, t, conn, sync.Options{Workers: 1}))
	require.Less(t, time.Since(start), 10*time.Second, "no request waited for the fallback timer")
	requireContent(t, connectortest.Expected(srv.Truth(), connectortest.Options{}), got)
	b.mu.Lock()
	defer b.mu.Unlock()
	require.Equal(t, connector.DefaultMembersBatch, b.max, "a batch of groups is read concurrently")
	require.GreaterOrEqual(t, srv.Stats().MaxConcurrent, int64(connector.DefaultMembersBatch))
}
