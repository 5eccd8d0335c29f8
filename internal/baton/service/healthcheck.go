package service

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/baton-confluence/baton-confluence/internal/baton/logging"
	"github.com/baton-confluence/baton-confluence/internal/baton/service/health"
)

// Probe checks a running service's health endpoint ("live", "ready" or "health") and returns the
// exit code for the health-check subcommand: 0 healthy, 14 connection refused, 4 timeout,
// 1 unhealthy, 3 unknown endpoint. See [health.Probe].
func Probe(ctx context.Context, endpoint string, port int, bindAddress string, timeout time.Duration) int {
	return health.Probe(ctx, endpoint, port, bindAddress, timeout)
}

// startHealth starts the health server when enabled; the returned func stops it.
func (r *runner) startHealth(ctx context.Context) (func(), error) {
	if !r.cfg.HealthCheck {
		return func() {}, nil
	}
	srv, err := health.Start(r.cfg.HealthCheckBindAddress, r.cfg.HealthCheckPort, health.Checks{
		Ready: func() bool { return !r.stopping.Load() },
		Validate: func(ctx context.Context) error {
			_, err := r.deps.Connector.Validate(ctx)
			return err
		},
		Now: r.hooks.now,
	})
	if err != nil {
		return nil, err
	}
	logging.From(ctx).Info("health check server listening", zap.Stringer("addr", srv.Addr()))
	return func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			logging.From(ctx).Warn("health check server shutdown", zap.Error(err))
		}
	}, nil
}
