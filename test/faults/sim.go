package faults

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"
)

// SimOptions configure the front server of StartSim. The zero value listens on 127.0.0.1 over
// plain http and serves the simulator unchanged.
type SimOptions struct {
	// Addr is the front listen address: 127.0.0.1:0 (default) or [::1]:0.
	Addr string
	// TLS, when set, makes the front serve https with this configuration.
	TLS *tls.Config
	// Wrap, when set, wraps the simulator's handler (to rewrite requests or answers).
	Wrap func(http.Handler) http.Handler
}

// Sim is a simulated tenant behind a loopback front server that counts the Confluence requests
// it forwards and can run a hook on each (to kill the client after N requests).
type Sim struct {
	*confluencetest.Server
	url      string
	front    *http.Server
	served   chan struct{}
	requests atomic.Int64
	hook     atomic.Pointer[func(n int64)]
}

// StartSim starts the simulated tenant cfg behind a front server. Close stops both.
func StartSim(cfg confluencetest.Config, opts SimOptions) (*Sim, error) {
	srv, err := confluencetest.NewServer(cfg)
	if err != nil {
		return nil, fmt.Errorf("start simulator: %w", err)
	}
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	if err := confluencetest.CheckLoopback(addr); err != nil {
		srv.Close()
		return nil, err
	}
	ln, err := new(net.ListenConfig).Listen(context.Background(), "tcp", addr)
	if err != nil {
		srv.Close()
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	s := &Sim{Server: srv, served: make(chan struct{})}
	h := srv.Handler()
	if opts.Wrap != nil {
		h = opts.Wrap(h)
	}
	s.front = &http.Server{Handler: s.count(h), ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: log.New(io.Discard, "", 0)} // refused TLS handshakes are expected in tests
	scheme := "http"
	if opts.TLS != nil {
		scheme = "https"
		ln = tls.NewListener(ln, opts.TLS)
	}
	s.url = scheme + "://" + ln.Addr().String()
	go func() {
		defer close(s.served)
		_ = s.front.Serve(ln) // http.ErrServerClosed after Close
	}()
	return s, nil
}

// count forwards to h, numbering Confluence requests (not /_sim/ ones) and running the hook.
func (s *Sim) count(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.URL.Path) < 6 || r.URL.Path[:6] != "/_sim/" {
			n := s.requests.Add(1)
			if f := s.hook.Load(); f != nil {
				(*f)(n)
			}
		}
		h.ServeHTTP(w, r)
	})
}

// URL is the front server's site URL (http://127.0.0.1:PORT, or https, or [::1]).
func (s *Sim) URL() string { return s.url }

// GatewayURL is the API-gateway form of URL: URL()/ex/confluence/{cloudId}.
func (s *Sim) GatewayURL() string { return s.url + "/ex/confluence/" + s.Truth().CloudID }

// Requests is the number of Confluence requests forwarded so far.
func (s *Sim) Requests() int64 { return s.requests.Load() }

// OnRequest runs f with the request's number before each Confluence request is served (nil
// removes the hook). f runs on the server's goroutines.
func (s *Sim) OnRequest(f func(n int64)) {
	if f == nil {
		s.hook.Store(nil)
		return
	}
	s.hook.Store(&f)
}

// Close stops the front server and the simulator.
func (s *Sim) Close() {
	_ = s.front.Close()
	<-s.served
	s.Server.Close()
}
