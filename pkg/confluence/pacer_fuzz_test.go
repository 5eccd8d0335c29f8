package confluence

import (
	"math"
	"net/http"
	"testing"
	"time"
)

// FuzzPacer feeds the pacer arbitrary sequences of answers (status, X-RateLimit-Limit,
// X-RateLimit-Remaining, time between answers, requests on the wire): it must never panic, and
// the pace, the model's rate and the concurrency floor must stay finite and in range.
func FuzzPacer(f *testing.F) {
	f.Add([]byte{0, 20, 19, 10, 1, 0, 20, 3, 40, 4, 1, 20, 0, 50, 2})
	f.Add([]byte{1, 5, 0, 0, 8, 1, 5, 0, 0, 8, 0, 5, 4, 255, 0})
	f.Add([]byte{0, 0, 0, 1, 1, 2, 255, 255, 255, 255})
	f.Fuzz(func(t *testing.T, data []byte) {
		p := newPacer()
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		statuses := []int{http.StatusOK, http.StatusTooManyRequests, http.StatusServiceUnavailable, http.StatusNotFound}
		for len(data) >= 5 {
			st, limit, remaining, gap, wire := data[0], int(data[1])-1, int(data[2])-1, data[3], int(data[4]%32)
			data = data[5:]
			for range wire {
				p.started(now)
			}
			start := now
			now = now.Add(time.Duration(gap) * time.Millisecond)
			rl := RateLimit{Limit: limit, Remaining: remaining, NearLimit: st&0x10 != 0}
			if st&0x20 != 0 {
				rl.ResetAt = now.Add(time.Duration(gap) * time.Minute)
			}
			p.started(start)
			o := p.answer(start, statuses[int(st)%len(statuses)], rl, now)
			if o < outcomeNeutral || o > outcomeTooMany {
				t.Fatalf("outcome %d", o)
			}
			if d, r := p.reserve(now); r != nil && d < 0 {
				t.Fatalf("negative wait %s", d)
			}
			r := p.currentRate()
			if math.IsNaN(r) || math.IsInf(r, 0) || r < 0 || (r > 0 && r < paceMin) {
				t.Fatalf("pace %v", r)
			}
			if m, ok := p.model.rate(); ok && (math.IsNaN(m) || math.IsInf(m, 0) || m <= 0) {
				t.Fatalf("model rate %v", m)
			}
			if fl := p.concurrencyFloor(); fl < 1 {
				t.Fatalf("floor %d", fl)
			}
		}
	})
}
