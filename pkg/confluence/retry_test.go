package confluence

import (
	"bufio"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// listGroups is the GET used by most retry tests.
func listGroups(e *env) error {
	_, _, err := e.client.Groups.List(context.Background(), nil)
	return err
}

const okGroups = `{"results":[{"id":"g"}]}`

// failThen answers fail(w) for the first n calls and okGroups afterwards.
func failThen(calls *counter, n int, fail func(w http.ResponseWriter)) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		if calls.inc() <= n {
			fail(w)
			return
		}
		writeJSON(w, 200, okGroups)
	}
}

func TestRetryAfterForms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		status  int
		header  string
		value   func() string
		minWait time.Duration
		maxWait time.Duration
	}{
		{name: "429 seconds", status: 429, header: "Retry-After", value: func() string { return "3" }, minWait: 3 * time.Second, maxWait: 3 * time.Second},
		{name: "429 http-date", status: 429, header: "Retry-After",
			value:   func() string { return time.Now().Add(10 * time.Second).UTC().Format(http.TimeFormat) },
			minWait: 8 * time.Second, maxWait: 10 * time.Second},
		{name: "429 Beta-Retry-After", status: 429, header: "Beta-Retry-After", value: func() string { return "7" }, minWait: 7 * time.Second, maxWait: 7 * time.Second},
		{name: "503 seconds", status: 503, header: "Retry-After", value: func() string { return "4" }, minWait: 4 * time.Second, maxWait: 4 * time.Second},
		{name: "503 without Retry-After backs off", status: 503, minWait: DefaultBaseDelay / 2, maxWait: DefaultBaseDelay / 2},
		{name: "past http-date retries at once", status: 429, header: "Retry-After",
			value: func() string { return time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			var calls counter
			e.mux.HandleFunc("GET /wiki/rest/api/group", failThen(&calls, 1, func(w http.ResponseWriter) {
				if tc.header != "" {
					w.Header().Set(tc.header, tc.value())
				}
				writeJSON(w, tc.status, `{"message":"slow down"}`)
			}))
			require.NoError(t, listGroups(e))
			require.Equal(t, 2, calls.get())
			waits := e.events.retryWaits()
			require.Len(t, waits, 1)
			require.GreaterOrEqual(t, waits[0], tc.minWait)
			require.LessOrEqual(t, waits[0], tc.maxWait)
			require.Equal(t, waits, e.sleep.calls, "the retry wait went through the injected sleep")
		})
	}
}

func TestBackoff500(t *testing.T) {
	t.Parallel()
	policy := RetryPolicy{MaxAttempts: 5, BaseDelay: 100 * time.Millisecond, MaxDelay: 300 * time.Millisecond}
	t.Run("exponential and capped", func(t *testing.T) {
		t.Parallel()
		e := setup(t, WithRetryPolicy(policy), withJitter(func() float64 { return 1 }))
		var calls counter
		e.mux.HandleFunc("GET /wiki/rest/api/group", failThen(&calls, 100, func(w http.ResponseWriter) {
			writeJSON(w, 500, `{"message":"boom"}`)
		}))
		err := listGroups(e)
		require.Equal(t, 5, calls.get())
		ms := time.Millisecond
		require.Equal(t, []time.Duration{100 * ms, 200 * ms, 300 * ms, 300 * ms}, e.events.retryWaits())
		var apiErr *Error
		require.ErrorAs(t, err, &apiErr)
		require.Equal(t, 500, apiErr.StatusCode)
		require.True(t, apiErr.Temporary())
	})
	t.Run("jittered within bounds", func(t *testing.T) {
		t.Parallel()
		e := setup(t, WithRetryPolicy(policy), withJitter(defaultJitter))
		var calls counter
		e.mux.HandleFunc("GET /wiki/rest/api/group", failThen(&calls, 100, func(w http.ResponseWriter) {
			writeJSON(w, 502, `{}`)
		}))
		require.Error(t, listGroups(e))
		waits := e.events.retryWaits()
		require.Len(t, waits, 4)
		for i, w := range waits {
			require.GreaterOrEqual(t, w, time.Duration(0))
			require.LessOrEqual(t, w, policy.withDefaults().backoffCeiling(i+1))
		}
	})
}

func TestRateLimitExhausted(t *testing.T) {
	t.Parallel()
	e := setup(t, WithRetryPolicy(RetryPolicy{MaxAttempts: 3}))
	var calls counter
	e.mux.HandleFunc("GET /wiki/rest/api/group", failThen(&calls, 100, func(w http.ResponseWriter) {
		w.Header().Set("Retry-After", "9")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Limit", "100")
		w.Header().Set("X-RateLimit-Reset", "2030-01-02T03:04Z")
		writeJSON(w, 429, `{"message":"Rate limit exceeded"}`)
	}))
	err := listGroups(e)
	require.Equal(t, 3, calls.get())
	var rl *RateLimitError
	require.ErrorAs(t, err, &rl)
	require.Equal(t, 9*time.Second, rl.RetryAfter())
	require.True(t, rl.Temporary())
	require.Equal(t, 0, rl.RateLimit.Remaining)
	require.Equal(t, time.Date(2030, 1, 2, 3, 4, 0, 0, time.UTC), rl.RateLimit.ResetAt)
	var apiErr *Error
	require.ErrorAs(t, err, &apiErr)
	require.Equal(t, 429, apiErr.StatusCode)
	require.Equal(t, "Rate limit exceeded", apiErr.Message)
}

func TestRetryAfterBeyondCapStopsAtOnce(t *testing.T) {
	t.Parallel()
	e := setup(t, WithRetryPolicy(RetryPolicy{MaxRetryAfter: time.Minute}))
	var calls counter
	e.mux.HandleFunc("GET /wiki/rest/api/group", failThen(&calls, 100, func(w http.ResponseWriter) {
		w.Header().Set("Retry-After", "3600")
		writeJSON(w, 429, `{}`)
	}))
	var rl *RateLimitError
	require.ErrorAs(t, listGroups(e), &rl)
	require.Equal(t, time.Hour, rl.RetryAfter())
	require.Equal(t, 1, calls.get())
	require.Empty(t, e.sleep.calls)
}

// hijackClose drops the connection without an answer.
func hijackClose(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

// truncated declares a longer body than it writes, then closes.
func truncated(w http.ResponseWriter) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	writeRaw(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{\"results\":[{\"id\":")
	_ = conn.Close()
}

func writeRaw(buf *bufio.ReadWriter, s string) {
	_, _ = buf.WriteString(s)
	_ = buf.Flush()
}

func TestPOSTRetryRules(t *testing.T) {
	t.Parallel()
	addPerm := func(e *env) error {
		_, _, err := e.client.Spaces.AddPermission(t.Context(), "ENG", SpacePermissionRequest{
			Subject: PermissionSubject{Type: "user", Identifier: "u"}, Operation: PermissionOperation{Key: "read", Target: "space"}})
		return err
	}
	tests := []struct {
		name      string
		fail      func(w http.ResponseWriter)
		wantCalls int
	}{
		{name: "500", fail: func(w http.ResponseWriter) { writeJSON(w, 500, `{}`) }, wantCalls: 1},
		{name: "503", fail: func(w http.ResponseWriter) { writeJSON(w, 503, `{}`) }, wantCalls: 1},
		{name: "dropped connection", fail: hijackClose, wantCalls: 1},
		{name: "429 was refused before any work", fail: func(w http.ResponseWriter) { writeJSON(w, 429, `{}`) }, wantCalls: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			var calls counter
			e.mux.HandleFunc("POST /wiki/rest/api/space/{key}/permission", func(w http.ResponseWriter, _ *http.Request) {
				if calls.inc() == 1 {
					tc.fail(w)
					return
				}
				writeJSON(w, 200, `{"id":1}`)
			})
			err := addPerm(e)
			require.Equal(t, tc.wantCalls, calls.get())
			if tc.wantCalls == 1 {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
		})
	}
}

func TestSafePOSTRetried(t *testing.T) {
	t.Parallel()
	for _, fail := range []func(http.ResponseWriter){
		func(w http.ResponseWriter) { writeJSON(w, 500, `{}`) },
		hijackClose,
	} {
		e := setup(t)
		var bodies []string
		e.mux.HandleFunc("POST /wiki/api/v2/users-bulk", func(w http.ResponseWriter, r *http.Request) {
			bodies = append(bodies, string(mustRead(r)))
			if len(bodies) == 1 {
				fail(w)
				return
			}
			writeJSON(w, 200, `{"results":[{"accountId":"a"}]}`)
		})
		users, _, err := e.client.Users.Bulk(t.Context(), []string{"a", "b"})
		require.NoError(t, err)
		require.Len(t, users, 1)
		require.Len(t, bodies, 2)
		require.Equal(t, bodies[0], bodies[1], "the body is sent again in full")
	}
}

func TestBrokenBodiesRetried(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fail func(w http.ResponseWriter)
	}{
		{name: "truncated body", fail: truncated},
		{name: "dropped connection", fail: hijackClose},
		{name: "malformed JSON", fail: func(w http.ResponseWriter) { writeJSON(w, 200, `{"results":[`) }},
		{name: "html instead of JSON", fail: func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html>maintenance</html>"))
		}},
		{name: "empty 200", fail: func(w http.ResponseWriter) { writeJSON(w, 200, ``) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			var calls counter
			e.mux.HandleFunc("GET /wiki/rest/api/group", failThen(&calls, 2, tc.fail))
			require.NoError(t, listGroups(e))
			require.Equal(t, 3, calls.get())
			require.Len(t, e.events.retryWaits(), 2)
		})
	}
}

func TestMalformedJSONExhausted(t *testing.T) {
	t.Parallel()
	e := setup(t, WithRetryPolicy(RetryPolicy{MaxAttempts: 3}))
	var calls counter
	e.mux.HandleFunc("GET /wiki/rest/api/group", failThen(&calls, 100, func(w http.ResponseWriter) {
		writeJSON(w, 200, `{"results":[{"id":`)
	}))
	err := listGroups(e)
	require.Equal(t, 3, calls.get())
	require.ErrorContains(t, err, "decode response of GET /wiki/rest/api/group")
}

func TestTransportErrorExhausted(t *testing.T) {
	t.Parallel()
	e := setup(t, WithRetryPolicy(RetryPolicy{MaxAttempts: 2}))
	var calls counter
	e.mux.HandleFunc("GET /wiki/rest/api/group", failThen(&calls, 100, truncated))
	err := listGroups(e)
	var terr *TransportError
	require.ErrorAs(t, err, &terr)
	require.True(t, terr.Temporary())
	require.Equal(t, 2, terr.Attempts)
	require.Equal(t, "/wiki/rest/api/group", terr.Path)
}

func TestCancelDuringWait(t *testing.T) {
	t.Parallel()
	waiting := make(chan struct{})
	sleep := func(ctx context.Context, _ time.Duration) error {
		close(waiting)
		<-ctx.Done()
		return ctx.Err()
	}
	e := setup(t, WithSleep(sleep))
	var calls counter
	e.mux.HandleFunc("GET /wiki/rest/api/group", failThen(&calls, 100, func(w http.ResponseWriter) {
		w.Header().Set("Retry-After", "60")
		writeJSON(w, 429, `{}`)
	}))
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		<-waiting
		cancel()
	}()
	_, _, err := e.client.Groups.List(ctx, nil)
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, 1, calls.get())
}

func TestSleepContextRespectsCancel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	start := time.Now()
	require.ErrorIs(t, sleepContext(ctx, time.Hour), context.Canceled)
	require.Less(t, time.Since(start), time.Second)
	require.NoError(t, sleepContext(t.Context(), 0))
}

// TestRetryAfterPausesOthers: after one request gets a Retry-After, the next request waits for
// the rest of the pause before it is sent.
func TestRetryAfterPausesOthers(t *testing.T) {
	t.Parallel()
	e := setup(t, WithRetryPolicy(RetryPolicy{MaxAttempts: 1}))
	var calls counter
	e.mux.HandleFunc("GET /wiki/rest/api/group", failThen(&calls, 1, func(w http.ResponseWriter) {
		w.Header().Set("Retry-After", "30")
		writeJSON(w, 429, `{}`)
	}))
	require.Error(t, listGroups(e)) // no retries: the pause is still set for everyone
	require.NoError(t, listGroups(e))
	var pauses []Event
	for _, ev := range e.events.kind(EventWait) {
		if ev.Reason == "retry-after pause" {
			pauses = append(pauses, ev)
		}
	}
	require.Len(t, pauses, 1)
	require.Greater(t, pauses[0].Duration, 25*time.Second)
}
