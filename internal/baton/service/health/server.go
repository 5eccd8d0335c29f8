// Package health serves the service-mode health endpoints (/live, /ready, /health) and probes
// them for the exec-probe "health-check" subcommand.
package health

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// ValidateTimeout bounds the connector check behind /health.
const ValidateTimeout = 30 * time.Second

// Checks are what the endpoints report on.
type Checks struct {
	// Ready reports whether the connector can take work (/ready). Nil means always ready.
	Ready func() bool
	// Validate checks the connector's configuration and credentials (/health).
	Validate func(ctx context.Context) error
	// Now is the clock for timestamps (default time.Now).
	Now func() time.Time
}

// Handler returns the mux serving the three endpoints. Bodies are JSON:
//
//	GET /live   200 {"status":"alive","timestamp":RFC3339}
//	GET /ready  200 {"status":"ready"} or 503 {"status":"not_ready"}
//	GET /health 200 {"status":"healthy"} or 503 {"status":"unhealthy","details":{"validation_error":…}}
//
// Every body also carries "timestamp".
func Handler(c Checks) http.Handler {
	if c.Now == nil {
		c.Now = time.Now
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /live", func(w http.ResponseWriter, _ *http.Request) {
		write(w, c.Now(), http.StatusOK, "alive", nil)
	})
	mux.HandleFunc("GET /ready", func(w http.ResponseWriter, _ *http.Request) {
		if c.Ready != nil && !c.Ready() {
			write(w, c.Now(), http.StatusServiceUnavailable, "not_ready", map[string]string{"error": "connector is not ready"})
			return
		}
		write(w, c.Now(), http.StatusOK, "ready", nil)
	})
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		if c.Validate == nil {
			write(w, c.Now(), http.StatusServiceUnavailable, "unhealthy", map[string]string{"error": "no connector"})
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), ValidateTimeout)
		defer cancel()
		if err := c.Validate(ctx); err != nil {
			write(w, c.Now(), http.StatusServiceUnavailable, "unhealthy", map[string]string{"validation_error": err.Error()})
			return
		}
		write(w, c.Now(), http.StatusOK, "healthy", nil)
	})
	return mux
}

type body struct {
	Status    string            `json:"status"`
	Timestamp string            `json:"timestamp"`
	Details   map[string]string `json:"details,omitempty"`
}

func write(w http.ResponseWriter, now time.Time, code int, status string, details map[string]string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(body{Status: status, Timestamp: now.UTC().Format(time.RFC3339), Details: details})
}

// Server is a running health server.
type Server struct {
	srv  *http.Server
	ln   net.Listener
	done chan error
}

// Start listens on bindAddress:port (plain HTTP) and serves Handler(c) until Shutdown.
func Start(bindAddress string, port int, c Checks) (*Server, error) {
	ln, err := new(net.ListenConfig).Listen(context.Background(), "tcp", net.JoinHostPort(bindAddress, fmt.Sprint(port)))
	if err != nil {
		return nil, fmt.Errorf("health check server: %w", err)
	}
	s := &Server{
		srv:  &http.Server{Handler: Handler(c), ReadHeaderTimeout: 10 * time.Second},
		ln:   ln,
		done: make(chan error, 1),
	}
	go func() { s.done <- s.srv.Serve(ln) }()
	return s, nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Shutdown stops the server, waiting for in-flight requests until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if serr := <-s.done; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}
