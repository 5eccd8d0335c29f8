package confluence

import (
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Pacing constants (see pacer).
const (
	// paceWindow is the window over which the client measures its own request rate.
	paceWindow = time.Second
	// paceNearLimitFactor and paceTooManyFactor scale the measured rate down on NearLimit (an
	// early warning: 20% of the capacity is still there) and on 429.
	paceNearLimitFactor = 0.85
	paceTooManyFactor   = 0.7
	// paceGrowth is added to the rate per calm answer, so the rate grows ~5% per second; the
	// growth doubles for every paceBoostEvery the calm lasts (up to 2^paceMaxBoost), so a pace
	// that fell too far comes back quickly.
	paceGrowth     = 0.05
	paceMaxBoost   = 5
	paceBoostEvery = 250 * time.Millisecond
	// paceFastGrowth multiplies the rate per calm answer while it is clearly below what the
	// server takes: under the rate that last drew pressure, or while the server's bucket is
	// nearly full (X-RateLimit-Remaining at 80% of the limit or more).
	paceFastGrowth = 0.01
	paceFullShare  = 0.8
	paceFastUntil  = 0.9
	// paceMinSpan floors the span the start rate is measured over, so a burst of a few requests
	// in a millisecond does not read as a huge rate.
	paceMinSpan = 100 * time.Millisecond
	// paceBlindInterval spaces out decreases when the server sends NearLimit without
	// X-RateLimit-Remaining (no way to see whether capacity is coming back).
	paceBlindInterval = time.Second
	// paceMin is the slowest pace; paceOff ends pacing once the rate has grown this far.
	paceMin = 0.5
	paceOff = 100_000
	// paceMinSample is the fewest requests in the window for a 429 to start pacing: a lone
	// request has no rate to slow down.
	paceMinSample = 4
	maxStarts     = 8192
)

// pacer spaces requests out when the server signals pressure, and holds every request while a
// Retry-After pause is in force. It measures the client's own start rate; on pressure (once per
// epoch: only answers to requests sent after the last decrease count, and only while
// X-RateLimit-Remaining is not already rising) it sets the pace to a fraction of the lower of the
// current pace and the measured rate; each calm answer then raises the pace a little.
type pacer struct {
	mu            sync.Mutex
	lim           *rate.Limiter // nil while not pacing
	rate          float64
	epoch         time.Time
	remainingAtDn int
	rateAtDn      float64 // the highest rate that drew pressure in the current episode
	calmSince     time.Time
	starts        []time.Time
	pausedUntil   time.Time
}

func newPacer() *pacer { return &pacer{remainingAtDn: -1} }

// started records the start of an attempt.
func (p *pacer) started(now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pruneLocked(now)
	if len(p.starts) < maxStarts {
		p.starts = append(p.starts, now)
	}
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

// answer feeds one answer back; it reports whether it was pressure.
func (p *pacer) answer(start time.Time, status int, rl RateLimit, now time.Time) bool {
	tooMany := status == http.StatusTooManyRequests
	pressure := tooMany || rl.Pressure()
	p.mu.Lock()
	defer p.mu.Unlock()
	if !pressure {
		p.growLocked(now, rl)
		return false
	}
	wasCalm := !p.calmSince.IsZero()
	p.calmSince = time.Time{}
	if start.Before(p.epoch) {
		return true // sent before the last decrease: already accounted for
	}
	if !tooMany && rl.Remaining >= 0 && p.remainingAtDn >= 0 && rl.Remaining > p.remainingAtDn {
		return true // capacity is coming back at the current pace
	}
	if !tooMany && rl.Remaining < 0 && now.Sub(p.epoch) < paceBlindInterval {
		return true
	}
	p.pruneLocked(now)
	if p.lim == nil && tooMany && len(p.starts) < paceMinSample {
		return true
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
	return true
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
		boost := min(int(now.Sub(p.calmSince)/paceBoostEvery), paceMaxBoost)
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
