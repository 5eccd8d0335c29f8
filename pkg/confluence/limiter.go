package confluence

import (
	"context"
	"sync"
)

// outcome is what one attempt tells the adaptive limiter.
type outcome int

const (
	outcomeNeutral   outcome = iota // transport error, 4xx, 5xx: says nothing about load
	outcomeSuccess                  // an answer without any rate-limit signal
	outcomeNearLimit                // X-RateLimit-NearLimit or a low X-RateLimit-Remaining
	outcomeTooMany                  // 429
)

// probeRunFactor lengthens the run of successes needed before the limiter tries again the
// level at which it last saw pressure; it doubles after each failed probe (up to maxProbeShift).
const (
	probeRunFactor = 16
	maxProbeShift  = 6
)

// aimdLimiter bounds requests in flight with additive increase, multiplicative decrease:
// a 429 or a near-limit answer halves the limit (once per generation: answers to requests sent
// before the last decrease do not count again), and a run of successes grows it by one up to
// max. After a 429 it remembers the level that failed (ceiling) and probes it again only after a
// much longer run, so a server that allows K concurrent requests sees few 429s. A near-limit
// answer is a rate signal (the pacer handles the rate), so it sets no ceiling and the limit grows
// back at the normal pace. Waiters are served in FIFO order.
type aimdLimiter struct {
	mu         sync.Mutex
	max        int
	limit      int
	inFlight   int
	gen        uint64
	run        int
	ceiling    int
	probeFails int
	floor      int // decreases stop here (setFloor)
	waiters    []chan struct{}
	onChange   func(limit int)
}

func newAIMDLimiter(maxInFlight int, onChange func(int)) *aimdLimiter {
	return &aimdLimiter{max: maxInFlight, limit: maxInFlight, floor: 1, onChange: onChange}
}

// setFloor keeps the limit at n or more (at most max): the transport raises it while the pacer
// knows the server's rate, so a halving never leaves too few requests in flight to reach it.
func (l *aimdLimiter) setFloor(n int) {
	l.mu.Lock()
	n = min(max(n, 1), l.max)
	l.floor = n
	changed := l.limit < n
	if changed {
		l.limit = n
		l.wakeLocked()
	}
	limit := l.limit
	l.mu.Unlock()
	if changed && l.onChange != nil {
		l.onChange(limit)
	}
}

// acquire blocks for a slot and returns the generation the slot was granted in. waited reports
// whether it had to queue.
func (l *aimdLimiter) acquire(ctx context.Context) (gen uint64, waited bool, err error) {
	l.mu.Lock()
	if l.inFlight < l.limit && len(l.waiters) == 0 {
		l.inFlight++
		gen = l.gen
		l.mu.Unlock()
		return gen, false, nil
	}
	ch := make(chan struct{})
	l.waiters = append(l.waiters, ch)
	l.mu.Unlock()
	select {
	case <-ch:
		l.mu.Lock()
		gen = l.gen
		l.mu.Unlock()
		return gen, true, nil
	case <-ctx.Done():
		l.mu.Lock()
		if !l.dropWaiterLocked(ch) { // the slot was handed over meanwhile: give it back
			l.inFlight--
			l.wakeLocked()
		}
		l.mu.Unlock()
		return 0, true, ctx.Err()
	}
}

func (l *aimdLimiter) dropWaiterLocked(ch chan struct{}) bool {
	for i, w := range l.waiters {
		if w == ch {
			l.waiters = append(l.waiters[:i], l.waiters[i+1:]...)
			return true
		}
	}
	return false
}

// wakeLocked hands free slots to waiters, oldest first.
func (l *aimdLimiter) wakeLocked() {
	for l.inFlight < l.limit && len(l.waiters) > 0 {
		ch := l.waiters[0]
		l.waiters = l.waiters[1:]
		l.inFlight++
		close(ch)
	}
}

// release frees a slot granted in generation gen and feeds the attempt's outcome back.
func (l *aimdLimiter) release(gen uint64, o outcome) {
	l.mu.Lock()
	l.inFlight--
	changed := false
	switch o {
	case outcomeTooMany:
		changed = l.decreaseLocked(gen, true)
	case outcomeNearLimit:
		changed = l.decreaseLocked(gen, false)
	case outcomeSuccess:
		changed = l.increaseLocked()
	}
	l.wakeLocked()
	limit := l.limit
	l.mu.Unlock()
	if changed && l.onChange != nil {
		l.onChange(limit)
	}
}

func (l *aimdLimiter) decreaseLocked(gen uint64, remember bool) bool {
	if gen != l.gen {
		return false // already reacted to this generation
	}
	if remember {
		if l.limit == l.ceiling {
			l.probeFails++
		} else {
			l.probeFails = 0
		}
		l.ceiling = l.limit
	}
	l.limit = max(l.floor, l.limit/2)
	l.gen++
	l.run = 0
	return true
}

func (l *aimdLimiter) increaseLocked() bool {
	if l.limit >= l.max {
		return false
	}
	l.run++
	if l.run < l.runNeededLocked() {
		return false
	}
	l.limit++
	l.run = 0
	if l.ceiling > 0 && l.limit > l.ceiling {
		l.ceiling, l.probeFails = 0, 0 // the old ceiling held: forget it
	}
	return true
}

// runNeededLocked is the number of successes before the next increase: the current limit
// (one "round" of requests), or much longer when the increase would reach the last failed level.
func (l *aimdLimiter) runNeededLocked() int {
	if l.ceiling == 0 || l.limit+1 < l.ceiling {
		return l.limit
	}
	return l.limit * probeRunFactor << min(l.probeFails, maxProbeShift)
}

// current returns the limit and the requests in flight.
func (l *aimdLimiter) current() (limit, inFlight int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.limit, l.inFlight
}
