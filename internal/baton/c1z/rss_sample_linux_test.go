//go:build linux

package c1z

import (
	"bufio"
	"fmt"
	"os"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"time"
)

// rssSampler records the peak of the process's resident memory by kind (anonymous, file,
// shared memory) and of the Go heap while it runs (C1Z_BENCH_DEBUG benchmarks).
type rssSampler struct {
	mu   sync.Mutex
	peak map[string]int64
	stop chan struct{}
	done chan struct{}
}

func startRSSSampler() *rssSampler {
	r := &rssSampler{peak: map[string]int64{}, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(r.done)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			r.sample()
			select {
			case <-r.stop:
				return
			case <-t.C:
			}
		}
	}()
	return r
}

func (r *rssSampler) sample() {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return
	}
	defer f.Close()
	cur := map[string]int64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || (k != "VmRSS" && k != "RssAnon" && k != "RssFile" && k != "RssShmem") {
			continue
		}
		n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		cur[k] = n << 10
	}
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/total:bytes"}}
	metrics.Read(s)
	cur["GoHeapObjects"] = int64(s[0].Value.Uint64())
	cur["GoTotal"] = int64(s[1].Value.Uint64())
	r.mu.Lock()
	for k, v := range cur {
		r.peak[k] = max(r.peak[k], v)
	}
	r.mu.Unlock()
}

// finish stops sampling and returns the peaks in MiB.
func (r *rssSampler) finish() string {
	close(r.stop)
	<-r.done
	var b strings.Builder
	for _, k := range []string{"VmRSS", "RssAnon", "RssFile", "RssShmem", "GoTotal", "GoHeapObjects"} {
		fmt.Fprintf(&b, "%s=%.0f ", k, float64(r.peak[k])/(1<<20))
	}
	return b.String()
}
