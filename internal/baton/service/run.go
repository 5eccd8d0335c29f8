package service

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"

	"github.com/baton-confluence/baton-confluence/internal/baton/connectorbuilder"
	"github.com/baton-confluence/baton-confluence/internal/baton/logging"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
	batonv1 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connectorapi/baton/v1"
)

// Causes attached to cancelled task contexts; they end up in FinishTask messages.
var (
	errShuttingDown    = errors.New("connector is shutting down")
	errTaskCancelled   = errors.New("task cancelled by ConductorOne")
	errHeartbeatFailed = errors.New("task failed heartbeat")
)

// runner is one service-mode session: a connection, the announced identity and the running tasks.
type runner struct {
	cfg    Config
	deps   Deps
	hooks  hooks
	client batonv1.BatonServiceClient

	hostID   string
	build    *batonv1.BatonServiceHelloRequest_BuildInfo
	osInfo   *batonv1.BatonServiceHelloRequest_OSInfo
	metadata *v2.ConnectorMetadata

	slots chan struct{}  // one token per running task
	tasks sync.WaitGroup // running task goroutines

	taskCtx     context.Context // parent of every task; outlives Run's ctx during the grace period
	cancelTasks context.CancelCauseFunc
	finishCtx   context.Context // parent of FinishTask calls; cancelled only at the hard deadline
	abortFinish context.CancelFunc
	stopping    atomic.Bool
}

// Run connects to ConductorOne as the client described by cfg and serves tasks until ctx is
// cancelled, then shuts down gracefully (see the package documentation) and returns nil. Any
// other return is an error whose exit code [ExitCode] reports: the gRPC code of a failed start-up
// Hello (16 for rejected credentials), 2 for configuration errors.
func Run(ctx context.Context, cfg Config, deps Deps) error {
	return run(ctx, cfg, deps, defaultHooks())
}

func run(ctx context.Context, cfg Config, deps Deps, h hooks) error {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return newConfigError(err)
	}
	if err := deps.check(); err != nil {
		return newConfigError(err)
	}
	id, key, err := parseCredentials(cfg)
	if err != nil {
		return newConfigError(err)
	}
	ep := newEndpoint(id, h.getenv("BATON_C1_API_HOST"))
	httpClient := newTokenClient(h)
	defer httpClient.CloseIdleConnections()
	ts := &tokenSource{
		client: httpClient, tokenURL: ep.tokenURL(), id: id, key: key, now: h.now,
		ua: "baton-c1-credential-provider baton-sdk/" + SDKVersion,
	}
	conn, err := dial(ep, id, ts, h)
	if err != nil {
		return newConfigError(err)
	}
	defer conn.Close()
	r, err := newRunner(ctx, cfg, deps, h, conn)
	if err != nil {
		return err
	}
	defer r.abortFinish()
	defer r.cancelTasks(nil)
	logging.From(ctx).Info("starting service mode", zap.String("client_id", id.raw),
		zap.String("api_host", ep.hostPort), zap.String("host_id", r.hostID))
	if err := r.startupHello(ctx); err != nil {
		if ctx.Err() != nil {
			return nil // shutdown requested during start-up
		}
		return err
	}
	stopHealth, err := r.startHealth(ctx)
	if err != nil {
		return newConfigError(err)
	}
	defer stopHealth()
	r.loop(ctx)
	r.drain(ctx)
	return nil
}

func parseCredentials(cfg Config) (clientID, signingKey, error) {
	id, err := parseClientID(cfg.ClientID)
	if err != nil {
		return clientID{}, signingKey{}, err
	}
	if cfg.ClientSecret == "" {
		return clientID{}, signingKey{}, errors.New("client-secret is required in service mode")
	}
	key, err := parseClientSecret(cfg.ClientSecret)
	return id, key, err
}

func newRunner(ctx context.Context, cfg Config, deps Deps, h hooks, conn *grpc.ClientConn) (*runner, error) {
	md, err := connectorbuilder.FullMetadata(ctx, deps.Connector)
	if err != nil {
		return nil, newConfigError(fmt.Errorf("connector metadata: %w", err))
	}
	r := &runner{
		cfg: cfg, deps: deps, hooks: h, client: batonv1.NewBatonServiceClient(conn),
		hostID: hostID(h), build: buildInfo(cfg.Version), osInfo: osInfo(h), metadata: md,
		slots: make(chan struct{}, cfg.TaskConcurrency),
	}
	base := context.WithoutCancel(ctx)
	r.taskCtx, r.cancelTasks = context.WithCancelCause(base)
	r.finishCtx, r.abortFinish = context.WithCancel(base)
	return r, nil
}

// hostID is BATON_HOST_ID, else the hostname, else "baton-sdk".
func hostID(h hooks) string {
	if v := h.getenv("BATON_HOST_ID"); v != "" {
		return clip(v)
	}
	if name, err := h.hostname(); err == nil && name != "" {
		return clip(name)
	}
	return "baton-sdk"
}

// drain waits for running tasks: until ShutdownGrace minus a margin they may finish on their own;
// then they are cancelled (and report themselves retryable) and get the margin to send their
// FinishTask and clean up. Whatever still runs after that is abandoned.
func (r *runner) drain(ctx context.Context) {
	r.stopping.Store(true)
	log := logging.From(ctx)
	done := make(chan struct{})
	go func() { r.tasks.Wait(); close(done) }()
	grace := r.cfg.ShutdownGrace
	margin := min(grace/5, shutdownMargin)
	log.Info("shutting down; waiting for running tasks", zap.Int("running_tasks", len(r.slots)), zap.Duration("grace", grace))
	if r.waitFor(done, grace-margin) {
		return
	}
	log.Warn("shutdown grace period over; cancelling running tasks")
	r.cancelTasks(errShuttingDown)
	if r.waitFor(done, margin) {
		return
	}
	log.Error("tasks did not stop in time; abandoning them")
	r.abortFinish()
}

// waitFor reports whether done closed within d (measured with the hooks' sleep).
func (r *runner) waitFor(done <-chan struct{}, d time.Duration) bool {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	slept := make(chan struct{})
	go func() { _ = r.hooks.sleep(ctx, d); close(slept) }()
	select {
	case <-done:
		return true
	case <-slept:
	}
	select {
	case <-done:
		return true
	default:
		return false
	}
}

// shutdownMargin caps the share of the grace period kept for cancelled tasks to report.
const shutdownMargin = 5 * time.Second
