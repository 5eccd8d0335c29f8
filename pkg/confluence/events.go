package confluence

import "time"

// EventKind says what an Event reports.
type EventKind int

// Event kinds.
const (
	// EventRequest: an attempt is about to be sent.
	EventRequest EventKind = iota + 1
	// EventResponse: an attempt got an answer (Status) or failed (Err); Duration is its time.
	EventResponse
	// EventRetry: the client will retry after Wait (Reason says why).
	EventRetry
	// EventWait: a request waited Duration for a slot, a Retry-After pause, pacing or the
	// client-side rate limit (Reason says which).
	EventWait
	// EventConcurrency: the adaptive limiter changed its limit to Limit.
	EventConcurrency
)

// String names the kind.
func (k EventKind) String() string {
	switch k {
	case EventRequest:
		return "request"
	case EventResponse:
		return "response"
	case EventRetry:
		return "retry"
	case EventWait:
		return "wait"
	case EventConcurrency:
		return "concurrency"
	}
	return "unknown"
}

// Event describes one step of a request for logging and metrics. It never holds credentials,
// headers or bodies.
type Event struct {
	Kind      EventKind
	Method    string
	Path      string // URL path without the query
	Attempt   int    // 1-based
	Status    int    // HTTP status, 0 when there was no answer
	Duration  time.Duration
	Wait      time.Duration // planned wait before the next attempt (EventRetry)
	Reason    string        // why a retry or wait happened
	Err       error         // transport error of the attempt, if any
	Limit     int           // concurrency limit (EventConcurrency)
	RateLimit RateLimit     // parsed rate-limit headers of the answer
}
