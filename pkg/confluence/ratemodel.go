package confluence

import (
	"math"
	"time"
)

// Rate model constants (see bucketModel).
const (
	// modelWindow is how far back the model looks; older samples are dropped.
	modelWindow = 4 * time.Second
	// A run's slope is trusted once it has modelMinSamples samples and its standard error is
	// at most modelMaxError of the slope: the floor of X-RateLimit-Remaining makes each sample
	// up to one token off, so a run needs about 1/(span*sqrt(samples)) < 10% of the rate (at
	// 20 requests/s about half a second, at 5/s a little over a second).
	modelMinSamples = 6
	modelMaxError   = 0.1
	// modelMaxSamples bounds memory at high request rates.
	modelMaxSamples = 512
	// resetMinHorizon is how far X-RateLimit-Reset must be for a rate to be read from it: the
	// header has minute precision, so only a reset minutes away gives a usable rate (quota-style
	// limits, such as hourly points budgets).
	resetMinHorizon = 2 * time.Minute
)

// bucketModel estimates the refill rate of the server's token bucket from the
// X-RateLimit-Limit/Remaining headers: while the bucket is not full, remaining + (admitted
// requests since the run began) grows linearly with the refill rate, so the least-squares slope
// of that sum over time is the rate. Requests of other clients sharing the budget lower the
// slope, which is what this client may use. A sample showing a (nearly) full bucket starts a new
// run, since refill stops while the bucket is full. Not safe for concurrent use (the pacer
// guards it).
type bucketModel struct {
	base     time.Time // time origin of the samples
	limit    int       // X-RateLimit-Limit of the current run
	admitted int       // admitted answers since the run began
	samples  []rateSample
	last     float64 // the last trusted estimate, 0 when none yet
}

// rateSample is one answer: seconds since base, and remaining + admitted.
type rateSample struct{ t, y float64 }

// observe records one answer's headers. admitted is false for a 429 (which takes no token).
func (m *bucketModel) observe(now time.Time, rl RateLimit, admitted bool) {
	if rl.Limit <= 0 || rl.Remaining < 0 {
		return
	}
	if m.base.IsZero() {
		m.base = now
	}
	if rl.Limit != m.limit || rl.Remaining >= rl.Limit-1 {
		m.limit, m.admitted, m.samples = rl.Limit, 0, m.samples[:0]
	} else if admitted {
		m.admitted++
	}
	t := now.Sub(m.base).Seconds()
	m.samples = append(m.samples, rateSample{t: t, y: float64(rl.Remaining + m.admitted)})
	cut := 0
	for cut < len(m.samples)-1 && (t-m.samples[cut].t > modelWindow.Seconds() || len(m.samples)-cut > modelMaxSamples) {
		cut++
	}
	if cut > 0 {
		m.samples = append(m.samples[:0], m.samples[cut:]...)
	}
	if r, ok := m.slope(); ok {
		m.last = r
	}
}

// slope is the least-squares slope of the current run, when it is precise enough.
func (m *bucketModel) slope() (float64, bool) {
	n := float64(len(m.samples))
	if len(m.samples) < modelMinSamples {
		return 0, false
	}
	var st, sy float64
	for _, s := range m.samples {
		st += s.t
		sy += s.y
	}
	mt, my := st/n, sy/n
	var sxx, sxy, syy float64
	for _, s := range m.samples {
		dt, dy := s.t-mt, s.y-my
		sxx += dt * dt
		sxy += dt * dy
		syy += dy * dy
	}
	if sxx <= 0 || sxy <= 0 {
		return 0, false
	}
	b := sxy / sxx
	resid := max(syy-b*sxy, 0) / (n - 2)
	if se := math.Sqrt(resid / sxx); se > modelMaxError*b {
		return 0, false
	}
	return b, true
}

// rate returns the estimated refill rate in requests per second, or false when the model has
// no estimate yet.
func (m *bucketModel) rate() (float64, bool) { return m.last, m.last > 0 }

// rateFromReset derives a rate from X-RateLimit-Reset, the time the budget is full again, when
// that is far enough away for the header's minute precision: (limit - remaining) / time left.
func rateFromReset(now time.Time, rl RateLimit) (float64, bool) {
	if rl.ResetAt.IsZero() || rl.Limit <= 0 || rl.Remaining < 0 || rl.Remaining >= rl.Limit {
		return 0, false
	}
	left := rl.ResetAt.Sub(now)
	if left < resetMinHorizon {
		return 0, false
	}
	return float64(rl.Limit-rl.Remaining) / left.Seconds(), true
}
