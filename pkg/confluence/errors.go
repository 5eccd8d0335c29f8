package confluence

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// Sentinel errors matched with errors.Is against an *Error.
var (
	// ErrBadRequest matches a 400 answer.
	ErrBadRequest = errors.New("bad request")
	// ErrUnauthorized matches a 401 answer: bad or expired credentials.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrForbidden matches a 403 answer.
	ErrForbidden = errors.New("forbidden")
	// ErrNotFound matches a 404 answer: not found or not visible to the caller.
	ErrNotFound = errors.New("not found")
	// ErrPermissionExists matches a 400 answer to an add-space-permission request saying the
	// permission already exists.
	ErrPermissionExists = errors.New("space permission already exists")
)

// maxErrorBody is how much of an error body an *Error keeps.
const maxErrorBody = 512

// Error is a non-2xx answer.
type Error struct {
	StatusCode int
	Method     string
	Path       string // URL path of the endpoint, without the query
	Body       string // start of the response body, at most ~512 bytes
	Message    string // the v1 "message" or the v2 errors[].title/detail, when present

	username string // for the 401 text
	site     string // for the 401 text
	also     error  // an extra sentinel this error matches, such as ErrPermissionExists
}

// Error describes the failure. A 401 names the user and site and never the token.
func (e *Error) Error() string {
	if e.StatusCode == http.StatusUnauthorized {
		who := ""
		if e.username != "" {
			who = " for " + e.username
		}
		return fmt.Sprintf("authentication failed%s at %s: check the username and API token (status 401)", who, e.site)
	}
	s := fmt.Sprintf("%s %s: status %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Is matches the sentinel for the status code, and ErrPermissionExists where it applies.
func (e *Error) Is(target error) bool {
	if e.also != nil && target == e.also {
		return true
	}
	switch target {
	case ErrBadRequest:
		return e.StatusCode == http.StatusBadRequest
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	}
	return false
}

// Temporary reports whether trying again later may succeed (5xx answers).
func (e *Error) Temporary() bool { return e.StatusCode >= 500 }

// RateLimitError is a 429 or 503 answer that was still there when the client stopped retrying.
type RateLimitError struct {
	// Wait is how long the server asked to wait (Retry-After), or the client's own backoff
	// estimate when it did not say.
	Wait time.Duration
	// RateLimit holds the rate-limit headers of the last answer.
	RateLimit RateLimit
	// Err is the underlying answer.
	Err *Error
}

// Error describes the failure.
func (e *RateLimitError) Error() string {
	return fmt.Sprintf("rate limited: %s (retry after %s)", e.Err.Error(), e.Wait)
}

// Unwrap returns the *Error.
func (e *RateLimitError) Unwrap() error { return e.Err }

// RetryAfter returns how long to wait before trying again.
func (e *RateLimitError) RetryAfter() time.Duration { return e.Wait }

// Temporary reports true: the request may succeed later.
func (e *RateLimitError) Temporary() bool { return true }

// TransportError is a request that never got a complete answer (connection refused or reset,
// timeout, truncated body) after the client stopped retrying.
type TransportError struct {
	Method   string
	Path     string
	Attempts int
	Err      error
}

// Error describes the failure.
func (e *TransportError) Error() string {
	return fmt.Sprintf("%s %s: no complete answer after %d attempt(s): %v", e.Method, e.Path, e.Attempts, e.Err)
}

// Unwrap returns the cause.
func (e *TransportError) Unwrap() error { return e.Err }

// Temporary reports true: the request may succeed later.
func (e *TransportError) Temporary() bool { return true }

// checkResponse turns a non-2xx answer into *Error or *RateLimitError; the body must already be
// buffered (the transport does that).
func (c *Client) checkResponse(resp *http.Response, body []byte) error {
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	text := c.creds.redact(truncateUTF8(string(body), maxErrorBody))
	e := &Error{
		StatusCode: resp.StatusCode,
		Method:     resp.Request.Method,
		Path:       resp.Request.URL.EscapedPath(),
		Body:       text,
		Message:    c.creds.redact(errorMessage(body)),
		username:   c.creds.username,
		site:       c.base.site(),
	}
	if !isRateLimitStatus(resp.StatusCode) {
		return e
	}
	rl := parseRateLimit(resp.Header)
	wait, ok := retryAfter(resp.Header, time.Now())
	if !ok {
		wait = c.retry.BaseDelay
	}
	return &RateLimitError{Wait: wait, RateLimit: rl, Err: e}
}

// errorMessage extracts the v1 "message" or the v2 errors[].title / detail.
func errorMessage(body []byte) string {
	var v struct {
		Message string `json:"message"`
		Errors  []struct {
			Title  string          `json:"title"`
			Detail json.RawMessage `json:"detail"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &v) != nil {
		return ""
	}
	if v.Message != "" {
		return truncateUTF8(v.Message, maxErrorBody)
	}
	parts := make([]string, 0, len(v.Errors))
	for _, e := range v.Errors {
		p := e.Title
		var detail string
		if json.Unmarshal(e.Detail, &detail) == nil && detail != "" && detail != p {
			p = strings.TrimSpace(p + ": " + detail)
		}
		if p != "" {
			parts = append(parts, p)
		}
	}
	return truncateUTF8(strings.Join(parts, "; "), maxErrorBody)
}

// truncateUTF8 cuts s to at most n bytes without splitting a rune.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
