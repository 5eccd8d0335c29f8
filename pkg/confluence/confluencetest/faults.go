package confluencetest

import (
	"context"
	"errors"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Faults configures injected misbehaviour. The zero value injects nothing. Random choices are
// drawn from Seed and the request's sequence number (counted from the last SetFaults), so a
// sequential client sees the same faults on every run. Faults apply to the Confluence routes
// only (never to /_sim/ endpoints) and, when Routes is set, only to the routes it names.
type Faults struct {
	// Seed drives the fault draws.
	Seed int64 `json:"seed"`
	// Routes limits faults to these route names (as in Stats.Routes, e.g.
	// "GET /wiki/rest/api/group"); empty means every route.
	Routes []string `json:"routes,omitempty"`

	// Latency delays every request; Jitter adds a uniform extra in [0, Jitter).
	Latency time.Duration `json:"latency"`
	Jitter  time.Duration `json:"jitter"`
	// SpikeRate is the fraction of requests delayed by SpikeLatency on top.
	SpikeRate    float64       `json:"spikeRate"`
	SpikeLatency time.Duration `json:"spikeLatency"`

	// RateLimit is a token-bucket budget in requests per second (0 = unlimited). Requests over
	// budget get 429 with Retry-After (seconds) and X-RateLimit-* headers; every answered request
	// carries X-RateLimit-Limit/Remaining/Reset, plus X-RateLimit-NearLimit: true below 20 %.
	RateLimit float64 `json:"rateLimit"`
	// Burst is the bucket capacity (default: RateLimit rounded up, at least 1).
	Burst int `json:"burst"`

	// FailureRate is the fraction of requests answered 500, 503 with Retry-After: 1, or 503
	// without it (a third each).
	FailureRate float64 `json:"failureRate"`
	// DropRate is the fraction of connections closed without an answer.
	DropRate float64 `json:"dropRate"`
	// HTMLRate is the fraction answered 200 with a text/html login page.
	HTMLRate float64 `json:"htmlRate"`
	// MalformedRate is the fraction of successful JSON answers whose body is not valid JSON.
	MalformedRate float64 `json:"malformedRate"`
	// TruncatedRate is the fraction of successful answers that declare the full Content-Length,
	// send half the body and close the connection.
	TruncatedRate float64 `json:"truncatedRate"`
	// LandBeforeFail makes failure, drop and HTML faults on writes (POST, DELETE) apply the
	// change before answering badly, like a request that landed but whose answer was lost.
	LandBeforeFail bool `json:"landBeforeFail"`

	// RevokeAfter answers 401 to every request after this many authenticated ones (a revoked
	// token); 0 = never. It applies to every route, whatever Routes says.
	RevokeAfter int `json:"revokeAfter"`
	// VanishedGroups (ids) and VanishedSpaces (ids or keys) stay in list answers but answer 404
	// on detail, members, permissions, role and write calls.
	VanishedGroups []string `json:"vanishedGroups,omitempty"`
	VanishedSpaces []string `json:"vanishedSpaces,omitempty"`

	// Sleep waits d or until ctx is done (default: a real timer); tests swap it.
	Sleep func(ctx context.Context, d time.Duration) `json:"-"`
	// Now is the clock of the rate limiter (default time.Now); tests swap it.
	Now func() time.Time `json:"-"`
}

func (f Faults) validate() error {
	rates := []float64{f.SpikeRate, f.FailureRate, f.DropRate, f.HTMLRate, f.MalformedRate, f.TruncatedRate}
	sum := 0.0
	for _, r := range rates {
		if r < 0 || r > 1 || math.IsNaN(r) {
			return errors.New("fault rates must be between 0 and 1")
		}
		sum += r
	}
	if sum-f.SpikeRate > 1 {
		return errors.New("failure, drop, html, malformed and truncated rates must add up to at most 1")
	}
	if f.Latency < 0 || f.Jitter < 0 || f.SpikeLatency < 0 || f.RateLimit < 0 || f.Burst < 0 || f.RevokeAfter < 0 {
		return errors.New("fault durations, rate limit, burst and revoke-after must not be negative")
	}
	return nil
}

// outcome is the fault chosen for one request.
type outcome int

const (
	outcomeNone outcome = iota
	outcome500
	outcome503RetryAfter
	outcome503
	outcomeDrop
	outcomeHTML
	outcomeMalformed
	outcomeTruncated
)

// faultNames are the keys of Stats.Faults.
var faultNames = map[outcome]string{
	outcome500: "500", outcome503RetryAfter: "503-retry-after", outcome503: "503",
	outcomeDrop: "drop", outcomeHTML: "html", outcomeMalformed: "malformed", outcomeTruncated: "truncated",
}

// faultState is one SetFaults generation: the settings plus their counters.
type faultState struct {
	f      Faults
	routes map[string]bool
	groups map[string]bool
	spaces map[string]bool
	seq    atomic.Uint64
	authed atomic.Int64
	bucket *bucket
}

func newFaultState(f Faults) *faultState {
	fs := &faultState{f: f, groups: setOf(f.VanishedGroups), spaces: setOf(f.VanishedSpaces)}
	if len(f.Routes) > 0 {
		fs.routes = setOf(f.Routes)
	}
	if fs.f.Sleep == nil {
		fs.f.Sleep = func(ctx context.Context, d time.Duration) { sleepFor(ctx.Done(), d) }
	}
	if fs.f.Now == nil {
		fs.f.Now = time.Now
	}
	if f.RateLimit > 0 {
		fs.bucket = newBucket(f.RateLimit, f.Burst, fs.f.Now)
	}
	return fs
}

func setOf(xs []string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

func (fs *faultState) applies(route string) bool {
	return fs.routes == nil || fs.routes[route]
}

// Salts separate the independent draws made for one request.
const (
	saltOutcome uint64 = 0x9e3779b97f4a7c15
	saltKind    uint64 = 0xbf58476d1ce4e5b9
	saltJitter  uint64 = 0x94d049bb133111eb
	saltSpike   uint64 = 0x2545f4914f6cdd1d
)

// unit returns a deterministic draw in [0, 1) for request n.
func (fs *faultState) unit(n, salt uint64) float64 {
	x := uint64(fs.f.Seed) ^ (n * 0x9e3779b97f4a7c15) ^ salt
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return float64(x>>11) / (1 << 53)
}

// decide picks the fault outcome of request n.
func (fs *faultState) decide(n uint64) outcome {
	u := fs.unit(n, saltOutcome)
	acc := 0.0
	for _, c := range []struct {
		rate float64
		o    outcome
	}{
		{fs.f.FailureRate, outcome500}, {fs.f.DropRate, outcomeDrop}, {fs.f.HTMLRate, outcomeHTML},
		{fs.f.MalformedRate, outcomeMalformed}, {fs.f.TruncatedRate, outcomeTruncated},
	} {
		acc += c.rate
		if u < acc {
			if c.o == outcome500 {
				return []outcome{outcome500, outcome503RetryAfter, outcome503}[int(fs.unit(n, saltKind)*3)]
			}
			return c.o
		}
	}
	return outcomeNone
}

// delay is the latency of request n.
func (fs *faultState) delay(n uint64) time.Duration {
	d := fs.f.Latency
	if fs.f.Jitter > 0 {
		d += time.Duration(fs.unit(n, saltJitter) * float64(fs.f.Jitter))
	}
	if fs.f.SpikeRate > 0 && fs.unit(n, saltSpike) < fs.f.SpikeRate {
		d += fs.f.SpikeLatency
	}
	return d
}

func (fs *faultState) groupVanished(id string) bool { return fs.groups[id] }

func (fs *faultState) spaceVanished(ids ...string) bool {
	return slices.ContainsFunc(ids, func(id string) bool { return fs.spaces[id] })
}

// bucket is a token bucket that also reports what the rate-limit headers need.
type bucket struct {
	mu       sync.Mutex
	rate     float64
	capacity float64
	tokens   float64
	last     time.Time
	now      func() time.Time
}

func newBucket(rate float64, burst int, now func() time.Time) *bucket {
	c := float64(burst)
	if burst <= 0 {
		c = math.Max(1, math.Ceil(rate))
	}
	return &bucket{rate: rate, capacity: c, tokens: c, last: now(), now: now}
}

// limitInfo is what one bucket decision tells the client.
type limitInfo struct {
	ok         bool
	limit      int
	remaining  int
	retryAfter time.Duration
	reset      time.Time
}

// take consumes one token if there is one.
func (b *bucket) take() limitInfo {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = math.Min(b.capacity, b.tokens+el*b.rate)
		b.last = now
	}
	info := limitInfo{limit: int(b.capacity)}
	if b.tokens >= 1 {
		b.tokens--
		info.ok = true
	} else {
		info.retryAfter = time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
	}
	info.remaining = int(b.tokens)
	info.reset = now.Add(time.Duration((b.capacity - b.tokens) / b.rate * float64(time.Second)))
	return info
}
