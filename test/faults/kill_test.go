package faults_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/test/faults"
)

// killPlan is where one seed kills the sync: during request number atRequest of the run (when
// set), else after the delay.
type killPlan struct {
	atRequest int64
	after     time.Duration
}

func (k killPlan) String() string {
	if k.atRequest > 0 {
		return fmt.Sprintf("during request %d", k.atRequest)
	}
	return "after " + k.after.Round(time.Millisecond).String()
}

// plans draws a seed's kills: odd seeds kill during a request, even seeds at a random time
// (which also lands in grant expansion and in the final save); every third seed kills the
// resumed run again.
func plans(seed int, base baseline) []killPlan {
	rng := rand.New(rand.NewPCG(uint64(seed), 0xba7d0c))
	n := 1
	if seed%3 == 2 {
		n = 2
	}
	var out []killPlan
	for range n {
		if seed%2 == 1 {
			out = append(out, killPlan{atRequest: 1 + rng.Int64N(max(base.requests, 1))})
		} else {
			out = append(out, killPlan{after: time.Duration(rng.Int64N(int64(base.elapsed)))})
		}
	}
	return out
}

// TestFaultSIGKILL: the sync is SIGKILLed at random points (during a given request, or at a
// random time), maybe twice, some seeds with a previous file at the output path; then the same
// command runs to completion. It must end with exactly the truth and empty temp dirs, and a
// killed run must never leave at the output path a file that is not a complete sync.
func TestFaultSIGKILL(t *testing.T) {
	parallel(t)
	base := baselineRun(t)
	var resumed, landed atomic.Int64
	t.Run("seeds", func(t *testing.T) {
		for seed := range sz.killSeeds {
			t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
				parallel(t)
				e := newEnv(t, sz.sim())
				if seed%4 == 3 { // a previous file at the output path: kills also land while it is loaded
					e.requireSuccess(e.run(), nil)
				}
				for _, k := range plans(seed, base) {
					if killRun(t, e, k) {
						landed.Add(1)
					}
				}
				res := e.run()
				matrix(t, fmt.Sprintf("SIGKILL seed %d, %v, then the same command", seed, plans(seed, base)), res, e.sim.Stats())
				e.requireSuccess(res, nil)
				if strings.Contains(res.Stderr, `"resumed":true`) {
					resumed.Add(1)
				}
			})
		}
	})
	t.Logf("SIGKILL: %d seeds, %d kills landed, %d final runs resumed an interrupted sync", sz.killSeeds, landed.Load(), resumed.Load())
	require.Positive(t, landed.Load(), "no kill landed: the scenario tests nothing")
	if sz.killSeeds >= 10 {
		require.Positive(t, resumed.Load(), "no run resumed: kills never came after a checkpoint")
	}
}

// killRun runs the sync and SIGKILLs it as planned. It reports whether the kill landed (the
// run had not finished). Whatever the kill left at the output path must be absent or complete.
func killRun(t *testing.T, e *env, k killPlan) bool {
	t.Helper()
	hit := make(chan struct{})
	dead := make(chan struct{})
	if k.atRequest > 0 {
		first := e.sim.Requests()
		var once atomic.Bool
		e.sim.OnRequest(func(n int64) {
			if n-first == k.atRequest && once.CompareAndSwap(false, true) {
				close(hit)
				<-dead // hold the request until the client is gone
			}
		})
		defer e.sim.OnRequest(nil)
	}
	p := e.start()
	var timer <-chan time.Time
	if k.atRequest == 0 {
		timer = time.After(k.after)
	}
	select {
	case <-hit:
	case <-timer:
	case <-p.Done():
	}
	_ = p.Kill() // an error means it had exited already
	res := p.Wait()
	close(dead)
	if !res.Signaled {
		require.Zero(t, res.Code, "a run that was not killed must succeed:\n%s", tail(res.Stderr, 2000))
		return false
	}
	if st, err := faults.StatFile(e.out()); err == nil && st.Exists {
		e.requireTruth(nil) // the kill came after the atomic rename: the output is complete
	}
	return true
}
