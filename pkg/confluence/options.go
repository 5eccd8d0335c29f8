package confluence

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Defaults used when an option is not given.
const (
	// DefaultTimeout bounds one attempt of one request (headers and body), not the retries.
	DefaultTimeout = 60 * time.Second
	// DefaultMaxConcurrency is the largest number of requests in flight. Atlassian publishes no
	// concurrency limit and asks clients to avoid excess concurrency; 16 keeps a sync's round
	// trips overlapped (at 50 ms per request the grants phase of 550 spaces takes 2.1 s at 16,
	// 4.0 s at 8, and only 1.5 s at 24), and the adaptive limiter and pacer back off from it on
	// 429 and X-RateLimit-NearLimit.
	DefaultMaxConcurrency = 16
	// DefaultUserAgent is sent when WithUserAgent is not given.
	DefaultUserAgent = "baton-confluence"
)

// Option configures a Client in NewClient.
type Option func(*settings) error

// settings collects the options before NewClient composes the client.
type settings struct {
	creds          credentials
	httpClient     *http.Client
	timeout        time.Duration
	userAgent      string
	rps            float64
	burst          int
	retry          RetryPolicy
	sleep          func(context.Context, time.Duration) error
	now            func() time.Time // the clock of pacing and Retry-After (tests swap it)
	observer       func(Event)
	maxConcurrency int
	jitter         func() float64
}

// WithBasicAuth sends HTTP Basic credentials: the Atlassian account e-mail and an API token. The
// token is kept sealed in memory and never printed.
func WithBasicAuth(username, apiToken string) Option {
	return func(s *settings) error {
		if username == "" || apiToken == "" {
			return errors.New("basic auth needs both a username and an API token")
		}
		s.creds = credentials{username: username, token: seal(apiToken)}
		return nil
	}
}

// WithHTTPClient makes the client send requests through hc's Transport (http.DefaultTransport
// when nil) and cookie Jar. The client composes its own retry stack on top, raises an
// *http.Transport's minimum TLS version to 1.2 (on a copy) and uses its own redirect policy and
// per-attempt timeout; hc itself is not modified.
func WithHTTPClient(hc *http.Client) Option {
	return func(s *settings) error {
		if hc == nil {
			return errors.New("http client is nil")
		}
		s.httpClient = hc
		return nil
	}
}

// WithTimeout bounds each attempt of a request (connect, headers and body). Zero means
// DefaultTimeout.
func WithTimeout(d time.Duration) Option {
	return func(s *settings) error {
		if d < 0 {
			return fmt.Errorf("timeout %s is negative", d)
		}
		s.timeout = d
		return nil
	}
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option {
	return func(s *settings) error {
		s.userAgent = ua
		return nil
	}
}

// WithRequestRate limits the client to rps requests per second with the given burst (a
// client-side token bucket). rps 0 turns the limit off.
func WithRequestRate(rps float64, burst int) Option {
	return func(s *settings) error {
		if rps < 0 || burst < 0 || (rps > 0 && burst == 0) {
			return fmt.Errorf("request rate %g/s with burst %d is invalid", rps, burst)
		}
		s.rps, s.burst = rps, burst
		return nil
	}
}

// WithRetryPolicy sets how requests are retried. Zero fields take the documented defaults.
func WithRetryPolicy(p RetryPolicy) Option {
	return func(s *settings) error {
		if p.MaxAttempts < 0 || p.BaseDelay < 0 || p.MaxDelay < 0 || p.MaxRetryAfter < 0 {
			return errors.New("retry policy has negative values")
		}
		s.retry = p
		return nil
	}
}

// WithSleep replaces the function every wait goes through (retries, Retry-After, pacing,
// client-side rate limit). It must return early with ctx.Err() when ctx ends. Tests use it to
// avoid real sleeps.
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(s *settings) error {
		if sleep == nil {
			return errors.New("sleep function is nil")
		}
		s.sleep = sleep
		return nil
	}
}

// WithObserver registers a hook called for each request, response, retry, wait and concurrency
// change. It is called synchronously from the request path and possibly from many goroutines at
// once: keep it fast and safe for concurrent use. Events never carry credentials.
func WithObserver(fn func(Event)) Option {
	return func(s *settings) error {
		s.observer = fn
		return nil
	}
}

// WithMaxConcurrency bounds the requests in flight (default DefaultMaxConcurrency). The
// adaptive limiter moves between 1 and n.
func WithMaxConcurrency(n int) Option {
	return func(s *settings) error {
		if n < 1 {
			return fmt.Errorf("max concurrency %d is below 1", n)
		}
		s.maxConcurrency = n
		return nil
	}
}

// sleepContext waits for d or until ctx ends, whichever comes first.
func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
