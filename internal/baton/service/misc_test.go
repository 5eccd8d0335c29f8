package service

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(root, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
}

func TestOSInfo(t *testing.T) {
	t.Parallel()
	debian := t.TempDir()
	writeFiles(t, debian, map[string]string{
		"etc/os-release":            "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n",
		"etc/debian_version":        "12.11\n",
		"proc/sys/kernel/osrelease": "6.1.0-31-amd64\n",
		"proc/sys/kernel/arch":      "x86_64\n",
		".dockerenv":                "",
	})
	h := hooks{osRoot: debian, hostname: func() (string, error) { return "pod-1", nil }}
	info := osInfo(h)
	require.Equal(t, "pod-1", info.GetHostname())
	require.Equal(t, runtime.GOOS, info.GetOs())
	require.Equal(t, "debian", info.GetPlatform())
	require.Equal(t, "12.11", info.GetPlatformVersion())
	require.Equal(t, "debian", info.GetPlatformFamily())
	require.Equal(t, "6.1.0-31-amd64", info.GetKernelVersion())
	require.Equal(t, "x86_64", info.GetKernelArch())
	require.Equal(t, "docker", info.GetVirtualizationSystem())

	ubuntu := t.TempDir()
	writeFiles(t, ubuntu, map[string]string{"etc/os-release": "ID=ubuntu\nID_LIKE=debian\nVERSION_ID=\"24.04\"\n"})
	info = osInfo(hooks{osRoot: ubuntu, hostname: os.Hostname})
	require.Equal(t, "ubuntu", info.GetPlatform())
	require.Equal(t, "debian", info.GetPlatformFamily())
	require.Equal(t, "24.04", info.GetPlatformVersion())

	// Nothing readable: every field still has a value.
	info = osInfo(hooks{osRoot: t.TempDir(), hostname: func() (string, error) { return "", errors.New("no") }})
	require.Equal(t, "unknown", info.GetHostname())
	require.Equal(t, runtime.GOOS, info.GetPlatform())
	require.Equal(t, runtime.GOOS, info.GetPlatformFamily())
	require.Equal(t, "unknown", info.GetKernelVersion())
	require.Equal(t, "unknown", info.GetPlatformVersion())
	require.Equal(t, goarchToMachine(runtime.GOARCH), info.GetKernelArch())
	require.Equal(t, "none", info.GetVirtualizationSystem())
}

func TestBuildInfoNeverEmpty(t *testing.T) {
	t.Parallel()
	bi := buildInfo("")
	require.NotEmpty(t, bi.GetLangVersion())
	require.NotEmpty(t, bi.GetPackage())
	require.NotEmpty(t, bi.GetPackageVersion())
	require.Equal(t, "v9", buildInfo("v9").GetPackageVersion())
}

func TestExitCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want int
	}{
		{nil, 0},
		{newConfigError(errors.New("bad flag")), 2},
		{fmt.Errorf("startup hello: %w", status.Error(codes.Unauthenticated, "get token: 401 Unauthorized")), 16},
		{status.Error(codes.NotFound, "x"), 5},
		{fmt.Errorf("x: %w", context.Canceled), 1},
		{context.DeadlineExceeded, 4},
		{errors.New("other"), 2},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, ExitCode(tt.err), "%v", tt.err)
	}
}

func TestStatusFor(t *testing.T) {
	t.Parallel()
	st, err := status.New(codes.FailedPrecondition, "declined").WithDetails(&errdetails.ErrorInfo{Reason: "grant_cancelled", Domain: "example"})
	require.NoError(t, err)
	tests := []struct {
		name         string
		err          error
		nonRetryable bool
		code         codes.Code
		msg          string
		details      int
	}{
		{"bare status", st.Err(), true, codes.FailedPrecondition, "declined\ntask failed and is non-retryable", 1},
		{"wrapped status", fmt.Errorf("grant: %w", st.Err()), false, codes.FailedPrecondition, "grant: rpc error: code = FailedPrecondition desc = declined", 1},
		{"canceled", fmt.Errorf("sync: %w", context.Canceled), false, codes.Canceled, "sync: context canceled", 0},
		{"deadline", fmt.Errorf("sync: %w", context.DeadlineExceeded), false, codes.DeadlineExceeded, "sync: context deadline exceeded", 0},
		{"plain", errors.New("a\nb"), true, codes.Unknown, "a\nb\ntask failed and is non-retryable", 0},
	}
	for _, tt := range tests {
		got := statusFor(tt.err, tt.nonRetryable)
		require.Equal(t, int32(tt.code), got.GetCode(), tt.name)
		require.Equal(t, tt.msg, got.GetMessage(), tt.name)
		require.Len(t, got.GetDetails(), tt.details, tt.name)
	}
}
