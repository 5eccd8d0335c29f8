//go:build race

package faults_test

// raceEnabled: the test binary runs under the race detector, so the binary under test is built
// with it too (same build cache, and races in the binary under faults fail the run).
const raceEnabled = true
