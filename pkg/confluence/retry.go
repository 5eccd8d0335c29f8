package confluence

import (
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryPolicy says how often and how long the client retries. The zero value is valid: each zero
// field takes the default named in its comment.
type RetryPolicy struct {
	// MaxAttempts is the total number of attempts including the first (default 5). 1 disables
	// retries.
	MaxAttempts int
	// BaseDelay is the backoff before the first retry when the server gives no Retry-After
	// (default 500ms). It doubles with each retry, and each wait is drawn uniformly from
	// [0, min(MaxDelay, BaseDelay*2^(retry-1))] ("full jitter").
	BaseDelay time.Duration
	// MaxDelay caps one computed backoff (default 30s).
	MaxDelay time.Duration
	// MaxRetryAfter caps the Retry-After the client is willing to wait inside one call (default
	// 5m). A longer Retry-After ends the call at once with a *RateLimitError, so the caller can
	// schedule the work later.
	MaxRetryAfter time.Duration
}

// Default retry settings (see RetryPolicy).
const (
	DefaultMaxAttempts   = 5
	DefaultBaseDelay     = 500 * time.Millisecond
	DefaultMaxDelay      = 30 * time.Second
	DefaultMaxRetryAfter = 5 * time.Minute
)

// withDefaults fills zero fields.
func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts == 0 {
		p.MaxAttempts = DefaultMaxAttempts
	}
	if p.BaseDelay == 0 {
		p.BaseDelay = DefaultBaseDelay
	}
	if p.MaxDelay == 0 {
		p.MaxDelay = DefaultMaxDelay
	}
	if p.MaxRetryAfter == 0 {
		p.MaxRetryAfter = DefaultMaxRetryAfter
	}
	return p
}

// backoffCeiling is the upper bound of the jittered wait before retry number retry (1-based).
func (p RetryPolicy) backoffCeiling(retry int) time.Duration {
	exp := math.Pow(2, float64(max(retry-1, 0)))
	d := float64(p.BaseDelay) * exp
	if d > float64(p.MaxDelay) || math.IsInf(d, 0) {
		return p.MaxDelay
	}
	return time.Duration(d)
}

// backoff draws the wait before retry number retry with full jitter; jitter returns [0,1).
func (p RetryPolicy) backoff(retry int, jitter func() float64) time.Duration {
	return time.Duration(jitter() * float64(p.backoffCeiling(retry)))
}

// defaultJitter is the jitter source used outside tests.
func defaultJitter() float64 { return rand.Float64() } //nolint:gosec // G404: jitter for backoff, not security

// retryAfter reads Retry-After, then Beta-Retry-After, in both forms (delay seconds or an
// HTTP-date). ok is false when neither header holds a usable value. Past dates give 0.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	for _, name := range []string{"Retry-After", "Beta-Retry-After"} {
		if d, ok := parseRetryAfter(h.Get(name), now); ok {
			return d, true
		}
	}
	return 0, false
}

func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs < 0 || math.IsNaN(secs) || secs > 1e9 {
			return 0, false
		}
		return time.Duration(secs * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// isIdempotent reports whether method may be repeated without changing the outcome.
func isIdempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodDelete, http.MethodOptions, http.MethodPut:
		return true
	}
	return false
}

// isRateLimitStatus reports the statuses treated as "slow down": 429 and 503.
func isRateLimitStatus(code int) bool {
	return code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable
}

// isRetryableStatus reports the statuses worth another attempt of an idempotent request.
func isRetryableStatus(code int) bool {
	return code == http.StatusTooManyRequests || code >= 500 && code != http.StatusNotImplemented
}

// isJSONContentType reports whether a Content-Type declares JSON.
func isJSONContentType(ct string) bool {
	ct = strings.ToLower(strings.TrimSpace(ct))
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = strings.TrimSpace(ct[:i])
	}
	return ct == "application/json" || strings.HasSuffix(ct, "+json") || ct == "text/json"
}
