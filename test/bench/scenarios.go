package main

import (
	"fmt"
	"slices"
	"strings"
)

// scenario is one end-to-end benchmark: a simulated tenant (confluence-sim flags) and the
// baton-confluence flags of the sync.
type scenario struct {
	Name string
	// About is the one-line description printed under the table.
	About string
	Sim   []string
	Sync  []string
	// RateLimit is the simulator's request budget per second (0: none); the table then shows
	// the ideal time, requests / RateLimit, and the ratio to it.
	RateLimit float64
}

// rateTenant is sized so that a sync at 20 requests/s takes about 40 s (about 830 requests)
// while its grant expansion stays small, so the wall time measures the network side.
var rateTenant = []string{"--preset", "medium", "--users", "3000", "--groups", "200", "--spaces", "600",
	"--personal-spaces", "0", "--members-per-group", "10", "--permissions-per-space", "10"}

// allScenarios are the scenarios in the order they run.
var allScenarios = []scenario{
	{Name: "medium@50ms", About: "5,000 users, 200 groups, 550 spaces, 50 ms per request, default workers",
		Sim: []string{"--preset", "medium", "--latency", "50ms"}},
	{Name: "large@0ms", About: "20,000 users (half past the search cap), 1,000 groups, 2,200 spaces, no latency",
		Sim: []string{"--preset", "large"}},
	{Name: "rate20", About: "3,000 users, 200 groups, 600 spaces, budget of 20 requests/s (token bucket, burst 20)",
		Sim: append(slices.Clone(rateTenant), "--rate-limit", "20"), RateLimit: 20},
	{Name: "medium-w1", About: "the medium tenant without latency, one worker (content must not depend on workers)",
		Sim: []string{"--preset", "medium"}, Sync: []string{"--workers", "1"}},
}

// pickScenarios returns the scenarios named in list (comma-separated; "all" or "" for all).
func pickScenarios(list string) ([]scenario, error) {
	if list == "" || list == "all" {
		return allScenarios, nil
	}
	var out []scenario
	for name := range strings.SplitSeq(list, ",") {
		i := slices.IndexFunc(allScenarios, func(s scenario) bool { return s.Name == strings.TrimSpace(name) })
		if i < 0 {
			return nil, fmt.Errorf("unknown scenario %q (have %s)", name, scenarioNames())
		}
		out = append(out, allScenarios[i])
	}
	return out, nil
}

func scenarioNames() string {
	names := make([]string, len(allScenarios))
	for i, s := range allScenarios {
		names[i] = s.Name
	}
	return strings.Join(names, ", ")
}
