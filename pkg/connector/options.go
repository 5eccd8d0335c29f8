package connector

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/baton-confluence/baton-confluence/pkg/confluence"
)

// DefaultMembersBatch is how many groups one List call of the user listing reads members of,
// concurrently (bounded again by the client's concurrency limit).
const DefaultMembersBatch = 16

// Option configures a Connector in New.
type Option func(*settings) error

// settings collects the options.
type settings struct {
	client       []confluence.Option
	observers    []func(confluence.Event)
	membersBatch int
}

// WithHTTPClient sends requests through hc's transport (see confluence.WithHTTPClient).
func WithHTTPClient(hc *http.Client) Option {
	return func(s *settings) error {
		if hc == nil {
			return errors.New("http client is nil")
		}
		s.client = append(s.client, confluence.WithHTTPClient(hc))
		return nil
	}
}

// WithTimeout bounds each attempt of each request (0 = the client's default).
func WithTimeout(d time.Duration) Option {
	return func(s *settings) error {
		if d < 0 {
			return fmt.Errorf("timeout %s is negative", d)
		}
		s.client = append(s.client, confluence.WithTimeout(d))
		return nil
	}
}

// WithMaxConcurrency bounds the requests in flight (default confluence.DefaultMaxConcurrency).
func WithMaxConcurrency(n int) Option {
	return func(s *settings) error {
		if n < 1 {
			return fmt.Errorf("max concurrency %d is below 1", n)
		}
		s.client = append(s.client, confluence.WithMaxConcurrency(n))
		return nil
	}
}

// WithObserver adds a hook that sees every client event (requests, responses, retries, waits),
// besides the debug log the connector always writes. It must be fast and safe for concurrent
// use; events never carry credentials.
func WithObserver(fn func(confluence.Event)) Option {
	return func(s *settings) error {
		if fn == nil {
			return errors.New("observer is nil")
		}
		s.observers = append(s.observers, fn)
		return nil
	}
}

// WithClientOptions passes options straight to confluence.NewClient (retry policy, sleep
// function, request rate...). Tests use it to avoid real sleeps.
func WithClientOptions(opts ...confluence.Option) Option {
	return func(s *settings) error {
		s.client = append(s.client, opts...)
		return nil
	}
}

// WithMembersBatch sets how many groups' members one List call of the user listing reads
// (default DefaultMembersBatch).
func WithMembersBatch(n int) Option {
	return func(s *settings) error {
		if n < 1 || n > 200 {
			return fmt.Errorf("members batch %d is outside 1..200", n)
		}
		s.membersBatch = n
		return nil
	}
}
