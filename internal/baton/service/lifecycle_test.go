package service

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"

	"github.com/baton-confluence/baton-confluence/internal/baton/service/c1fake"
)

func TestTokenEndpointDownAtStart(t *testing.T) {
	t.Parallel()
	h := newHarness(t, c1fake.Options{TokenDown: 3})
	h.start()
	h.waitFor(func(s c1fake.Summary) bool { return len(s.Hellos) == 1 })
	require.NoError(t, h.stop())
	sum := h.fake.Summary()
	require.Equal(t, 4, sum.TokenRequests)
	require.Equal(t, 1, sum.TokensIssued)
	require.Equal(t, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}, h.sleep.durations()[:3],
		"start-up Hello backs off 1 s doubling")
}

func TestHelloBackoffIsCapped(t *testing.T) {
	t.Parallel()
	h := newHarness(t, c1fake.Options{TokenDown: 12})
	h.start()
	h.waitFor(func(s c1fake.Summary) bool { return len(s.Hellos) == 1 })
	require.NoError(t, h.stop())
	seen := h.sleep.durations()[:12]
	require.Equal(t, 256*time.Second, seen[8])
	require.Equal(t, 5*time.Minute, seen[9])
	require.Equal(t, 5*time.Minute, seen[11])
}

func TestGetTaskErrorsBackOff(t *testing.T) {
	t.Parallel()
	h := newHarness(t, c1fake.Options{GetTaskErrors: 3, NextPoll: time.Minute})
	id := h.fake.Enqueue(c1fake.HelloTask())
	h.start()
	h.waitIdle()
	require.NoError(t, h.stop())
	seen := h.sleep.durations()
	require.Equal(t, []time.Duration{0, time.Second, 4 * time.Second, 9 * time.Second, time.Minute}, seen[:5],
		"errCount² backoff, reset by the successful poll that returned the task")
	require.Equal(t, "hello", h.task(id).Result)
}

func TestBadCredentialsExit16(t *testing.T) {
	t.Parallel()
	h := newHarness(t, c1fake.Options{FailToken: true})
	h.start()
	err := <-h.done
	h.cancel()
	h.cancel = nil
	require.Error(t, err)
	require.Equal(t, 16, ExitCode(err))
	require.Contains(t, err.Error(), "startup hello")
	require.Contains(t, err.Error(), "get token: 401 Unauthorized")
	require.Contains(t, err.Error(), "ConductorOne rejected the client credentials; check --client-id and --client-secret")
	secret := h.cfg.ClientSecret
	require.NotContains(t, err.Error(), secret[strings.LastIndex(secret, ":")+1:])
	require.Empty(t, h.sleep.durations(), "Unauthenticated is not retried")
	require.Empty(t, h.fake.Summary().Hellos)
}

func TestConfigErrorsExit2(t *testing.T) {
	t.Parallel()
	h := newHarness(t, c1fake.Options{})
	secret := h.cfg.ClientSecret
	tests := []struct {
		name    string
		mutate  func(*Config, *Deps)
		wantErr string
	}{
		{name: "bad client id", mutate: func(c *Config, _ *Deps) { c.ClientID = "nope" }, wantErr: "invalid client id: expected <name>@<tenant-host>/<suffix>"},
		{name: "no secret", mutate: func(c *Config, _ *Deps) { c.ClientSecret = "" }, wantErr: "client-secret is required in service mode"},
		{name: "bad secret", mutate: func(c *Config, _ *Deps) { c.ClientSecret = secret[:len(secret)-4] + "!!!!" }, wantErr: "invalid client secret"},
		{name: "concurrency", mutate: func(c *Config, _ *Deps) { c.TaskConcurrency = 500 }, wantErr: "invalid task concurrency 500"},
		{name: "no connector", mutate: func(_ *Config, d *Deps) { d.Connector = nil }, wantErr: "no connector"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, deps := h.cfg, h.deps
			tt.mutate(&cfg, &deps)
			err := run(t.Context(), cfg, deps, h.hooks)
			require.ErrorContains(t, err, tt.wantErr)
			require.Equal(t, 2, ExitCode(err))
			require.NotContains(t, err.Error(), secret[len(secret)-20:])
		})
	}
}

func TestShutdownDuringSyncReportsRetryable(t *testing.T) {
	t.Parallel()
	h := newHarness(t, c1fake.Options{})
	h.cfg.ShutdownGrace = 10 * time.Second // waits 8 s for tasks, then 2 s after cancelling them
	// The 8 s wait "expires" at once; the 2 s wait and heartbeat waits last until cancelled.
	h.sleep.block = func(d time.Duration) bool { return d == 2*time.Second || d == defaultHeartbeat }
	started := make(chan struct{})
	h.deps.Sync = func(ctx context.Context, out string, _ SyncOptions) error {
		if err := writingSync(10, nil)(ctx, out, SyncOptions{}); err != nil {
			return err
		}
		close(started)
		<-ctx.Done()
		return fmt.Errorf("write resources: %w", ctx.Err())
	}
	id := h.fake.Enqueue(c1fake.SyncTask())
	h.start()
	<-started
	begin := time.Now()
	require.NoError(t, h.stop(), "a signal-driven shutdown exits 0")
	require.Less(t, time.Since(begin), 10*time.Second)
	tr := h.task(id)
	requireError(t, tr, codes.Canceled, "sync: write resources: context canceled (connector is shutting down)", false)
	requireNoTempFiles(t, h.cfg.TempDir)
}

func TestShutdownLetsRunningTaskFinish(t *testing.T) {
	t.Parallel()
	h := newHarness(t, c1fake.Options{})
	h.sleep.block = func(d time.Duration) bool { return d >= 20*time.Second } // grace and heartbeats never expire
	started, release := make(chan struct{}), make(chan struct{})
	h.deps.Sync = writingSync(10, func(ctx context.Context) error {
		close(started)
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	id := h.fake.Enqueue(c1fake.SyncTask())
	h.start()
	<-started
	h.cancel() // shutdown starts while the sync runs; the task is not cancelled within the grace period
	close(release)
	require.NoError(t, <-h.done)
	h.cancel = nil
	requireSuccess(t, h.task(id), "")
	requireNoTempFiles(t, h.cfg.TempDir)
}

func TestShutdownDuringProvisioningIsRetryable(t *testing.T) {
	t.Parallel()
	h := newHarness(t, c1fake.Options{})
	h.cfg.ShutdownGrace = 10 * time.Second
	h.sleep.block = func(d time.Duration) bool { return d == 2*time.Second }
	started := make(chan struct{})
	h.deps.Connector = &fakeConnector{grantHook: func(ctx context.Context) error {
		close(started)
		<-ctx.Done()
		return fmt.Errorf("add member: %w", ctx.Err())
	}}
	task, err := c1fake.GrantTask("group:g-1:member user acc-1")
	require.NoError(t, err)
	id := h.fake.Enqueue(task)
	h.start()
	<-started
	require.NoError(t, h.stop())
	requireError(t, h.task(id), codes.Canceled, "add member: context canceled\nconnector is shutting down", false)
}

func TestHealthServerStartsAfterHello(t *testing.T) {
	t.Parallel()
	h := newHarness(t, c1fake.Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	h.cfg.HealthCheck, h.cfg.HealthCheckPort = true, port
	h.deps.Connector = &fakeConnector{validateErr: errBoom}
	h.start()
	h.waitFor(func(s c1fake.Summary) bool { return len(s.Hellos) == 1 && s.GetTaskCalls > 0 })

	get := func(path string) (int, map[string]any) {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d%s", port, path))
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
		var body map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
		return resp.StatusCode, body
	}
	code, body := get("/live")
	require.Equal(t, 200, code)
	require.Equal(t, "alive", body["status"])
	code, body = get("/ready")
	require.Equal(t, 200, code)
	require.Equal(t, "ready", body["status"])
	code, body = get("/health")
	require.Equal(t, 503, code)
	require.Equal(t, "unhealthy", body["status"])
	require.Equal(t, map[string]any{"validation_error": "boom"}, body["details"])
	require.Equal(t, 0, Probe(t.Context(), "live", port, "0.0.0.0", time.Second))
	require.Equal(t, 1, Probe(t.Context(), "health", port, "127.0.0.1", time.Second))

	require.NoError(t, h.stop())
	require.Equal(t, 14, Probe(context.Background(), "live", port, "127.0.0.1", time.Second), "server stopped with Run")
}
