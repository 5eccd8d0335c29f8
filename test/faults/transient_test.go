package faults_test

import (
	"cmp"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"
	"github.com/baton-confluence/baton-confluence/test/faults"
)

// transient is one transient fault: every seed's sync must succeed with exactly the truth.
type transient struct {
	name   string
	faults confluencetest.Faults
	flags  []string
	// kinds are the Stats.Faults keys this fault injects: at least one must be seen over the
	// seeds, so the scenario proves it exercised the fault.
	kinds []string
	// seeds overrides sz.seeds.
	seeds int
	// watchRetryAfter checks that every Retry-After is waited out (not with hijacking faults).
	watchRetryAfter bool
}

// outcome is one seed's run.
type outcome struct {
	res faults.Result
	st  confluencetest.Stats
}

// runTransient runs the fault over sz.seeds seeds, checks every run, and returns them.
func runTransient(t *testing.T, tc transient) []outcome {
	t.Helper()
	var out []outcome
	var total int64
	seeds := cmp.Or(tc.seeds, sz.seeds)
	for seed := range seeds {
		watch := newRetryAfterWatch()
		opts := faults.SimOptions{}
		if tc.watchRetryAfter {
			opts.Wrap = watch.wrap
		}
		e := newEnvWith(t, sz.sim(), opts)
		f := tc.faults
		f.Seed = int64(seed + 1)
		e.sim.SetFaults(f)
		res := e.run(tc.flags...)
		st := e.sim.Stats()
		matrix(t, fmt.Sprintf("%s (seed %d)", tc.name, f.Seed), res, st)
		e.requireSuccess(res, nil)
		for _, k := range tc.kinds {
			total += st.Faults[k]
		}
		if tc.watchRetryAfter {
			require.Equal(t, int(st.Faults["503-retry-after"]), watch.check(t), "every Retry-After answer was retried")
		}
		out = append(out, outcome{res, st})
	}
	if len(tc.kinds) > 0 {
		require.Positive(t, total, "no %v fault was injected over %d seeds: the scenario tests nothing", tc.kinds, seeds)
	}
	return out
}

// TestFaultServerErrors: 5 % of answers are 500, 503 with Retry-After or 503 without; the sync
// retries them, never sending a request again before its Retry-After has passed, and succeeds.
func TestFaultServerErrors(t *testing.T) {
	parallel(t)
	runs := runTransient(t, transient{
		name:            "5% 500/503",
		faults:          confluencetest.Faults{FailureRate: 0.05},
		kinds:           []string{"500", "503", "503-retry-after"},
		seeds:           max(sz.seeds, 8),
		watchRetryAfter: true,
	})
	var withRetryAfter int64
	for _, r := range runs {
		withRetryAfter += r.st.Faults["503-retry-after"]
	}
	require.Positive(t, withRetryAfter, "no 503 with Retry-After was injected: Retry-After handling is not tested")
}

// TestFaultLatency: latency with jitter and spikes below the HTTP timeout, then spikes beyond
// --http-timeout-seconds 1 (the attempt times out and is retried); both succeed.
func TestFaultLatency(t *testing.T) {
	parallel(t)
	for _, tc := range []transient{
		{name: "latency spikes", faults: confluencetest.Faults{
			Latency: 2 * time.Millisecond, Jitter: 10 * time.Millisecond, SpikeRate: 0.1, SpikeLatency: 400 * time.Millisecond,
		}},
		{name: "timeouts beyond --http-timeout-seconds", flags: []string{"--http-timeout-seconds", "1"},
			faults: confluencetest.Faults{SpikeRate: spikeRate(), SpikeLatency: 4 * time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parallel(t)
			runs := runTransient(t, tc)
			var slowest time.Duration
			var requests int64
			for _, r := range runs {
				slowest = max(slowest, r.res.Elapsed)
				requests += r.st.Total
			}
			if tc.flags == nil {
				require.GreaterOrEqual(t, slowest, tc.faults.SpikeLatency, "no run met a spike")
				return
			}
			base := baselineRun(t)
			// Had the client waited the spikes out instead of timing out, nothing would be retried.
			require.Greater(t, requests, int64(len(runs))*base.requests, "no attempt timed out and was retried")
		})
	}
}

// spikeRate keeps the number of 1 s timeouts of a medium run reasonable.
func spikeRate() float64 {
	if sz.name == "medium" {
		return 0.02
	}
	return 0.1
}

// TestFaultBadBodies: malformed JSON, truncated bodies (connection reset mid-body), an HTML
// login page with status 200 (wrong content type) and connections dropped without an answer.
// Reads are retried; every run succeeds.
func TestFaultBadBodies(t *testing.T) {
	parallel(t)
	for _, tc := range []transient{
		{name: "malformed JSON", faults: confluencetest.Faults{MalformedRate: 0.1}, kinds: []string{"malformed"}},
		{name: "truncated body", faults: confluencetest.Faults{TruncatedRate: 0.1}, kinds: []string{"truncated"}},
		{name: "HTML instead of JSON", faults: confluencetest.Faults{HTMLRate: 0.1}, kinds: []string{"html"}},
		{name: "dropped connection", faults: confluencetest.Faults{DropRate: 0.1}, kinds: []string{"drop"}},
		{name: "all at once", faults: confluencetest.Faults{
			FailureRate: 0.05, MalformedRate: 0.05, TruncatedRate: 0.05, HTMLRate: 0.05, DropRate: 0.05,
		}, kinds: []string{"500", "503", "503-retry-after", "malformed", "truncated", "html", "drop"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parallel(t)
			runTransient(t, tc)
		})
	}
}
