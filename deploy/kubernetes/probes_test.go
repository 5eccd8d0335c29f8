package kubernetes_test

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

var probeEndpoints = map[string]string{"livenessProbe": "live", "readinessProbe": "ready"}

// TestProbesCallHealthCheck checks the probes' command lines: the health-check subcommand on
// the right endpoint and port, with a client timeout the kubelet waits for.
func TestProbesCallHealthCheck(t *testing.T) {
	t.Parallel()
	d := loadDeployment(t)
	for probe, endpoint := range probeEndpoints {
		args := probeArgs(t, d, probe)
		require.Equal(t, "health-check", args[1], probe)
		require.Equal(t, endpoint, flagValue(t, args, "--endpoint"), probe)
		require.Equal(t, d.envValues["BATON_HEALTH_CHECK_PORT"], flagValue(t, args, "--health-check-port"), probe)
		client, err := strconv.Atoi(flagValue(t, args, "--timeout"))
		require.NoError(t, err, probe)
		kubelet, ok := get(t, d.ctr, probe, "timeoutSeconds").(float64)
		require.True(t, ok, "%s.timeoutSeconds must be set (the default, 1 s, is shorter than --timeout)", probe)
		require.Greater(t, int(kubelet), client, "%s: the kubelet must outwait health-check's own timeout", probe)
	}
}

// healthStub answers every request with the current status and records the paths asked for.
type healthStub struct {
	mu     sync.Mutex
	status int
	paths  []string
}

func (h *healthStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.paths = append(h.paths, r.URL.Path)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(h.status)
	_, _ = w.Write([]byte(`{"status":"stub"}`))
}

func (h *healthStub) set(status int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.status, h.paths = status, nil
}

func (h *healthStub) seen() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.paths)
}

// TestProbesRunTheBinary runs each probe's exact command with the real binary and the pod's
// environment (Secret values from secret.yaml; only the port and temp dir changed to local
// ones) against a stand-in health server: the subcommand and its flags exist, it asks for the
// right endpoint, and its exit status follows the answer.
func TestProbesRunTheBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds baton-confluence")
	}
	t.Parallel()
	bin := buildBinary(t)
	d := loadDeployment(t)
	stub := &healthStub{status: http.StatusOK}
	srv := httptest.NewServer(stub) // 127.0.0.1
	port := strconv.Itoa(srv.Listener.Addr().(*net.TCPAddr).Port)
	env := podEnv(t, d, port)
	for probe, endpoint := range probeEndpoints {
		args := probeArgs(t, d, probe)[1:]
		args[slices.Index(args, "--health-check-port")+1] = port
		run := func() (int, string) {
			cmd := exec.CommandContext(t.Context(), bin, args...)
			cmd.Env, cmd.Dir = env, t.TempDir()
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if err != nil && !errors.As(err, &exit) {
				t.Fatalf("%s: run %v: %v", probe, args, err)
			}
			return cmd.ProcessState.ExitCode(), string(out)
		}
		stub.set(http.StatusOK)
		code, out := run()
		require.Zero(t, code, "%s against a healthy server: %s", probe, out)
		require.Equal(t, []string{"/" + endpoint}, stub.seen(), probe)
		stub.set(http.StatusServiceUnavailable)
		code, out = run()
		require.Equal(t, 1, code, "%s against an unhealthy server: %s", probe, out)
	}
	srv.Close()
	args := probeArgs(t, d, "livenessProbe")[1:]
	args[slices.Index(args, "--health-check-port")+1] = port
	cmd := exec.CommandContext(t.Context(), bin, args...)
	cmd.Env = env
	require.Error(t, cmd.Run())
	require.Equal(t, 14, cmd.ProcessState.ExitCode(), "nothing listening")
}

// podEnv is the container's environment as the manifests define it, with the health check
// port and temp dir pointed at local ones, on top of this process's non-BATON environment.
func podEnv(t *testing.T, d deployment, port string) []string {
	t.Helper()
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(strings.ToUpper(kv), "BATON_") {
			env = append(env, kv)
		}
	}
	for name, v := range d.envValues {
		switch name {
		case "BATON_HEALTH_CHECK_PORT":
			v = port
		case "BATON_C1Z_TEMP_DIR":
			v = t.TempDir()
		}
		env = append(env, name+"="+v)
	}
	return env
}

// buildBinary builds baton-confluence into a temp dir.
func buildBinary(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "baton-confluence")
	cmd := exec.CommandContext(t.Context(), goBin, "build", "-o", bin, "./cmd/baton-confluence")
	cmd.Dir = filepath.Join("..", "..")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}
