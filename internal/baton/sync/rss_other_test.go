//go:build !linux

package sync

// peakRSSMiB is not measured outside Linux.
func peakRSSMiB() (float64, bool) { return 0, false }
