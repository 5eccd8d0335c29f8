// Package c1fake is a loopback-only fake of the ConductorOne control plane for service-mode
// tests: a TLS listener on 127.0.0.1 with a throwaway CA, the OAuth token endpoint
// (POST /auth/v1/token, verifying the EdDSA client assertion), and BatonService over gRPC on the
// same port, handing out a scripted queue of tasks and recording everything it sees.
//
// It enforces the protocol rules the real service declares (field validation, stream order,
// checksums) and reports violations both as gRPC errors and in the [Summary].
package c1fake

import (
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"google.golang.org/grpc"

	batonv1 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connectorapi/baton/v1"
)

// Options configure a Server. The zero value is a working fake.
type Options struct {
	Addr       string // listen address; default 127.0.0.1:0 (must be loopback)
	CAFile     string // where to write the CA PEM; default: a file in a private temp dir
	ClientName string // default "connector"
	Tenant     string // tenant host in the client id (the assertion's aud); default "fake-tenant.conductor.one"
	KeyID      string // kid put into the issued JWK (the assertion must then carry it)

	NextPoll              time.Duration // next_poll after handing out a task; default 500 ms
	IdleNextPoll          time.Duration // next_poll when the queue is empty; default 3 s
	HeartbeatInterval     time.Duration // next_heartbeat; default 30 s
	CancelAfterHeartbeats int           // the Nth heartbeat of a task (and later ones) answer cancelled=true; 0 = never

	TokenExpiresIn int    // seconds; default 3600
	TokenType      string // default "Bearer"
	FailToken      bool   // every token request gets 401
	TokenDown      int    // the first N token requests are aborted at the transport level
	GetTaskErrors  int    // the first N GetTask calls fail with Unavailable
	UploadFail     int    // the first N upload streams are aborted after their first data message
	OutDir         string // when set, each verified upload is stored as <task-id>.c1z

	Now func() time.Time // default time.Now
}

func (o Options) withDefaults() Options {
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&o.Addr, "127.0.0.1:0")
	def(&o.ClientName, "connector")
	def(&o.Tenant, "fake-tenant.conductor.one")
	def(&o.TokenType, "Bearer")
	if o.NextPoll == 0 {
		o.NextPoll = 500 * time.Millisecond
	}
	if o.IdleNextPoll == 0 {
		o.IdleNextPoll = 3 * time.Second
	}
	if o.HeartbeatInterval == 0 {
		o.HeartbeatInterval = 30 * time.Second
	}
	if o.TokenExpiresIn == 0 {
		o.TokenExpiresIn = 3600
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Server is a running fake control plane.
type Server struct {
	opts   Options
	creds  Credentials
	pub    ed25519.PublicKey
	certs  *certs
	caFile string
	tmpDir string // owned temp dir (CA file), removed by Close

	ln      net.Listener
	httpSrv *http.Server
	grpcSrv *grpc.Server
	served  chan struct{}

	st *state
}

// New starts a fake on a loopback address.
func New(opts Options) (*Server, error) {
	opts = opts.withDefaults()
	host, _, err := net.SplitHostPort(opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen address: %w", err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("listen address %s: only loopback IPs are allowed", opts.Addr)
	}
	s := &Server{opts: opts, st: newState(opts), served: make(chan struct{})}
	if s.creds, s.pub, err = newCredentials(opts.ClientName, opts.Tenant, opts.KeyID); err != nil {
		return nil, err
	}
	if s.certs, err = newCerts(opts.Now()); err != nil {
		return nil, err
	}
	if err := s.writeCA(); err != nil {
		s.cleanup()
		return nil, err
	}
	if s.ln, err = new(net.ListenConfig).Listen(context.Background(), "tcp", opts.Addr); err != nil {
		s.cleanup()
		return nil, fmt.Errorf("listen: %w", err)
	}
	s.grpcSrv = grpc.NewServer(grpc.UnaryInterceptor(s.authUnary), grpc.StreamInterceptor(s.authStream))
	batonv1.RegisterBatonServiceServer(s.grpcSrv, &batonService{s: s})
	mux := http.NewServeMux()
	mux.HandleFunc("POST /auth/v1/token", s.handleToken)
	s.httpSrv = &http.Server{
		Handler:           routeGRPC(s.grpcSrv, mux),
		ReadHeaderTimeout: 10 * time.Second,
		TLSConfig: &tls.Config{
			MinVersion:   tls.VersionTLS12,
			Certificates: []tls.Certificate{s.certs.server},
			NextProtos:   []string{"h2", "http/1.1"},
		},
		ErrorLog: nil,
	}
	go func() {
		defer close(s.served)
		_ = s.httpSrv.ServeTLS(s.ln, "", "")
	}()
	return s, nil
}

// routeGRPC sends HTTP/2 requests with a gRPC content type to the gRPC server, the rest to mux.
func routeGRPC(g *grpc.Server, mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor == 2 && strings.HasPrefix(r.Header.Get("Content-Type"), "application/grpc") {
			g.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

func (s *Server) writeCA() error {
	s.caFile = s.opts.CAFile
	if s.caFile == "" {
		dir, err := os.MkdirTemp("", "c1-fake-")
		if err != nil {
			return fmt.Errorf("ca file dir: %w", err)
		}
		s.tmpDir = dir
		s.caFile = filepath.Join(dir, "ca.pem")
	}
	if err := os.WriteFile(s.caFile, s.certs.caPEM, 0o644); err != nil { //nolint:gosec // G306: a public CA certificate, readable by the connector under test
		return fmt.Errorf("write ca file: %w", err)
	}
	return nil
}

// Addr is the listening host:port (use it as BATON_C1_API_HOST).
func (s *Server) Addr() string { return s.ln.Addr().String() }

// CAFile is the path of the CA certificate (PEM) that signed the server certificate.
func (s *Server) CAFile() string { return s.caFile }

// CAPool is a pool holding the CA, for in-process clients.
func (s *Server) CAPool() *x509.CertPool { return s.certs.pool }

// Credentials are the client id and secret this fake accepts.
func (s *Server) Credentials() Credentials { return s.creds }

// Enqueue appends task to the queue, giving it a fresh 27-character id when it has none, and
// returns the id.
func (s *Server) Enqueue(task *batonv1.Task) string { return s.st.enqueue(task) }

// WaitIdle blocks until every enqueued task has finished (FinishTask received; for hello tasks,
// the answering Hello) or ctx ends.
func (s *Server) WaitIdle(ctx context.Context) error { return s.st.waitIdle(ctx) }

// WaitFor blocks until cond holds for the current Summary (re-checked after every recorded
// event) or ctx ends.
func (s *Server) WaitFor(ctx context.Context, cond func(Summary) bool) error {
	return s.st.waitFor(ctx, cond)
}

// Summary is a snapshot of everything the fake has recorded.
func (s *Server) Summary() Summary { return s.st.summary() }

// Close stops the server and removes the files it created (except OutDir and a given CAFile).
func (s *Server) Close() error {
	s.grpcSrv.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.httpSrv.Shutdown(ctx)
	if err != nil {
		err = s.httpSrv.Close()
	}
	<-s.served
	s.cleanup()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

func (s *Server) cleanup() {
	if s.tmpDir != "" {
		_ = os.RemoveAll(s.tmpDir)
	}
}
