//go:build race

package connector_test

// raceEnabled shrinks the largest end-to-end test under the race detector, which slows the
// pure-Go SQLite store down by an order of magnitude.
const raceEnabled = true
