package confluence

import (
	"bytes"
	"context"
	"io"
	"math"
	"net/http"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// vclock is a virtual clock for running the real transport against a simulated server without
// real waits. The participants (worker goroutines) each either run, sleep on the clock, wait
// for a concurrency slot of the client's limiter, or are done; when none runs, the clock jumps
// to the earliest wake-up. Time therefore only passes while everybody waits, as on an idle
// machine with an instant CPU.
type vclock struct {
	mu       sync.Mutex
	now      time.Time
	sleepers []*vsleeper
	parties  int
	done     int
	waiting  func() int // participants waiting on the limiter
}

type vsleeper struct {
	at time.Time
	ch chan struct{}
}

func newVClock(parties int) *vclock {
	return &vclock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), parties: parties}
}

func (c *vclock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep waits d of virtual time (or until ctx ends).
func (c *vclock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	s := &vsleeper{ch: make(chan struct{})}
	c.mu.Lock()
	s.at = c.now.Add(d)
	c.sleepers = append(c.sleepers, s)
	c.mu.Unlock()
	select {
	case <-s.ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// finish marks one participant as done.
func (c *vclock) finish() {
	c.mu.Lock()
	c.done++
	c.mu.Unlock()
}

// run advances the clock until every participant is done.
func (c *vclock) run() {
	for spins := 0; ; spins++ {
		c.mu.Lock()
		if c.done == c.parties {
			c.mu.Unlock()
			return
		}
		idle := len(c.sleepers)+c.waiting()+c.done == c.parties && len(c.sleepers) > 0
		if idle {
			sort.Slice(c.sleepers, func(i, j int) bool { return c.sleepers[i].at.Before(c.sleepers[j].at) })
			c.now = c.sleepers[0].at
			cut := 0
			for cut < len(c.sleepers) && !c.sleepers[cut].at.After(c.now) {
				close(c.sleepers[cut].ch)
				cut++
			}
			c.sleepers = c.sleepers[cut:]
		}
		c.mu.Unlock()
		if !idle {
			runtime.Gosched()
			if spins%64 == 63 {
				time.Sleep(10 * time.Microsecond) // let running goroutines reach their next wait
			}
		}
	}
}

// vserver is a token-bucket server like the simulator's rate limit (confluencetest): capacity
// burst refilled at rps; every answer carries X-RateLimit-Limit/Remaining (unless headers is
// false), NearLimit below 20%, and a 429 carries Retry-After in whole seconds (at least 1).
type vserver struct {
	clock   *vclock
	rps     float64
	burst   float64
	latency time.Duration
	headers bool

	mu      sync.Mutex
	tokens  float64
	last    time.Time
	ok      atomic.Int64
	tooMany atomic.Int64
	refused []time.Duration // when each 429 was sent, from the start
	start   time.Time
}

func (s *vserver) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := s.clock.Sleep(req.Context(), s.latency/2); err != nil {
		return nil, err
	}
	s.mu.Lock()
	now := s.clock.Now()
	s.tokens = math.Min(s.burst, s.tokens+now.Sub(s.last).Seconds()*s.rps)
	s.last = now
	allowed := s.tokens >= 1
	if allowed {
		s.tokens--
	}
	tokens := s.tokens
	s.mu.Unlock()
	h := http.Header{"Content-Type": {"application/json"}}
	if s.headers {
		h.Set("X-RateLimit-Limit", strconv.Itoa(int(s.burst)))
		h.Set("X-RateLimit-Remaining", strconv.Itoa(int(tokens)))
		if tokens < 0.2*s.burst {
			h.Set("X-RateLimit-NearLimit", "true")
		}
	}
	status, body := http.StatusOK, okGroups
	if allowed {
		s.ok.Add(1)
	} else {
		s.tooMany.Add(1)
		s.mu.Lock()
		s.refused = append(s.refused, now.Sub(s.start))
		s.mu.Unlock()
		h.Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil((1-tokens)/s.rps)))))
		status, body = http.StatusTooManyRequests, `{"message":"Rate limit exceeded"}`
	}
	if err := s.clock.Sleep(req.Context(), s.latency-s.latency/2); err != nil {
		return nil, err
	}
	return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(bytes.NewReader([]byte(body))),
		ContentLength: int64(len(body)), Request: req, ProtoMajor: 1, ProtoMinor: 1}, nil
}

// budgetRun is one virtual-time run: workers callers share one client and send total requests.
type budgetRun struct {
	rps, burst float64
	latency    time.Duration
	workers    int
	total      int
	noHeaders  bool
	maxConc    int
}

// budgetResult is what a run measured.
type budgetResult struct {
	elapsed  time.Duration
	refused  []time.Duration
	ok       int64
	tooMany  int64
	maxLimit int
}

func (r budgetRun) run(t *testing.T) budgetResult {
	t.Helper()
	clock := newVClock(r.workers)
	srv := &vserver{clock: clock, rps: r.rps, burst: r.burst, latency: r.latency, headers: !r.noHeaders,
		tokens: r.burst, last: clock.Now(), start: clock.Now()}
	maxConc := r.maxConc
	if maxConc == 0 {
		maxConc = DefaultMaxConcurrency
	}
	c, err := NewClient("https://acme.atlassian.net", WithBasicAuth(testUser, testToken),
		WithHTTPClient(&http.Client{Transport: srv}), WithSleep(clock.Sleep), withNow(clock.Now),
		WithMaxConcurrency(maxConc), WithRetryPolicy(RetryPolicy{MaxAttempts: 20}))
	require.NoError(t, err)
	clock.waiting = func() int {
		c.transport.slots.mu.Lock()
		defer c.transport.slots.mu.Unlock()
		return len(c.transport.slots.waiters)
	}
	var next atomic.Int64
	var maxLimit atomic.Int64
	errs := make(chan error, r.workers)
	start := clock.Now()
	for range r.workers {
		go func() {
			defer clock.finish()
			for next.Add(1) <= int64(r.total) {
				if _, _, err := c.Groups.List(t.Context(), nil); err != nil {
					errs <- err
					return
				}
				if l, _ := c.ConcurrencyLimit(); int64(l) > maxLimit.Load() {
					maxLimit.Store(int64(l))
				}
			}
		}()
	}
	clock.run()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	return budgetResult{elapsed: clock.Now().Sub(start), refused: srv.refused, ok: srv.ok.Load(), tooMany: srv.tooMany.Load(), maxLimit: int(maxLimit.Load())}
}

// TestRateBudgetVirtual runs the real transport against a token-bucket server in virtual time
// (no real waits): under a budget of rps requests per second the client must stay close to the
// ideal time (total/rps) and see few 429s, with and without rate-limit headers, at several
// latencies and worker counts.
func TestRateBudgetVirtual(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		run        budgetRun
		maxRatio   float64 // elapsed / (total/rps)
		maxTooMany float64 // share of requests answered 429
	}{
		{name: "20/s, 8 workers, instant server", run: budgetRun{rps: 20, burst: 20, workers: 8, total: 800}, maxRatio: 1.1, maxTooMany: 0.02},
		{name: "20/s, 8 workers, 50ms", run: budgetRun{rps: 20, burst: 20, latency: 50 * time.Millisecond, workers: 8, total: 800}, maxRatio: 1.1, maxTooMany: 0.02},
		{name: "20/s, 16 workers, 50ms", run: budgetRun{rps: 20, burst: 20, latency: 50 * time.Millisecond, workers: 16, total: 800, maxConc: 16}, maxRatio: 1.1, maxTooMany: 0.02},
		{name: "5/s, 8 workers (fault matrix storm)", run: budgetRun{rps: 5, burst: 5, workers: 8, total: 150}, maxRatio: 1.1, maxTooMany: 0.04},
		{name: "5/s, a small sync", run: budgetRun{rps: 5, burst: 5, workers: 8, total: 20}, maxRatio: 1.25, maxTooMany: 0.25},
		{name: "200/s burst 40", run: budgetRun{rps: 200, burst: 40, workers: 8, total: 800}, maxRatio: 1.1, maxTooMany: 0.02},
		{name: "40/s, 300ms: concurrency floor", run: budgetRun{rps: 40, burst: 40, latency: 300 * time.Millisecond, workers: 16, total: 1200, maxConc: 16}, maxRatio: 1.1, maxTooMany: 0.02},
		{name: "20/s without headers", run: budgetRun{rps: 20, burst: 20, workers: 8, total: 800, noHeaders: true}, maxRatio: 1.15, maxTooMany: 0.04},
		{name: "5/s without headers", run: budgetRun{rps: 5, burst: 5, workers: 8, total: 150, noHeaders: true}, maxRatio: 1.15, maxTooMany: 0.1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := tc.run.run(t)
			ideal := float64(tc.run.total) / tc.run.rps
			share := float64(res.tooMany) / float64(res.ok+res.tooMany)
			t.Logf("%.2fs for %d requests (%.2f x ideal), %d 429s (%.1f%%), max concurrency %d",
				res.elapsed.Seconds(), tc.run.total, res.elapsed.Seconds()/ideal, res.tooMany, 100*share, res.maxLimit)
			require.Equal(t, int64(tc.run.total), res.ok)
			require.LessOrEqual(t, res.elapsed.Seconds(), tc.maxRatio*ideal)
			require.LessOrEqual(t, share, tc.maxTooMany)
		})
	}
}
