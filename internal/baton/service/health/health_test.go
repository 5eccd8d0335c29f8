package health

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestHandler(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	ready := true
	var validateErr error
	var gotDeadline bool
	h := Handler(Checks{
		Ready: func() bool { return ready },
		Validate: func(ctx context.Context) error {
			_, gotDeadline = ctx.Deadline()
			return validateErr
		},
		Now: func() time.Time { return now },
	})
	tests := []struct {
		name    string
		path    string
		setup   func()
		code    int
		status  string
		details map[string]any
	}{
		{name: "live", path: "/live", code: 200, status: "alive"},
		{name: "ready", path: "/ready", code: 200, status: "ready"},
		{name: "not ready", path: "/ready", setup: func() { ready = false }, code: 503, status: "not_ready",
			details: map[string]any{"error": "connector is not ready"}},
		{name: "healthy", path: "/health", code: 200, status: "healthy"},
		{name: "unhealthy", path: "/health", setup: func() { validateErr = errors.New("401 from Confluence") }, code: 503,
			status: "unhealthy", details: map[string]any{"validation_error": "401 from Confluence"}},
	}
	for _, tt := range tests { // sequential: the cases share the closure state
		ready, validateErr = true, nil
		if tt.setup != nil {
			tt.setup()
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.path, nil))
		require.Equal(t, tt.code, rec.Code, tt.name)
		require.Equal(t, "application/json", rec.Header().Get("Content-Type"), tt.name)
		var body map[string]any
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body), tt.name)
		require.Equal(t, tt.status, body["status"], tt.name)
		require.Equal(t, "2026-11-28T12:00:00Z", body["timestamp"], tt.name)
		if tt.details == nil {
			require.NotContains(t, body, "details", tt.name)
		} else {
			require.Equal(t, tt.details, body["details"], tt.name)
		}
	}
	require.True(t, gotDeadline, "validate runs with a timeout")

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/live", nil))
	require.Equal(t, http.StatusMethodNotAllowed, rec.Code)
}

func TestStartProbeShutdown(t *testing.T) {
	t.Parallel()
	srv, err := Start("127.0.0.1", 0, Checks{
		Ready:    func() bool { return false },
		Validate: func(context.Context) error { return nil },
	})
	require.NoError(t, err)
	port := srv.Addr().(*net.TCPAddr).Port
	tests := []struct {
		endpoint, bind string
		want           int
	}{
		{"live", "127.0.0.1", 0},
		{"live", "0.0.0.0", 0},
		{"live", "", 0},
		{"health", "127.0.0.1", 0},
		{"ready", "127.0.0.1", ProbeUnhealthy},
		{"metrics", "127.0.0.1", ProbeInvalid},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, Probe(t.Context(), tt.endpoint, port, tt.bind, time.Second), "%+v", tt)
	}
	require.NoError(t, srv.Shutdown(t.Context()))
	require.Equal(t, ProbeUnavailable, Probe(t.Context(), "live", port, "127.0.0.1", time.Second), "connection refused → 14")
}

func TestProbeTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	// An already-expired deadline stands in for a slow server: no real waiting.
	ctx, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel()
	require.Equal(t, ProbeDeadlineExceeded, Probe(ctx, "live", port, "127.0.0.1", time.Second))
}

func TestStartFailsOnBusyPort(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	_, err = Start("127.0.0.1", ln.Addr().(*net.TCPAddr).Port, Checks{})
	require.ErrorContains(t, err, "health check server")
}
