package e2e

import (
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"

	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"
	"github.com/baton-confluence/baton-confluence/pkg/connector/connectortest"
)

// stalledSim starts a tenant whose every request hangs until the client gives up, and returns
// a channel closed when the first request (the start of a sync) arrives.
func stalledSim(t *testing.T) (*confluencetest.Server, <-chan struct{}) {
	t.Helper()
	sleep, started := holdRequests()
	cfg := confluencetest.Small()
	cfg.Faults = confluencetest.Faults{Latency: time.Nanosecond, Sleep: sleep}
	return startSim(t, cfg), started
}

// TestHeartbeatCancelStopsSync: ConductorOne answers the second heartbeat with cancelled=true
// while the sync is stuck; the sync stops and FinishTask reports Canceled, retryable.
func TestHeartbeatCancelStopsSync(t *testing.T) {
	needBinaries(t)
	t.Parallel()
	sim, started := stalledSim(t)
	f := startFake(t, "--sync", "--heartbeat-interval", "1s", "--cancel-after-heartbeats", "2")
	c := startConnector(t, connectorEnv(f, sim))
	sum := f.summary(t, taskTimeout)
	requireClosed(t, started, "the sync reached Confluence")
	c.stop(t)
	c.requireNoTempFiles(t)

	require.Empty(t, sum.Violations)
	tr := taskOfType(t, sum, "sync_full")
	require.Equal(t, 2, tr.Heartbeats, "the initial heartbeat, then the cancelling one")
	require.Equal(t, 1, tr.FinishCalls)
	require.Equal(t, "error", tr.Result)
	require.Equal(t, int32(codes.Canceled), tr.Code, tr.Message)
	require.False(t, tr.NonRetryable)
	require.Contains(t, tr.Message, "cancelled by ConductorOne")
	require.Empty(t, sum.Uploads, "a cancelled sync uploads nothing")
	fin := finishRequest(t, tr)
	require.False(t, fin.GetError().GetNonRetryable())
}

// TestSIGTERMDuringSync: SIGTERM while a sync is stuck stops polling, gives the task the grace
// period, cancels it, reports it retryable, cleans up and exits 0 within the grace period.
func TestSIGTERMDuringSync(t *testing.T) {
	needBinaries(t)
	t.Parallel()
	const grace = 3 * time.Second
	sim, started := stalledSim(t)
	f := startFake(t, "--sync", "--heartbeat-interval", "1s")
	c := startConnector(t, connectorEnv(f, sim), "--shutdown-grace", grace.String())
	select {
	case <-started:
	case <-time.After(taskTimeout):
		t.Fatal("the sync never reached Confluence")
	}

	sent := time.Now()
	c.signal(t, syscall.SIGTERM)
	code := c.wait(t, exitTimeout)
	elapsed := time.Since(sent)
	t.Logf("exited %s after SIGTERM", elapsed.Round(time.Millisecond))
	require.Zero(t, code, "exit code after SIGTERM")
	require.LessOrEqual(t, elapsed, grace+time.Second, "exit within the shutdown grace period")
	require.Contains(t, c.stderr.String(), "cancelling running tasks", "the task had its grace period first")
	c.requireNoTempFiles(t)

	sum := f.summary(t, exitTimeout)
	require.Empty(t, sum.Violations)
	tr := taskOfType(t, sum, "sync_full")
	require.Equal(t, 1, tr.FinishCalls)
	require.Equal(t, "error", tr.Result)
	require.False(t, tr.NonRetryable, "C1 must run the task again")
	require.Equal(t, int32(codes.Canceled), tr.Code, tr.Message)
	require.Contains(t, tr.Message, "shutting down")
	require.Empty(t, sum.Uploads)
}

// requireClosed fails unless ch is closed.
func requireClosed(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	default:
		t.Fatalf("expected: %s", what)
	}
}

// TestSIGTERMLetsRunningSyncFinish: a sync that completes within the grace period after SIGTERM
// is uploaded and reported as a success before the process exits 0.
func TestSIGTERMLetsRunningSyncFinish(t *testing.T) {
	needBinaries(t)
	t.Parallel()
	release := make(chan struct{})
	sleep, started := holdUntil(release)
	cfg := confluencetest.Small()
	cfg.Faults = confluencetest.Faults{Latency: time.Nanosecond, Sleep: sleep}
	sim := startSim(t, cfg)
	want := connectortest.Expected(sim.Truth(), connectortest.Options{})
	f := startFake(t, "--sync", "--heartbeat-interval", "1s")
	c := startConnector(t, connectorEnv(f, sim), "--shutdown-grace", "30s")
	select {
	case <-started:
	case <-time.After(taskTimeout):
		t.Fatal("the sync never reached Confluence")
	}
	c.signal(t, syscall.SIGTERM)
	c.waitStderr(t, "shutting down; waiting for running tasks", exitTimeout)
	close(release) // the sync may now finish, inside the grace period
	require.Zero(t, c.wait(t, taskTimeout), "exit code")
	require.NotContains(t, c.stderr.String(), "cancelling running tasks")
	c.requireNoTempFiles(t)

	sum := f.summary(t, exitTimeout)
	require.Empty(t, sum.Violations)
	tr := taskOfType(t, sum, "sync_full")
	require.Equal(t, 1, tr.FinishCalls)
	require.Equal(t, "success", tr.Result, "%d %s", tr.Code, tr.Message)
	require.Len(t, sum.Uploads, 1)
	requireContent(t, want, readContent(t.Context(), t, filepath.Join(f.outDir, tr.ID+".c1z")))
}
