package confluence

import (
	"math"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Pacing constants. Two modes share them: the modelled mode, used when answers carry
// X-RateLimit-Limit and X-RateLimit-Remaining, and the blind mode otherwise.
const (
	// drainLevel is the share of X-RateLimit-Limit the modelled pace aims to keep in the
	// server's bucket, above the server's NearLimit threshold (20%), and drainTime how fast the
	// pace corrects a level above or below it: pace = rate + (level - drainLevel*limit) /
	// drainTime. A full bucket after a quiet spell is so spent in about a second instead of being
	// left to overflow, and an emptying one slows the pace before the server refuses.
	drainLevel = 0.3
	drainTime  = time.Second
	// modelMinShare floors the modelled pace at this share of the estimated rate, and
	// modelTooManyShare caps it right after a 429.
	modelMinShare     = 0.5
	modelTooManyShare = 0.9

	// paceWindow is the window over which the client measures its own request rate.
	paceWindow = time.Second
	// paceNearLimitFactor and paceTooManyFactor scale the measured rate down on NearLimit (an
	// early warning: 20% of the capacity is still there) and on 429, in blind mode.
	paceNearLimitFactor = 0.85
	paceTooManyFactor   = 0.7
	// paceGrowth is added to the blind pace per calm answer, so it grows ~5% per second; once
	// past the rate that last drew pressure, the growth doubles for every paceBoostEvery the calm
	// lasts (up to 2^paceMaxBoost), so a server that now takes more is found quickly.
	paceGrowth     = 0.05
	paceMaxBoost   = 5
	paceBoostEvery = 250 * time.Millisecond
	// paceFastGrowth multiplies the pace per calm answer while it is clearly below what the
	// server takes: in blind mode under the rate that last drew pressure, and in both modes
	// while the server's bucket stays nearly full (X-RateLimit-Remaining at paceFullShare of the
	// limit or more), which means the estimate is too low.
	paceFastGrowth = 0.01
	paceFullShare  = 0.8
	paceFastUntil  = 0.9
	// paceMinSpan floors the span the start rate is measured over, so a burst of a few requests
	// in a millisecond does not read as a huge rate.
	paceMinSpan = 100 * time.Millisecond
	// paceBlindInterval spaces out decreases when the server sends NearLimit without
	// X-RateLimit-Remaining (no way to see whether capacity is coming back).
	paceBlindInterval = time.Second
	// paceMin is the slowest pace; paceOff ends blind pacing once the rate has grown this far.
	paceMin = 0.5
	paceOff = 100_000
	// paceMinSample is the fewest requests in the window for a 429 to start blind pacing: a
	// lone request has no rate to slow down.
	paceMinSample = 4
	maxStarts     = 8192
)

// pacer spaces requests out when the server signals pressure, and holds requests while a
// Retry-After pause is in force.
//
// Modelled mode: when answers carry X-RateLimit-Limit and X-RateLimit-Remaining and the
// bucketModel has estimated the server's refill rate (or a distant X-RateLimit-Reset gives one),
// every answer from the first sign of pressure on sets the pace from that rate and the bucket's
// level (see drainLevel). The concurrency limiter then hears only about 429s, not about
// NearLimit, which the pace already handles.
//
// Blind mode (no rate-limit headers, or no estimate yet): the pacer measures the client's own start rate; on pressure (once per epoch:
// only answers to requests sent after the last decrease count, and only while
// X-RateLimit-Remaining is not already rising) it sets the pace to a fraction of the lower of
// the current pace and the measured rate; each calm answer then raises the pace a little.
type pacer struct {
	mu          sync.Mutex
	lim         *rate.Limiter // nil while not pacing
	rate        float64
	model       bucketModel
	modelled    bool          // the pace comes from an estimated refill rate
	onWire      int           // attempts sent and not answered yet
	latency     time.Duration // moving average of the answers' round trips
	pausedUntil time.Time

	// blind mode
	epoch         time.Time
	remainingAtDn int
	rateAtDn      float64 // the highest rate that drew pressure in the current episode
	calmSince     time.Time
	starts        []time.Time
}

func newPacer() *pacer { return &pacer{remainingAtDn: -1} }

// started records the start of an attempt.
func (p *pacer) started(now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.onWire++
	p.pruneLocked(now)
	if len(p.starts) < maxStarts {
		p.starts = append(p.starts, now)
	}
}

// failed records the end of an attempt that got no answer.
func (p *pacer) failed() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.onWire = max(p.onWire-1, 0)
}

func (p *pacer) pruneLocked(now time.Time) {
	cut := 0
	for cut < len(p.starts) && now.Sub(p.starts[cut]) > paceWindow {
		cut++
	}
	p.starts = p.starts[cut:]
}

// reserve returns how long to wait before sending under the current pace.
func (p *pacer) reserve(now time.Time) (time.Duration, *rate.Reservation) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.lim == nil {
		return 0, nil
	}
	r := p.lim.ReserveN(now, 1)
	return r.DelayFrom(now), r
}

// pause holds every request until until (a Retry-After); it only ever extends the pause.
func (p *pacer) pause(until time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if until.After(p.pausedUntil) {
		p.pausedUntil = until
	}
}

// pauseEnd returns the end of the current Retry-After pause.
func (p *pacer) pauseEnd() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pausedUntil
}

// answer feeds one answer back and returns what the concurrency limiter should hear.
func (p *pacer) answer(start time.Time, status int, rl RateLimit, now time.Time) outcome {
	tooMany := status == http.StatusTooManyRequests
	p.mu.Lock()
	defer p.mu.Unlock()
	p.onWire = max(p.onWire-1, 0)
	pressure := tooMany || rl.Pressure() || p.projectedLowLocked(rl)
	p.latency = averageLatency(p.latency, now.Sub(start))
	p.model.observe(now, rl, !tooMany)
	if r, ok := p.modelRateLocked(now, rl); ok {
		if p.lim != nil || pressure {
			p.setRateLocked(now, p.modelPaceLocked(r, rl, tooMany))
			p.modelled = true
		}
		return outcomeFor(status, tooMany, false)
	}
	p.modelled = false
	if !pressure {
		p.growLocked(now, rl)
	} else {
		p.decreaseLocked(start, tooMany, rl, now)
	}
	return outcomeFor(status, tooMany, pressure)
}

// projectedLowLocked reports whether the bucket will be under the server's NearLimit threshold
// once the requests still on the wire have landed: the early warning of a burst (many requests
// sent before the first answer came back).
func (p *pacer) projectedLowLocked(rl RateLimit) bool {
	return rl.Limit > 0 && rl.Remaining >= 0 && float64(rl.Remaining-p.onWire) < nearLimitFraction*float64(rl.Limit)
}

// outcomeFor maps an answer to the concurrency limiter's input.
func outcomeFor(status int, tooMany, nearLimit bool) outcome {
	switch {
	case tooMany:
		return outcomeTooMany
	case nearLimit:
		return outcomeNearLimit
	case status < 500:
		return outcomeSuccess
	}
	return outcomeNeutral
}

// modelRateLocked returns the rate to pace against in modelled mode: the bucket model's
// estimate, else one read from a distant X-RateLimit-Reset. ok is false in blind mode (no
// rate-limit headers, or no estimate yet).
func (p *pacer) modelRateLocked(now time.Time, rl RateLimit) (float64, bool) {
	if rl.Limit <= 0 || rl.Remaining < 0 {
		return 0, false
	}
	if r, ok := p.model.rate(); ok {
		return r, true
	}
	return rateFromReset(now, rl)
}

// modelPaceLocked is the pace for refill rate r at the level an answer reports, less the
// requests still on the wire (already sent, not yet counted by the server in that answer).
func (p *pacer) modelPaceLocked(r float64, rl RateLimit, tooMany bool) float64 {
	limit := float64(rl.Limit)
	level := float64(rl.Remaining - p.onWire)
	pace := r + (level-drainLevel*limit)/drainTime.Seconds()
	pace = math.Min(math.Max(pace, modelMinShare*r), r+limit/drainTime.Seconds())
	if tooMany {
		pace = math.Min(pace, modelTooManyShare*r)
	}
	if p.lim != nil && float64(rl.Remaining) >= paceFullShare*limit {
		pace = math.Max(pace, p.rate*(1+paceFastGrowth)) // the bucket stays full: the estimate is low
	}
	return math.Max(pace, paceMin)
}

// decreaseLocked lowers the blind pace on pressure.
func (p *pacer) decreaseLocked(start time.Time, tooMany bool, rl RateLimit, now time.Time) {
	wasCalm := !p.calmSince.IsZero()
	p.calmSince = time.Time{}
	switch {
	case start.Before(p.epoch):
		return // sent before the last decrease: already accounted for
	case !tooMany && rl.Remaining >= 0 && p.remainingAtDn >= 0 && rl.Remaining > p.remainingAtDn:
		return // capacity is coming back at the current pace
	case !tooMany && rl.Remaining < 0 && now.Sub(p.epoch) < paceBlindInterval:
		return
	}
	p.pruneLocked(now)
	if p.lim == nil && tooMany && len(p.starts) < paceMinSample {
		return
	}
	base := p.measuredLocked(now)
	if p.lim != nil && p.rate < base {
		base = p.rate
	}
	p.setRateLocked(now, max(base*decreaseFactor(tooMany, rl), paceMin))
	switch {
	case tooMany && p.rateAtDn > 0:
		p.rateAtDn = min(p.rateAtDn, base) // a 429 proves this rate too high
	case wasCalm || p.rateAtDn == 0:
		p.rateAtDn = base // a new episode
	}
	p.epoch, p.remainingAtDn = now, rl.Remaining
}

// measuredLocked is the start rate over the recent window (its observed span, at least
// paceMinSpan).
func (p *pacer) measuredLocked(now time.Time) float64 {
	if len(p.starts) == 0 {
		return 0
	}
	span := max(now.Sub(p.starts[0]), paceMinSpan)
	return float64(len(p.starts)) / span.Seconds()
}

// decreaseFactor is paceTooManyFactor on a 429; on NearLimit it is paceNearLimitFactor when
// the server still has 20% left, falling to paceTooManyFactor as X-RateLimit-Remaining nears 0.
func decreaseFactor(tooMany bool, rl RateLimit) float64 {
	if tooMany {
		return paceTooManyFactor
	}
	if rl.Limit <= 0 || rl.Remaining < 0 {
		return paceNearLimitFactor
	}
	share := min(float64(rl.Remaining)/(nearLimitFraction*float64(rl.Limit)), 1)
	return paceTooManyFactor + (paceNearLimitFactor-paceTooManyFactor)*share
}

// growLocked raises the blind pace after a calm answer.
func (p *pacer) growLocked(now time.Time, rl RateLimit) {
	if p.lim == nil {
		return
	}
	if p.calmSince.IsZero() {
		p.calmSince = now
	}
	var next float64
	bucketFull := rl.Limit > 0 && float64(rl.Remaining) >= paceFullShare*float64(rl.Limit)
	if p.rate < paceFastUntil*p.rateAtDn || (bucketFull && p.rateAtDn == 0) {
		next = p.rate * (1 + paceFastGrowth)
	} else {
		boost := 0
		if p.rate >= p.rateAtDn { // past the rate that last drew pressure: probe faster and faster
			boost = min(int(now.Sub(p.calmSince)/paceBoostEvery), paceMaxBoost)
		}
		next = p.rate + paceGrowth*float64(int(1)<<boost)
	}
	if next > paceOff {
		p.lim, p.rate, p.remainingAtDn, p.rateAtDn = nil, 0, -1, 0
		return
	}
	p.setRateLocked(now, next)
}

func (p *pacer) setRateLocked(now time.Time, r float64) {
	p.rate = r
	if p.lim == nil {
		p.lim = rate.NewLimiter(rate.Limit(r), 1)
		return
	}
	p.lim.SetLimitAt(now, rate.Limit(r))
}

// currentRate returns the pace in requests per second, 0 when not pacing.
func (p *pacer) currentRate() float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rate
}

// latencyWeight is the weight of the newest round trip in the moving average.
const latencyWeight = 0.1

func averageLatency(avg, d time.Duration) time.Duration {
	if avg == 0 {
		return d
	}
	return avg + time.Duration(latencyWeight*float64(d-avg))
}

// concurrencyFloor is the fewest requests in flight that sustain the modelled pace at the
// observed round trip (with a margin of one), or 1 outside modelled mode: below it the client
// would be slower than the server's budget for no reason.
func (p *pacer) concurrencyFloor() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.modelled || p.lim == nil {
		return 1
	}
	return int(math.Ceil(p.rate*p.latency.Seconds())) + 1
}

// measuredPace reports whether the pace comes from a measured refill rate.
func (p *pacer) measuredPace() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.modelled && p.lim != nil
}
