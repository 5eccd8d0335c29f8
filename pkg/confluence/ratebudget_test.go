package confluence

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// budgetServer is a token bucket of capacity burst refilled at rps, like Confluence's burst
// limits: X-RateLimit-Limit/Remaining on every answer, X-RateLimit-NearLimit below 20%, and a
// 429 with Retry-After in whole seconds when empty.
type budgetServer struct {
	rps     float64
	burst   float64
	mu      sync.Mutex
	tokens  float64
	last    time.Time
	ok      atomic.Int64
	tooMany atomic.Int64
}

func newBudgetServer(rps, burst float64) *budgetServer {
	return &budgetServer{rps: rps, burst: burst, tokens: burst, last: time.Now()}
}

func (s *budgetServer) handle(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	now := time.Now()
	s.tokens = math.Min(s.burst, s.tokens+now.Sub(s.last).Seconds()*s.rps)
	s.last = now
	allowed := s.tokens >= 1
	if allowed {
		s.tokens--
	}
	remaining := s.tokens
	s.mu.Unlock()
	w.Header().Set("X-RateLimit-Limit", strconv.Itoa(int(s.burst)))
	w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(int(remaining)))
	if remaining < 0.2*s.burst {
		w.Header().Set("X-RateLimit-NearLimit", "true")
	}
	if !allowed {
		s.tooMany.Add(1)
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil((1-remaining)/s.rps))))
		writeJSON(w, http.StatusTooManyRequests, `{"message":"Rate limit exceeded"}`)
		return
	}
	s.ok.Add(1)
	writeJSON(w, 200, okGroups)
}

// runBudget sends total requests from workers goroutines through one client with real sleeps
// and returns the elapsed time. latency is added to every answer.
func runBudget(t testing.TB, srv *budgetServer, latency time.Duration, workers, total int) time.Duration {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /wiki/rest/api/group", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(latency) // server service time (real-time test)
		srv.handle(w, r)
	})
	c := setupServer(t, mux)
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Go(func() {
			for next.Add(1) <= int64(total) {
				_, _, err := c.Groups.List(t.Context(), nil)
				require.NoError(t, err)
			}
		})
	}
	wg.Wait()
	return time.Since(start)
}

// TestRateBudget: under a server budget of N requests/s, at most ~2% of requests get a 429 and
// the total time stays close to requests/N. Real time (about 4 s each, run in parallel):
// skipped with -short.
func TestRateBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("real-time rate test")
	}
	t.Parallel()
	tests := []struct {
		name         string
		rps, burst   float64
		latency      time.Duration
		total        int
		maxTimeRatio float64
	}{
		{name: "fast server", rps: 200, burst: 40, total: 800, maxTimeRatio: 2.0},
		{name: "20ms server", rps: 100, burst: 40, latency: 20 * time.Millisecond, total: 400, maxTimeRatio: 2.0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newBudgetServer(tc.rps, tc.burst)
			elapsed := runBudget(t, srv, tc.latency, 8, tc.total)
			ideal := time.Duration((float64(tc.total) - tc.burst) / tc.rps * float64(time.Second))
			tooMany := srv.tooMany.Load()
			t.Logf("elapsed %s (ideal %s, ratio %.2f), 429s %d of %d (%.1f%%)", elapsed.Round(time.Millisecond), ideal,
				elapsed.Seconds()/ideal.Seconds(), tooMany, int64(tc.total)+tooMany, 100*float64(tooMany)/float64(tc.total))
			require.Equal(t, int64(tc.total), srv.ok.Load())
			require.LessOrEqual(t, float64(tooMany), 0.02*float64(tc.total)+1)
			require.Less(t, elapsed.Seconds(), tc.maxTimeRatio*ideal.Seconds())
		})
	}
}
