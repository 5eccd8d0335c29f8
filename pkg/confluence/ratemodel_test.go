package confluence

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// feedBucket sends n requests every interval to a token bucket (rate, capacity, starting full),
// with other consuming extra tokens per second, and feeds every answer to m. It returns the time
// after the last request.
func feedBucket(m *bucketModel, start time.Time, rate, capacity, other float64, interval time.Duration, n int) time.Time {
	tokens, last, now := capacity, start, start
	for range n {
		tokens = math.Min(capacity, tokens+now.Sub(last).Seconds()*(rate-other))
		last = now
		admitted := tokens >= 1
		if admitted {
			tokens--
		}
		m.observe(now, RateLimit{Limit: int(capacity), Remaining: int(tokens)}, admitted)
		now = now.Add(interval)
	}
	return now
}

func TestBucketModel(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name        string
		rate, cap   float64
		other       float64
		interval    time.Duration
		n           int
		want        float64 // 0: no estimate expected
		within      float64
		sampleCount int // at most this many samples kept (0: no check)
	}{
		{name: "20/s budget drained at 25/s", rate: 20, cap: 20, interval: 40 * time.Millisecond, n: 100, want: 20, within: 0.1},
		{name: "5/s budget drained at 8/s", rate: 5, cap: 5, interval: 125 * time.Millisecond, n: 40, want: 5, within: 0.1},
		{name: "200/s budget drained at 400/s", rate: 200, cap: 40, interval: 2500 * time.Microsecond, n: 400, want: 200, within: 0.05},
		{name: "another client takes 5/s of 20", rate: 20, cap: 20, other: 5, interval: 40 * time.Millisecond, n: 100, want: 15, within: 0.1},
		{name: "bucket never drains: no estimate", rate: 20, cap: 20, interval: 100 * time.Millisecond, n: 100},
		{name: "too short a run: no estimate", rate: 20, cap: 20, interval: 10 * time.Millisecond, n: 5},
		{name: "bounded memory", rate: 2000, cap: 100, interval: 250 * time.Microsecond, n: 4000, want: 2000, within: 0.05, sampleCount: modelMaxSamples},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var m bucketModel
			feedBucket(&m, t0, tc.rate, tc.cap, tc.other, tc.interval, tc.n)
			r, ok := m.rate()
			if tc.want == 0 {
				require.False(t, ok, "estimate %.2f", r)
				return
			}
			require.True(t, ok)
			require.InDelta(t, tc.want, r, tc.within*tc.want)
			if tc.sampleCount > 0 {
				require.LessOrEqual(t, len(m.samples), tc.sampleCount)
			}
		})
	}
}

// TestBucketModelIgnoresHeaderless: answers without the headers change nothing, and a new limit
// starts a new run.
func TestBucketModelIgnoresHeaderless(t *testing.T) {
	t.Parallel()
	var m bucketModel
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 50 {
		m.observe(t0.Add(time.Duration(i)*10*time.Millisecond), RateLimit{Limit: -1, Remaining: -1}, true)
	}
	_, ok := m.rate()
	require.False(t, ok)
	require.Empty(t, m.samples)
	end := feedBucket(&m, t0, 20, 20, 0, 40*time.Millisecond, 100)
	m.observe(end, RateLimit{Limit: 50, Remaining: 10}, true)
	require.Len(t, m.samples, 1, "a new limit starts a new run")
	r, ok := m.rate()
	require.True(t, ok, "the last estimate is kept")
	require.InDelta(t, 20, r, 2)
}

func TestRateFromReset(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		rl   RateLimit
		want float64
		ok   bool
	}{
		{name: "hourly quota half spent", rl: RateLimit{Limit: 65000, Remaining: 32500, ResetAt: now.Add(30 * time.Minute)}, want: 32500.0 / 1800, ok: true},
		{name: "reset within the minute precision", rl: RateLimit{Limit: 20, Remaining: 3, ResetAt: now.Add(40 * time.Second)}},
		{name: "reset in the past", rl: RateLimit{Limit: 20, Remaining: 3, ResetAt: now.Add(-time.Minute)}},
		{name: "no reset header", rl: RateLimit{Limit: 20, Remaining: 3}},
		{name: "bucket full", rl: RateLimit{Limit: 20, Remaining: 20, ResetAt: now.Add(time.Hour)}},
		{name: "no limit header", rl: RateLimit{Limit: -1, Remaining: 3, ResetAt: now.Add(time.Hour)}},
	}
	for _, tc := range tests {
		got, ok := rateFromReset(now, tc.rl)
		require.Equal(t, tc.ok, ok, tc.name)
		require.InDelta(t, tc.want, got, 1e-9, tc.name)
	}
}

// TestPacerModelledPace: once the model knows the rate, the pace follows the bucket's level:
// above the rate while the bucket holds more than drainLevel, below it as it empties, and NearLimit
// is no longer a concurrency signal.
func TestPacerModelledPace(t *testing.T) {
	t.Parallel()
	p := newPacer()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	feedBucket(&p.model, t0, 20, 20, 0, 40*time.Millisecond, 100)
	now := t0.Add(10 * time.Second)
	answer := func(remaining int, status int) outcome {
		p.started(now)
		return p.answer(now, status, RateLimit{Limit: 20, Remaining: remaining, NearLimit: remaining < 4}, now)
	}
	require.Equal(t, outcomeSuccess, answer(2, 200), "NearLimit with a known rate: the pace handles it")
	require.True(t, p.measuredPace())
	low := p.currentRate()
	require.InDelta(t, 20+2-6, low, 2.5, "below the rate while the bucket is low")
	answer(15, 200)
	require.Greater(t, p.currentRate(), 20.0, "above the rate while the bucket holds more than its share")
	require.Equal(t, outcomeTooMany, answer(0, 429))
	require.LessOrEqual(t, p.currentRate(), modelTooManyShare*21)
	require.GreaterOrEqual(t, p.currentRate(), modelMinShare*19)
}

// TestPacerProjectedPressure: an answer whose bucket looks fine is still pressure when the
// requests on the wire will empty it.
func TestPacerProjectedPressure(t *testing.T) {
	t.Parallel()
	p := newPacer()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for range 16 {
		p.started(now)
	}
	o := p.answer(now, 200, RateLimit{Limit: 20, Remaining: 18}, now.Add(50*time.Millisecond))
	require.Equal(t, outcomeNearLimit, o, "18 left, 15 more on the wire")
	require.Positive(t, p.currentRate(), "pacing started")

	q := newPacer()
	q.started(now)
	require.Equal(t, outcomeSuccess, q.answer(now, 200, RateLimit{Limit: 20, Remaining: 18}, now.Add(50*time.Millisecond)))
	require.Zero(t, q.currentRate())
}

// TestConcurrencyFloor: with a modelled pace, the limiter keeps enough requests in flight for
// that pace at the observed round trip, and a 429 halves it no further.
func TestConcurrencyFloor(t *testing.T) {
	t.Parallel()
	p := newPacer()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	require.Equal(t, 1, p.concurrencyFloor(), "no pace: no floor")
	feedBucket(&p.model, t0, 20, 20, 0, 40*time.Millisecond, 100)
	start := t0.Add(10 * time.Second)
	p.started(start)
	p.answer(start, 200, RateLimit{Limit: 20, Remaining: 5, NearLimit: true}, start.Add(300*time.Millisecond))
	pace := p.currentRate()
	require.Equal(t, int(math.Ceil(pace*0.3))+1, p.concurrencyFloor())

	l := newAIMDLimiter(8, nil)
	l.setFloor(3)
	for range 3 {
		g, _, err := l.acquire(t.Context())
		require.NoError(t, err)
		l.release(g, outcomeTooMany)
	}
	limit, _ := l.current()
	require.Equal(t, 3, limit, "8 -> 4 -> 3, not 2")
	l.setFloor(6)
	limit, _ = l.current()
	require.Equal(t, 6, limit, "a higher floor raises the limit at once")
	l.setFloor(100)
	limit, _ = l.current()
	require.Equal(t, 8, limit, "never above max")
}
