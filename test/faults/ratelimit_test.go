package faults_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"
	"github.com/baton-confluence/baton-confluence/test/faults"
)

// stormRate is the server's budget in the 429 storm, requests per second (burst: the same).
const stormRate = 5

// TestFaultRateLimitStorm: the server admits 5 requests/s and answers 429 with Retry-After and
// the X-RateLimit-* headers beyond that. The sync must succeed in at most 1.25 x the ideal time.
// Ideal, as the issue counts it ("74 s where 16 s would do under a 5 requests/s limit" for 80
// requests): the requests a fault-free sync needs at the budget's rate, plus the work after the
// last answer (expansion, save) that cannot overlap with requests. Not parallel: it wants the
// machine to itself.
func TestFaultRateLimitStorm(t *testing.T) {
	base := baselineRun(t)
	watch := newRetryAfterWatch()
	e := newEnvWith(t, sz.sim(), faults.SimOptions{Wrap: watch.wrap})
	e.sim.SetFaults(confluencetest.Faults{RateLimit: stormRate})
	res := e.run()
	st := e.sim.Stats()
	matrix(t, "429 storm (5 requests/s)", res, st)
	e.requireSuccess(res, nil)
	require.Equal(t, int(st.Throttled), watch.check(t), "every 429 was retried after its Retry-After")

	ideal := time.Duration(float64(base.requests)/stormRate*float64(time.Second)) + base.tail
	t.Logf("429 storm: %s for %d requests (%d answered 429); fault-free %s for %d requests (%s after the last); "+
		"ideal %s; ratio %.2f", res.Elapsed.Round(time.Millisecond), st.Total, st.Throttled,
		base.elapsed.Round(time.Millisecond), base.requests, base.tail.Round(time.Millisecond),
		ideal.Round(time.Millisecond), float64(res.Elapsed)/float64(ideal))
	require.Positive(t, st.Throttled, "the budget never bit: the scenario tests nothing")
	require.LessOrEqual(t, res.Elapsed, ideal*5/4, "slower than 1.25 x the ideal time %s", ideal)
}
