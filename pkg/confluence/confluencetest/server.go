package confluencetest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Server is a running simulated tenant. Its methods are safe for concurrent use.
type Server struct {
	cfg     Config
	st      *state
	faults  atomic.Pointer[faultState]
	stats   *collector
	cache   renderCache
	mux     *http.ServeMux
	handler http.Handler

	url    string
	srv    *http.Server
	cancel context.CancelFunc
	served chan struct{}
	once   sync.Once
}

// NewServer generates the tenant described by cfg, listens on cfg.Addr (default 127.0.0.1:0)
// and serves until Close.
func NewServer(cfg Config) (*Server, error) {
	s, err := newUnstarted(cfg)
	if err != nil {
		return nil, err
	}
	ln, err := new(net.ListenConfig).Listen(context.Background(), "tcp", s.cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", s.cfg.Addr, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.url = "http://" + ln.Addr().String()
	s.srv = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	s.served = make(chan struct{})
	go func() {
		defer close(s.served)
		_ = s.srv.Serve(ln) // returns ErrServerClosed after Close
	}()
	return s, nil
}

// newUnstarted generates the data and builds the handler without listening.
func newUnstarted(cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("check simulator config: %w", err)
	}
	s := &Server{cfg: cfg, st: generate(cfg), stats: newCollector()}
	s.faults.Store(newFaultState(cfg.Faults))
	s.mux = http.NewServeMux()
	s.routes()
	s.handler = http.HandlerFunc(s.serveHTTP)
	return s, nil
}

// URL is the site URL, http://127.0.0.1:PORT (append /wiki/... for API paths).
func (s *Server) URL() string { return s.url }

// GatewayURL is the API-gateway form of the site URL: URL()/ex/confluence/{cloudId}.
func (s *Server) GatewayURL() string { return s.url + "/ex/confluence/" + s.st.cloudID }

// Config returns the configuration with defaults applied (including the credentials).
func (s *Server) Config() Config { return s.cfg }

// Close stops the server, aborting requests in flight (including injected delays).
func (s *Server) Close() {
	s.once.Do(func() {
		if s.srv == nil {
			return
		}
		s.cancel()
		_ = s.srv.Close()
		<-s.served
	})
}

// Handler serves the simulated API (and the /_sim/ endpoints) for use in another server.
func (s *Server) Handler() http.Handler { return s.handler }

// Truth returns a deep copy of the current state.
func (s *Server) Truth() *Truth { return s.st.truth() }

// SetFaults replaces the fault configuration; counters behind fault draws, the rate-limit bucket
// and the revoke-after count start afresh. It panics on an invalid configuration (a test bug).
func (s *Server) SetFaults(f Faults) {
	if err := f.validate(); err != nil {
		panic("confluencetest: SetFaults: " + err.Error())
	}
	s.faults.Store(newFaultState(f))
}

// Faults returns the current fault configuration.
func (s *Server) Faults() Faults { return s.faults.Load().f }

// Stats returns the counters since the last reset.
func (s *Server) Stats() Stats { return s.stats.snapshot() }

// ResetStats zeroes the counters (MaxConcurrent restarts from the requests now in flight).
func (s *Server) ResetStats() { s.stats.reset() }
