package service

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/retry"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/baton-confluence/baton-confluence/internal/baton/logging"
	batonv1 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connectorapi/baton/v1"
)

const (
	helloBackoffStart = time.Second
	helloBackoffMax   = 5 * time.Minute
	// maxInfoLen is the server-side limit on every build_info and os_info string.
	maxInfoLen = 256
)

// buildInfo reports the Go version, the main module path and its version (version overrides the
// module's when set). Fallbacks: "0.0.0", "/dummy/path", "0.0.0".
func buildInfo(version string) *batonv1.BatonServiceHelloRequest_BuildInfo {
	bi := &batonv1.BatonServiceHelloRequest_BuildInfo{LangVersion: runtime.Version(), Package: "/dummy/path", PackageVersion: "0.0.0"}
	if info, ok := debug.ReadBuildInfo(); ok {
		if info.GoVersion != "" {
			bi.LangVersion = info.GoVersion
		}
		if info.Main.Path != "" {
			bi.Package = info.Main.Path
		}
		if info.Main.Version != "" {
			bi.PackageVersion = info.Main.Version
		}
	}
	if version != "" {
		bi.PackageVersion = version
	}
	if bi.LangVersion == "" {
		bi.LangVersion = "0.0.0"
	}
	bi.LangVersion, bi.Package, bi.PackageVersion = clip(bi.LangVersion), clip(bi.Package), clip(bi.PackageVersion)
	return bi
}

func clip(s string) string {
	if len(s) > maxInfoLen {
		return s[:maxInfoLen]
	}
	return s
}

func (r *runner) helloRequest(taskID string) *batonv1.BatonServiceHelloRequest {
	return &batonv1.BatonServiceHelloRequest{
		HostId:            r.hostID,
		TaskId:            taskID,
		BuildInfo:         r.build,
		OsInfo:            r.osInfo,
		ConnectorMetadata: r.metadata,
	}
}

// permanentHelloCodes end start-up instead of being retried.
var permanentHelloCodes = map[codes.Code]bool{
	codes.Unauthenticated: true, codes.PermissionDenied: true, codes.InvalidArgument: true,
	codes.Unimplemented: true, codes.FailedPrecondition: true, codes.NotFound: true,
}

// startupHello announces the connector, retrying transient failures forever with a backoff of
// 1 s doubling up to 5 min (the retry interceptor drives the loop; the wait goes through the
// hooks' sleep so tests do not wait). A permanent code or a cancelled ctx ends start-up.
func (r *runner) startupHello(ctx context.Context) error {
	log := logging.From(ctx)
	backoff := func(ctx context.Context, attempt uint) time.Duration {
		d := helloBackoffStart << min(attempt-1, 20)
		d = min(d, helloBackoffMax)
		_ = r.hooks.sleep(ctx, d)
		return 0
	}
	retriable := func(err error) bool {
		if ctx.Err() != nil || permanentHelloCodes[status.Code(err)] {
			return false
		}
		log.Warn("start-up hello failed; retrying", zap.Error(err))
		return true
	}
	_, err := r.client.Hello(ctx, r.helloRequest(""),
		retry.WithMax(^uint(0)), retry.WithBackoff(backoff), retry.WithRetriable(retriable))
	if err != nil {
		return fmt.Errorf("startup hello: %s%w", credentialsHint(err), err)
	}
	log.Info("connected to ConductorOne", zap.String("host_id", r.hostID))
	return nil
}

// credentialsHint tells the operator what to fix when ConductorOne refused the client
// credentials ("" for other errors). It names the settings, never their values.
func credentialsHint(err error) string {
	switch status.Code(err) {
	case codes.Unauthenticated:
		return "ConductorOne rejected the client credentials; check --client-id and --client-secret " +
			"(BATON_CLIENT_ID, BATON_CLIENT_SECRET): "
	case codes.PermissionDenied:
		return "ConductorOne denied this client; check that the connector's client id is still enabled: "
	}
	return ""
}
