// Package faults is the fault matrix: tests that build the real baton-confluence binary once,
// run it against the simulated Confluence Cloud tenant (package confluencetest) while the
// simulator misbehaves, and check that every run ends either with exit status 0 and a c1z whose
// content is exactly the simulator's ground truth (package connectortest), or with a non-zero
// exit status, a message saying what failed and what to do, and no file at the output path that
// a reader would accept (the previous file, when there was one, untouched).
//
// The faults: 5 % of answers 500 or 503 (with and without Retry-After); a 5 requests/s rate
// budget (429 storm), finished within 1.25 x the ideal time; latency spikes, some beyond
// --http-timeout-seconds; malformed, truncated, HTML and dropped answers; a token revoked
// mid-sync (401); groups and spaces vanishing between list and detail (404); SIGKILL at random
// points followed by the same command; a full disk under the temp dir and under the output dir.
//
// Sizes: BATON_FAULTS_SIZE=small (the default, what `go test ./...` runs: the Small tenant, 20
// SIGKILL seeds) or medium (`make faults`: the Medium tenant, 3 SIGKILL seeds, sequential runs).
//
// The package also exports the harness (Build, StartSim, Exec, ReadContent) that package
// test/security reuses.
package faults
