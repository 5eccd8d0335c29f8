package confluencetest

import (
	"maps"
	"strconv"
	"sync"
	"sync/atomic"
)

// Stats counts the requests the server answered on Confluence routes since the last reset.
type Stats struct {
	// Total is the number of requests.
	Total int64 `json:"total"`
	// Routes counts requests per route name: method plus site path pattern, e.g.
	// "GET /wiki/rest/api/group/{id}/membersByGroupId"; gateway requests count under the same
	// name. Requests matching no route count as "unknown".
	Routes map[string]int64 `json:"routes"`
	// Statuses counts answers per HTTP status code ("0" for dropped connections).
	Statuses map[string]int64 `json:"statuses"`
	// Gateway is the number of requests that came through /ex/confluence/{cloudId}.
	Gateway int64 `json:"gateway"`
	// Throttled is the number of 429 answers.
	Throttled int64 `json:"throttled"`
	// Unauthorized is the number of 401 answers.
	Unauthorized int64 `json:"unauthorized"`
	// Faults counts injected faults by kind: 500, 503, 503-retry-after, drop, html, malformed,
	// truncated, vanished (a 404 for a vanished group or space) and revoked (a 401 after
	// RevokeAfter).
	Faults map[string]int64 `json:"faults"`
	// MaxConcurrent is the largest number of requests in flight at once.
	MaxConcurrent int64 `json:"maxConcurrent"`
}

// collector gathers Stats concurrently.
type collector struct {
	inFlight atomic.Int64
	maxSeen  atomic.Int64

	mu           sync.Mutex
	total        int64
	routes       map[string]int64
	statuses     map[string]int64
	faults       map[string]int64
	gateway      int64
	throttled    int64
	unauthorized int64
}

func newCollector() *collector {
	c := &collector{}
	c.reset()
	return c
}

func (c *collector) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.total, c.gateway, c.throttled, c.unauthorized = 0, 0, 0, 0
	c.routes, c.statuses, c.faults = map[string]int64{}, map[string]int64{}, map[string]int64{}
	c.maxSeen.Store(c.inFlight.Load())
}

// begin records the start of a request and returns the function that records its end.
func (c *collector) begin(route string, gateway bool) func(status int) {
	n := c.inFlight.Add(1)
	for {
		m := c.maxSeen.Load()
		if n <= m || c.maxSeen.CompareAndSwap(m, n) {
			break
		}
	}
	c.mu.Lock()
	c.total++
	c.routes[route]++
	if gateway {
		c.gateway++
	}
	c.mu.Unlock()
	return func(status int) {
		c.inFlight.Add(-1)
		c.mu.Lock()
		defer c.mu.Unlock()
		c.statuses[strconv.Itoa(status)]++
		switch status {
		case 429:
			c.throttled++
		case 401:
			c.unauthorized++
		}
	}
}

func (c *collector) fault(kind string) {
	c.mu.Lock()
	c.faults[kind]++
	c.mu.Unlock()
}

func (c *collector) snapshot() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Stats{
		Total: c.total, Routes: maps.Clone(c.routes), Statuses: maps.Clone(c.statuses),
		Gateway: c.gateway, Throttled: c.throttled, Unauthorized: c.unauthorized,
		Faults: maps.Clone(c.faults), MaxConcurrent: c.maxSeen.Load(),
	}
}
