//go:build !unix

package c1z

import "time"

// maxRSS is not measured on this platform.
func maxRSS() float64 { return 0 }

// cpuTime is not measured on this platform.
func cpuTime() time.Duration { return 0 }

// resetPeakRSS does nothing on this platform.
func resetPeakRSS() {}
