package confluence

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const (
	testUser  = "bot@example.com"
	testToken = "tok-SECRET-5f1c9a7e3b2d"
)

// withJitter replaces the jitter source (tests only).
func withJitter(f func() float64) Option {
	return func(s *settings) error {
		s.jitter = f
		return nil
	}
}

// fakeSleep records waits and returns at once (or ctx.Err()).
type fakeSleep struct {
	mu    sync.Mutex
	calls []time.Duration
}

func (f *fakeSleep) sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	f.calls = append(f.calls, d)
	f.mu.Unlock()
	return nil
}

// eventLog collects observer events.
type eventLog struct {
	mu     sync.Mutex
	events []Event
}

func (l *eventLog) add(e Event) {
	l.mu.Lock()
	l.events = append(l.events, e)
	l.mu.Unlock()
}

func (l *eventLog) all() []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Event(nil), l.events...)
}

func (l *eventLog) kind(k EventKind) []Event {
	var out []Event
	for _, e := range l.all() {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}

// retryWaits returns the planned waits of the retry events.
func (l *eventLog) retryWaits() []time.Duration {
	var out []time.Duration
	for _, e := range l.kind(EventRetry) {
		out = append(out, e.Wait)
	}
	return out
}

type env struct {
	client *Client
	mux    *http.ServeMux
	server *httptest.Server
	sleep  *fakeSleep
	events *eventLog
}

// setup starts a per-test server on 127.0.0.1 with an empty mux and a client with a fake sleep,
// an event log and a fixed jitter of 0.5.
func setup(t *testing.T, opts ...Option) *env {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return setupAt(t, srv, srv.URL, mux, opts...)
}

func setupAt(t *testing.T, srv *httptest.Server, base string, mux *http.ServeMux, opts ...Option) *env {
	t.Helper()
	e := &env{mux: mux, server: srv, sleep: &fakeSleep{}, events: &eventLog{}}
	all := append([]Option{
		WithBasicAuth(testUser, testToken),
		WithSleep(e.sleep.sleep),
		WithObserver(e.events.add),
		withJitter(func() float64 { return 0.5 }),
	}, opts...)
	c, err := NewClient(base, all...)
	require.NoError(t, err)
	e.client = c
	return e
}

// writeJSON writes a JSON answer.
func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// requireAuth fails the request with 401 unless it carries the test credentials.
func requireAuth(w http.ResponseWriter, r *http.Request) bool {
	u, p, ok := r.BasicAuth()
	if !ok || u != testUser || p != testToken {
		writeJSON(w, http.StatusUnauthorized, `{"statusCode":401,"message":"Unauthorized"}`)
		return false
	}
	return true
}

// counter counts requests; safe for concurrent handlers.
type counter struct {
	mu sync.Mutex
	n  int
}

func (c *counter) inc() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	return c.n
}

func (c *counter) get() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// setupServer starts a server with mux and returns a client with real sleeps and defaults.
func setupServer(t testing.TB, mux *http.ServeMux, opts ...Option) *Client {
	t.Helper()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	c, err := NewClient(srv.URL, append([]Option{WithBasicAuth(testUser, testToken)}, opts...)...)
	require.NoError(t, err)
	return c
}

// withNow replaces the clock of pacing and Retry-After (tests only).
func withNow(now func() time.Time) Option {
	return func(s *settings) error {
		s.now = now
		return nil
	}
}
