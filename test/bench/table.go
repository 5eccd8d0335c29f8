package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"
)

// result is everything measured for one scenario, over its repeats.
type result struct {
	Scenario scenario
	Runs     []syncRun
	Stats    []confluencetest.Stats
	Verdict  verdict
	Err      error
}

// medianOf returns the median of xs (the mean of the middle two for an even count), 0 for none.
func medianOf[T int64 | time.Duration](xs []T) T {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// column picks one number from every run.
func column[T int64 | time.Duration](r result, f func(syncRun, confluencetest.Stats) T) T {
	xs := make([]T, len(r.Runs))
	for i := range r.Runs {
		xs[i] = f(r.Runs[i], r.Stats[i])
	}
	return medianOf(xs)
}

func seconds(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f", d.Seconds())
}

func megabytes(b int64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f", float64(b)/(1<<20))
}

// printTable writes one row per scenario (medians over repeats), then the per-endpoint request
// counts of each scenario.
func printTable(w io.Writer, results []result, repeat int) {
	fmt.Fprintf(w, "\nEnd-to-end (medians of %d run(s); simulator as a separate process):\n\n", repeat)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\twall s\tideal s\tratio\trequests\t429s\tmax conc\tpeak RSS MB\tc1z MB\tresources s\tgrants s\texpand s\tcontent = truth\t")
	for _, r := range results {
		if len(r.Runs) == 0 {
			fmt.Fprintf(tw, "%s\tfailed: %v\t\t\t\t\t\t\t\t\t\t\t\t\n", r.Scenario.Name, r.Err)
			continue
		}
		wall := column(r, func(s syncRun, _ confluencetest.Stats) time.Duration { return s.Wall })
		reqs := column(r, func(_ syncRun, st confluencetest.Stats) int64 { return st.Total })
		ideal, ratio := "-", "-"
		if r.Scenario.RateLimit > 0 {
			id := float64(reqs) / r.Scenario.RateLimit
			ideal, ratio = fmt.Sprintf("%.1f", id), fmt.Sprintf("%.2f", wall.Seconds()/id)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.Scenario.Name, seconds(wall), ideal, ratio, reqs,
			column(r, func(_ syncRun, st confluencetest.Stats) int64 { return st.Throttled }),
			column(r, func(_ syncRun, st confluencetest.Stats) int64 { return st.MaxConcurrent }),
			megabytes(column(r, func(s syncRun, _ confluencetest.Stats) int64 { return s.PeakRSS })),
			megabytes(column(r, func(s syncRun, _ confluencetest.Stats) int64 { return s.C1ZSize })),
			seconds(column(r, func(s syncRun, _ confluencetest.Stats) time.Duration { return s.Phases.Resources })),
			seconds(column(r, func(s syncRun, _ confluencetest.Stats) time.Duration { return s.Phases.Grants })),
			seconds(column(r, func(s syncRun, _ confluencetest.Stats) time.Duration { return s.Phases.Expansion })),
			r.Verdict)
	}
	_ = tw.Flush()
	for _, r := range results {
		fmt.Fprintf(w, "\n%s: %s\n", r.Scenario.Name, r.Scenario.About)
		if r.Err != nil {
			fmt.Fprintf(w, "  error: %v\n", r.Err)
		}
		if r.Verdict.Example != "" {
			fmt.Fprintf(w, "  first difference: %s\n", r.Verdict.Example)
		}
		if len(r.Stats) > 0 {
			fmt.Fprintf(w, "  requests per endpoint (run 1): %s\n", endpoints(r.Stats[0].Routes))
		}
	}
}

// endpoints formats per-route counts, largest first.
func endpoints(routes map[string]int64) string {
	keys := slices.Collect(maps.Keys(routes))
	slices.SortFunc(keys, func(a, b string) int {
		if routes[a] != routes[b] {
			return int(routes[b] - routes[a])
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, routes[k])
	}
	return strings.Join(parts, "; ")
}
