package confluence

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"golang.org/x/time/rate"
)

// maxBodyBytes bounds a buffered response body.
const maxBodyBytes = 64 << 20

// requestMeta tells the transport what a request is; the client attaches it to the context.
type requestMeta struct {
	retrySafe  bool // a POST that may be repeated (a read, or a set operation)
	expectJSON bool // a 2xx answer must be JSON
}

type metaKey struct{}

func withMeta(ctx context.Context, m requestMeta) context.Context {
	return context.WithValue(ctx, metaKey{}, m)
}

// transport is the single retrying RoundTripper: for each attempt it takes a concurrency slot,
// honours a Retry-After pause, the client-side rate limit and the pace, sends, buffers the whole
// body (so a truncated body is an error of that attempt), feeds the outcome to the limiters and
// decides whether to retry.
type transport struct {
	base    http.RoundTripper
	policy  RetryPolicy
	timeout time.Duration
	sleep   func(context.Context, time.Duration) error
	now     func() time.Time
	jitter  func() float64
	observe func(Event)
	slots   *aimdLimiter
	pace    *pacer
	bucket  *rate.Limiter // nil when WithRequestRate is off
}

// attemptResult is what one attempt produced.
type attemptResult struct {
	resp       *http.Response
	body       []byte
	err        error
	pauseUntil time.Time // end of the Retry-After pause this answer started, if any
}

// RoundTrip sends req, retrying as the policy allows. On success the body is a buffered reader.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	meta, _ := ctx.Value(metaKey{}).(requestMeta)
	canRetry := isIdempotent(req.Method) || meta.retrySafe
	var honoured time.Time // end of the Retry-After pause this request already waited out
	for attempt := 1; ; attempt++ {
		res := t.attempt(req, attempt, &honoured)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		d := t.decide(meta, canRetry, attempt, res)
		if !d.retry {
			if res.err != nil {
				return nil, &TransportError{Method: req.Method, Path: req.URL.EscapedPath(), Attempts: attempt, Err: res.err}
			}
			return res.resp, nil
		}
		if d.retryAfter && !res.pauseUntil.IsZero() {
			honoured = res.pauseUntil // this request's own wait covers the pause it started
		}
		t.observe(Event{Kind: EventRetry, Method: req.Method, Path: req.URL.EscapedPath(), Attempt: attempt,
			Status: statusOf(res.resp), Wait: d.wait, Reason: d.reason, Err: res.err})
		if err := t.sleep(ctx, d.wait); err != nil {
			return nil, err
		}
	}
}

func statusOf(r *http.Response) int {
	if r == nil {
		return 0
	}
	return r.StatusCode
}

// attempt sends req once under the limiters.
func (t *transport) attempt(req *http.Request, n int, honoured *time.Time) attemptResult {
	ctx := req.Context()
	path := req.URL.EscapedPath()
	slotStart := t.now()
	gen, waited, err := t.slots.acquire(ctx)
	if err != nil {
		return attemptResult{err: err}
	}
	if waited {
		t.observe(Event{Kind: EventWait, Method: req.Method, Path: path, Attempt: n, Duration: t.now().Sub(slotStart), Reason: "concurrency slot"})
	}
	o := outcomeNeutral
	defer func() { t.slots.release(gen, o) }()
	if err := t.waitTurn(req, n, honoured); err != nil {
		return attemptResult{err: err}
	}
	actx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	out := req.Clone(actx)
	if req.GetBody != nil && req.Body != nil && req.Body != http.NoBody {
		if out.Body, err = req.GetBody(); err != nil {
			return attemptResult{err: fmt.Errorf("rewind request body: %w", err)}
		}
	}
	t.observe(Event{Kind: EventRequest, Method: req.Method, Path: path, Attempt: n})
	start := t.now()
	t.pace.started(start)
	res := t.send(out)
	ev := Event{Kind: EventResponse, Method: req.Method, Path: path, Attempt: n, Status: statusOf(res.resp), Duration: t.now().Sub(start), Err: res.err}
	if res.resp == nil {
		t.pace.failed()
	} else {
		res.resp.Request = req
		ev.RateLimit = parseRateLimit(res.resp.Header)
		o = t.pace.answer(start, res.resp.StatusCode, ev.RateLimit, t.now())
		res.pauseUntil = t.pauseOnRetryAfter(res.resp)
		t.slots.setFloor(t.pace.concurrencyFloor())
	}
	t.observe(ev)
	return res
}

// pauseOnRetryAfter holds requests until a 429/503's Retry-After has passed (unless it is
// beyond MaxRetryAfter, when callers get a *RateLimitError instead of waiting). While the pace
// comes from a measured refill rate, only the refused request waits out the Retry-After: the
// others go on at the (lowered) pace, which keeps the budget in use instead of stalling every
// worker for a whole second and then sending them all at once.
func (t *transport) pauseOnRetryAfter(resp *http.Response) time.Time {
	if !isRateLimitStatus(resp.StatusCode) {
		return time.Time{}
	}
	now := t.now()
	ra, ok := retryAfter(resp.Header, now)
	if !ok || ra <= 0 || ra > t.policy.MaxRetryAfter {
		return time.Time{}
	}
	end := now.Add(ra)
	if resp.StatusCode != http.StatusTooManyRequests || !t.pace.measuredPace() {
		t.pace.pause(end)
	}
	return end
}

// send performs the exchange and buffers the body.
func (t *transport) send(req *http.Request) attemptResult {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return attemptResult{err: err}
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes+1))
	if err != nil {
		return attemptResult{err: fmt.Errorf("read response body: %w", err)}
	}
	if len(body) > maxBodyBytes {
		return attemptResult{err: fmt.Errorf("response body is larger than %d bytes", maxBodyBytes)}
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	return attemptResult{resp: resp, body: body}
}

// waitTurn waits for a Retry-After pause set by another request, the client-side token bucket
// and the pace. A pause that began while the request waited for its pace is waited out too,
// and the pace reserved again after it, so the requests held by a pause leave it one by one.
func (t *transport) waitTurn(req *http.Request, n int, honoured *time.Time) error {
	ctx := req.Context()
	if t.bucket != nil {
		r := t.bucket.ReserveN(t.now(), 1)
		if !r.OK() {
			return errors.New("client-side rate limit cannot admit a request")
		}
		if err := t.wait(req, n, r.Delay(), "client rate limit", r); err != nil {
			return err
		}
	}
	for {
		if now, end := t.now(), t.pace.pauseEnd(); end.After(*honoured) && end.After(now) {
			if err := t.wait(req, n, end.Sub(now), "retry-after pause", nil); err != nil {
				return err
			}
			*honoured = end
		}
		if d, r := t.pace.reserve(t.now()); r != nil {
			if err := t.wait(req, n, d, "pace", r); err != nil {
				return err
			}
		}
		if end := t.pace.pauseEnd(); !end.After(*honoured) || !end.After(t.now()) {
			return ctx.Err()
		}
	}
}

func (t *transport) wait(req *http.Request, n int, d time.Duration, reason string, r *rate.Reservation) error {
	if d <= 0 {
		return nil
	}
	t.observe(Event{Kind: EventWait, Method: req.Method, Path: req.URL.EscapedPath(), Attempt: n, Duration: d, Reason: reason})
	if err := t.sleep(req.Context(), d); err != nil {
		if r != nil {
			r.Cancel()
		}
		return err
	}
	return nil
}

// decision is what to do after an attempt.
type decision struct {
	retry      bool
	wait       time.Duration
	reason     string
	retryAfter bool // wait is the server's Retry-After
}

// decide says whether and how long to wait before another attempt.
func (t *transport) decide(meta requestMeta, canRetry bool, attempt int, res attemptResult) decision {
	if attempt >= t.policy.MaxAttempts {
		return decision{}
	}
	backoff := t.policy.backoff(attempt, t.jitter)
	if res.err != nil {
		return decision{retry: canRetry, wait: backoff, reason: "transport error"}
	}
	code := res.resp.StatusCode
	switch {
	case isRetryableStatus(code):
		// A 429 is refused before any work is done, so even a plain POST may be sent again.
		if !canRetry && code != http.StatusTooManyRequests {
			return decision{}
		}
		return t.serverWait(res.resp, backoff)
	case code >= 200 && code < 300 && meta.expectJSON:
		if reason := badJSONAnswer(res.resp, res.body); reason != "" {
			return decision{retry: canRetry, wait: backoff, reason: reason}
		}
	}
	return decision{}
}

// serverWait uses Retry-After / Beta-Retry-After when present, else the backoff. A Retry-After above MaxRetryAfter ends the retries.
func (t *transport) serverWait(resp *http.Response, backoff time.Duration) decision {
	reason := fmt.Sprintf("status %d", resp.StatusCode)
	ra, ok := retryAfter(resp.Header, t.now())
	if !ok {
		return decision{retry: true, wait: backoff, reason: reason + ", backoff"}
	}
	if ra > t.policy.MaxRetryAfter {
		return decision{}
	}
	return decision{retry: true, wait: ra, reason: reason + ", retry-after", retryAfter: true}
}

// badJSONAnswer returns why a 2xx body is not the JSON the endpoint returns, or "".
func badJSONAnswer(resp *http.Response, body []byte) string {
	if ct := resp.Header.Get("Content-Type"); ct != "" && !isJSONContentType(ct) {
		return "non-JSON content type"
	}
	if !json.Valid(body) {
		return "malformed JSON"
	}
	return ""
}
