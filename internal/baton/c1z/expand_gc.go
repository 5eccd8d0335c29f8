package c1z

import (
	"os"
	"runtime/debug"
	"sync"
)

// expandGCPercent is the garbage collector's target (GOGC) while grant expansion runs. An
// expansion holds a working set that grows with the site (the graph, the source cache: about
// 25 MB at Large) and allocates little besides (a few hundred MB over 20 s), so collecting at
// 1.5× instead of 2× the live heap costs a handful of extra collections and keeps the peak
// memory of large syncs closer to that of small ones.
const expandGCPercent = 50

// gcTarget lowers the collector's target while at least one expansion runs in the process.
var gcTarget struct {
	mu    sync.Mutex
	users int
	prev  int  // the target before the first user lowered it
	set   bool // the target was lowered (and must be restored)
}

// lowerGCTarget lowers the collector's target to expandGCPercent until the returned function
// is called, unless GOGC is set in the environment (the operator chose) or the target is
// already lower (or collection is off).
func lowerGCTarget() (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	gcTarget.mu.Lock()
	defer gcTarget.mu.Unlock()
	if gcTarget.users == 0 {
		if prev := debug.SetGCPercent(expandGCPercent); prev > expandGCPercent {
			gcTarget.prev, gcTarget.set = prev, true
		} else {
			debug.SetGCPercent(prev) // already lower, or off (-1)
		}
	}
	gcTarget.users++
	var once sync.Once
	return func() {
		once.Do(func() {
			gcTarget.mu.Lock()
			defer gcTarget.mu.Unlock()
			gcTarget.users--
			if gcTarget.users == 0 && gcTarget.set {
				debug.SetGCPercent(gcTarget.prev)
				gcTarget.set = false
			}
		})
	}
}
