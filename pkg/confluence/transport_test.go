package confluence

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func waitsFor(l *eventLog, reason string) []time.Duration {
	var out []time.Duration
	for _, e := range l.kind(EventWait) {
		if e.Reason == reason {
			out = append(out, e.Duration)
		}
	}
	return out
}

// TestNearLimitSlowsDown: NearLimit answers halve the concurrency limit and start pacing.
func TestNearLimitSlowsDown(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.mux.HandleFunc("GET /wiki/rest/api/group", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-RateLimit-NearLimit", "true")
		w.Header().Set("X-RateLimit-Limit", "100")
		w.Header().Set("X-RateLimit-Remaining", "3")
		writeJSON(w, 200, okGroups)
	})
	for range 10 {
		_, resp, err := e.client.Groups.List(t.Context(), nil)
		require.NoError(t, err)
		require.True(t, resp.RateLimit.NearLimit)
		require.True(t, resp.RateLimit.Pressure())
		require.Equal(t, 3, resp.RateLimit.Remaining)
	}
	require.NotEmpty(t, waitsFor(e.events, "pace"), "requests are paced")
	conc := e.events.kind(EventConcurrency)
	require.NotEmpty(t, conc)
	require.Equal(t, DefaultMaxConcurrency/2, conc[0].Limit)
	require.Positive(t, e.client.transport.pace.currentRate())
}

func TestLowRemainingIsPressure(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rl   RateLimit
		want bool
	}{
		{RateLimit{Limit: 100, Remaining: 19}, true},
		{RateLimit{Limit: 100, Remaining: 20}, false},
		{RateLimit{Limit: -1, Remaining: 0}, false},
		{RateLimit{Limit: 100, Remaining: -1}, false},
		{RateLimit{Limit: -1, Remaining: -1, NearLimit: true}, true},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, tc.rl.Pressure(), "%+v", tc.rl)
	}
}

func TestClientSideRateLimit(t *testing.T) {
	t.Parallel()
	e := setup(t, WithRequestRate(1, 1))
	e.mux.HandleFunc("GET /wiki/rest/api/group", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 200, okGroups)
	})
	for range 4 {
		require.NoError(t, listGroups(e))
	}
	waits := waitsFor(e.events, "client rate limit")
	require.Len(t, waits, 3, "the first request uses the burst, the others wait")
	for _, w := range waits {
		require.Greater(t, w, 500*time.Millisecond)
	}
}

// TestPerAttemptTimeout: a server that never answers is cut off per attempt and retried (real
// time: two attempts of 50ms).
func TestPerAttemptTimeout(t *testing.T) {
	t.Parallel()
	e := setup(t, WithTimeout(50*time.Millisecond), WithRetryPolicy(RetryPolicy{MaxAttempts: 2}))
	e.mux.HandleFunc("GET /wiki/rest/api/group", func(_ http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	start := time.Now()
	err := listGroups(e)
	var terr *TransportError
	require.ErrorAs(t, err, &terr)
	require.Equal(t, 2, terr.Attempts)
	require.Less(t, time.Since(start), 5*time.Second)
}

func TestEvents(t *testing.T) {
	t.Parallel()
	e := setup(t)
	var calls counter
	e.mux.HandleFunc("GET /wiki/rest/api/group", failThen(&calls, 1, func(w http.ResponseWriter) {
		writeJSON(w, 502, `{}`)
	}))
	require.NoError(t, listGroups(e))
	var kinds []EventKind
	for _, ev := range e.events.all() {
		kinds = append(kinds, ev.Kind)
		require.Equal(t, "GET", ev.Method)
		require.Equal(t, "/wiki/rest/api/group", ev.Path)
	}
	require.Equal(t, []EventKind{EventRequest, EventResponse, EventRetry, EventRequest, EventResponse}, kinds)
	evs := e.events.all()
	require.Equal(t, 502, evs[1].Status)
	require.Equal(t, 1, evs[1].Attempt)
	require.Equal(t, "status 502, backoff", evs[2].Reason)
	require.Equal(t, 200, evs[4].Status)
	require.Equal(t, 2, evs[4].Attempt)
	require.Equal(t, "retry", EventRetry.String())
}

func TestParseHelpers(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"5": 5 * time.Second, "0.5": 500 * time.Millisecond, "Thu, 01 Jan 2026 00:00:30 GMT": 30 * time.Second,
		"Wed, 31 Dec 2025 23:00:00 GMT": 0,
	} {
		got, ok := parseRetryAfter(in, now)
		require.True(t, ok, in)
		require.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "-3", "soon", "NaN"} {
		_, ok := parseRetryAfter(bad, now)
		require.False(t, ok, bad)
	}
	require.Equal(t, time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC), parseResetTime("2026-03-01T10:00Z"))
	require.Equal(t, time.Date(2026, 3, 1, 10, 0, 5, 0, time.UTC), parseResetTime("2026-03-01T10:00:05Z"))
	require.True(t, parseResetTime("tomorrow").IsZero())
	require.Equal(t, "/a?cursor=x", linkNext([]string{`<https://s/wiki>; rel="base"`, `</a?cursor=x>; rel="next"`}))
	require.Equal(t, "x%2By", cursorFromLink("/a?limit=1&cursor=x%2By#f"))
	require.Equal(t, "a%20b%26c%23d%25zz", escapeCursor("a b&c#d%zz"))
	require.True(t, isJSONContentType("application/json; charset=UTF-8"))
	require.True(t, isJSONContentType("application/problem+json"))
	require.False(t, isJSONContentType("text/html"))
}
