package service

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"

	grpclog "github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/logging"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/retry"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/baton-confluence/baton-confluence/internal/baton/logging"
)

// SDKVersion is the baton-sdk version this runtime reports in User-Agent strings. It is the
// version the reference baton-confluence binary puts on the wire.
const SDKVersion = "v0.24.6"

// endpoint is where the control plane lives: the tenant host from the client id, or the
// BATON_C1_API_HOST override ("host" or "host:port", no scheme).
type endpoint struct {
	hostPort string // host:port, port 443 unless given
}

func newEndpoint(id clientID, override string) endpoint {
	host := id.tenantHost
	if override != "" {
		host = override
	}
	if _, _, err := net.SplitHostPort(host); err != nil {
		host = net.JoinHostPort(host, "443")
	}
	return endpoint{hostPort: host}
}

func (e endpoint) tokenURL() string {
	host, port, _ := net.SplitHostPort(e.hostPort)
	if port == "443" {
		return "https://" + hostForURL(host) + "/auth/v1/token"
	}
	return "https://" + e.hostPort + "/auth/v1/token"
}

func hostForURL(h string) string {
	if net.ParseIP(h) != nil && net.ParseIP(h).To4() == nil {
		return "[" + h + "]"
	}
	return h
}

func (e endpoint) grpcTarget() string { return "dns:///" + e.hostPort }

func (h hooks) tlsConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: h.rootCAs}
}

// newTokenClient is the HTTP client for the token endpoint: proxy from the environment, TLS ≥ 1.2,
// HTTP/2 when offered.
func newTokenClient(h hooks) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = h.tlsConfig()
	tr.ForceAttemptHTTP2 = true
	return &http.Client{Transport: tr}
}

// dial opens the one persistent gRPC connection to the control plane. Every RPC carries the
// token from ts; RPCs are logged through the ctx logger; retries are off unless a call asks for
// them (only the start-up Hello does).
func dial(ep endpoint, id clientID, ts *tokenSource, h hooks) (*grpc.ClientConn, error) {
	logger := grpclog.LoggerFunc(logRPC)
	logOpts := []grpclog.Option{grpclog.WithLogOnEvents(grpclog.FinishCall)}
	conn, err := grpc.NewClient(ep.grpcTarget(),
		grpc.WithTransportCredentials(credentials.NewTLS(h.tlsConfig())),
		grpc.WithPerRPCCredentials(ts),
		grpc.WithUserAgent(id.name+" baton-sdk/"+SDKVersion),
		grpc.WithChainUnaryInterceptor(
			grpclog.UnaryClientInterceptor(logger, logOpts...),
			retry.UnaryClientInterceptor(retry.Disable()),
		),
		grpc.WithChainStreamInterceptor(grpclog.StreamClientInterceptor(logger, logOpts...)),
	)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", ep.hostPort, err)
	}
	return conn, nil
}

// logRPC adapts the middleware's logger to the zap logger in ctx. Successful calls log at debug.
func logRPC(ctx context.Context, lvl grpclog.Level, msg string, fields ...any) {
	l := logging.From(ctx).WithOptions(zap.AddCallerSkip(1))
	zf := make([]zap.Field, 0, len(fields)/2)
	for i := 0; i+1 < len(fields); i += 2 {
		if k, ok := fields[i].(string); ok {
			zf = append(zf, zap.Any(k, fields[i+1]))
		}
	}
	switch lvl {
	case grpclog.LevelError:
		l.Error(msg, zf...)
	case grpclog.LevelWarn:
		l.Warn(msg, zf...)
	case grpclog.LevelInfo:
		l.Info(msg, zf...)
	default:
		l.Debug(msg, zf...)
	}
}
