package confluence

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestPauseRecheckedAfterPace: a Retry-After pause that begins while a request waits for its
// pace holds that request too (it is not sent in the middle of the pause).
func TestPauseRecheckedAfterPace(t *testing.T) {
	t.Parallel()
	var c *Client
	paused := false
	e := setup(t, WithObserver(func(ev Event) {
		if ev.Kind == EventWait && ev.Reason == "pace" && !paused {
			paused = true // another request got a 429 meanwhile
			c.transport.pace.pause(time.Now().Add(30 * time.Second))
		}
	}))
	c = e.client
	e.mux.HandleFunc("GET /wiki/rest/api/group", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, okGroups) })
	p := c.transport.pace
	p.mu.Lock()
	p.setRateLocked(time.Now(), 1)
	p.lim.ReserveN(time.Now(), 1) // the next request waits about a second
	p.mu.Unlock()
	require.NoError(t, listGroups(e))
	require.True(t, paused)
	require.Len(t, e.sleep.calls, 3, "pace, then the pause, then the pace again: %v", e.sleep.calls)
	require.Greater(t, e.sleep.calls[1], 25*time.Second, "the pause was waited out before sending")
}

// TestRetryAfterPauseByMode: in blind mode a 429's Retry-After holds every request; once the pace
// comes from a measured refill rate, only the refused request waits it out and the others go on
// at the lowered pace (no whole-second stall of every worker).
func TestRetryAfterPauseByMode(t *testing.T) {
	t.Parallel()
	for _, measured := range []bool{false, true} {
		t.Run("measured="+strconv.FormatBool(measured), func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			var calls counter
			e.mux.HandleFunc("GET /wiki/rest/api/group", func(w http.ResponseWriter, _ *http.Request) {
				n := calls.inc()
				w.Header().Set("X-RateLimit-Limit", "20")
				switch n {
				case 1:
					w.Header().Set("X-RateLimit-Remaining", "2")
					w.Header().Set("X-RateLimit-NearLimit", "true")
				case 2:
					w.Header().Set("X-RateLimit-Remaining", "0")
					w.Header().Set("X-RateLimit-NearLimit", "true")
					w.Header().Set("Retry-After", "1")
					writeJSON(w, 429, `{"message":"Rate limit exceeded"}`)
					return
				default:
					w.Header().Set("X-RateLimit-Remaining", "10")
				}
				writeJSON(w, 200, okGroups)
			})
			if measured {
				p := e.client.transport.pace
				p.mu.Lock()
				feedBucket(&p.model, time.Now().Add(-time.Minute), 20, 20, 0, 40*time.Millisecond, 100)
				p.mu.Unlock()
			}
			require.NoError(t, listGroups(e)) // starts pacing
			require.NoError(t, listGroups(e)) // 429, retried after its Retry-After
			require.Equal(t, []time.Duration{time.Second}, e.events.retryWaits(), "the refused request honours Retry-After")
			require.NoError(t, listGroups(e))
			pauses := waitsFor(e.events, "retry-after pause")
			if measured {
				require.Empty(t, pauses, "the next request is paced, not stalled")
				require.True(t, e.client.transport.pace.measuredPace())
				return
			}
			require.NotEmpty(t, pauses, "blind mode: everyone honours the pause")
		})
	}
}
