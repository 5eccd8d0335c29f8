package faults_test

import (
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"
)

// answer is one answer the simulator gave, as the client saw it.
type answer struct {
	at         time.Time
	status     int
	retryAfter time.Duration // 0 when absent
}

// retryAfterWatch records, per request URL, when each request came and how it was answered, to
// check that the client waits out every Retry-After before sending the same request again.
// It wraps the simulator's handler; it must not be used with faults that hijack the connection.
type retryAfterWatch struct {
	mu    sync.Mutex
	byURL map[string][]answer
}

func newRetryAfterWatch() *retryAfterWatch { return &retryAfterWatch{byURL: map[string][]answer{}} }

func (w *retryAfterWatch) wrap(h http.Handler) http.Handler {
	return confluencetest.Observe(h, func(r *http.Request, at time.Time, status int, header http.Header) {
		a := answer{at: at, status: status}
		if secs, err := strconv.Atoi(header.Get("Retry-After")); err == nil {
			a.retryAfter = time.Duration(secs) * time.Second
		}
		key := r.Method + " " + r.URL.String()
		w.mu.Lock()
		w.byURL[key] = append(w.byURL[key], a)
		w.mu.Unlock()
	})
}

// check fails for every request sent again before the Retry-After of its previous answer had
// passed (with 5 % slack for clocks), and returns how many Retry-After answers it saw.
func (w *retryAfterWatch) check(t *testing.T) int {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	seen := 0
	for url, as := range w.byURL {
		for i := 1; i < len(as); i++ {
			prev := as[i-1]
			if prev.retryAfter == 0 || prev.status < 400 {
				continue
			}
			seen++
			gap := as[i].at.Sub(prev.at)
			require.GreaterOrEqual(t, gap, prev.retryAfter*95/100,
				"%s was sent again %s after a %d with Retry-After %s", url, gap, prev.status, prev.retryAfter)
		}
	}
	return seen
}
