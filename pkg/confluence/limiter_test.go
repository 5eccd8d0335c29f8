package confluence

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestAIMDLimiterUnit(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	var changes []int
	l := newAIMDLimiter(8, func(n int) { changes = append(changes, n) })

	// Four requests in flight in generation 0; three of them see pressure: one halving only.
	gens := make([]uint64, 4)
	for i := range gens {
		g, waited, err := l.acquire(ctx)
		require.NoError(t, err)
		require.False(t, waited)
		gens[i] = g
	}
	l.release(gens[0], outcomeTooMany)
	l.release(gens[1], outcomeTooMany)
	l.release(gens[2], outcomeTooMany)
	l.release(gens[3], outcomeSuccess)
	limit, inFlight := l.current()
	require.Equal(t, 4, limit)
	require.Zero(t, inFlight)

	// Growth: a run of `limit` successes adds one, until one below the failed level (8).
	succeed := func(n int) {
		for range n {
			g, _, err := l.acquire(ctx)
			require.NoError(t, err)
			l.release(g, outcomeSuccess)
		}
	}
	succeed(4) // 4 -> 5
	succeed(5) // 5 -> 6
	succeed(6) // 6 -> 7
	limit, _ = l.current()
	require.Equal(t, 7, limit)
	succeed(7) // probing the failed level takes a much longer run
	limit, _ = l.current()
	require.Equal(t, 7, limit)
	succeed(7*probeRunFactor - 7)
	limit, _ = l.current()
	require.Equal(t, 8, limit)
	require.Equal(t, []int{4, 5, 6, 7, 8}, changes)

	// Neutral outcomes change nothing.
	g, _, _ := l.acquire(ctx)
	l.release(g, outcomeNeutral)
	limit, _ = l.current()
	require.Equal(t, 8, limit)
}

func TestAIMDLimiterBlocksAndCancels(t *testing.T) {
	t.Parallel()
	l := newAIMDLimiter(1, nil)
	g, _, err := l.acquire(t.Context())
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() {
		_, _, err := l.acquire(ctx)
		done <- err
	}()
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)

	got := make(chan struct{})
	go func() {
		g2, _, err := l.acquire(t.Context())
		if err == nil {
			l.release(g2, outcomeSuccess)
		}
		close(got)
	}()
	l.release(g, outcomeSuccess)
	<-got
	_, inFlight := l.current()
	require.Zero(t, inFlight, "a cancelled waiter does not leak a slot")
}

// concurrencyServer allows k requests at once and answers 429 beyond.
type concurrencyServer struct {
	k         int64
	inFlight  atomic.Int64
	maxSeen   atomic.Int64
	tooMany   atomic.Int64
	successes atomic.Int64
	hold      time.Duration
}

func (s *concurrencyServer) handle(w http.ResponseWriter, _ *http.Request) {
	n := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	for {
		m := s.maxSeen.Load()
		if n <= m || s.maxSeen.CompareAndSwap(m, n) {
			break
		}
	}
	if n > s.k {
		s.tooMany.Add(1)
		writeJSON(w, http.StatusTooManyRequests, `{"message":"too many concurrent requests"}`)
		return
	}
	time.Sleep(s.hold) // service time, so requests overlap (real-time concurrency test)
	s.successes.Add(1)
	writeJSON(w, 200, okGroups)
}

// TestAIMDConverges: a server that allows K concurrent requests and 429s beyond; 16 callers
// share a client with max concurrency 8. The limiter must settle near K and keep 429s rare.
func TestAIMDConverges(t *testing.T) {
	t.Parallel()
	const k, callers, perCaller = 3, 16, 40
	srv := &concurrencyServer{k: k, hold: 2 * time.Millisecond}
	e := setup(t, WithMaxConcurrency(8), WithRetryPolicy(RetryPolicy{MaxAttempts: 10}))
	e.mux.HandleFunc("GET /wiki/rest/api/group", srv.handle)
	var wg sync.WaitGroup
	errs := make(chan error, callers*perCaller)
	for range callers {
		wg.Go(func() {
			for range perCaller {
				if _, _, err := e.client.Groups.List(t.Context(), nil); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	total := int64(callers * perCaller)
	require.Equal(t, total, srv.successes.Load())
	limit, inFlight := e.client.ConcurrencyLimit()
	require.Zero(t, inFlight)
	require.LessOrEqual(t, limit, k+1, "limit settles at or just above K")
	tooMany := srv.tooMany.Load()
	t.Logf("429s: %d of %d requests (%.1f%%), final limit %d, max concurrent seen %d",
		tooMany, total+tooMany, 100*float64(tooMany)/float64(total+tooMany), limit, srv.maxSeen.Load())
	require.LessOrEqual(t, float64(tooMany), 0.05*float64(total), "429s stay rare")
	require.LessOrEqual(t, srv.maxSeen.Load(), int64(8))
}
