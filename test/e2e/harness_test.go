package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/internal/baton/service/c1fake"
	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"
)

// Time limits of the harness: generous for a loaded 2-core machine, short enough that a hang
// fails fast.
const (
	startTimeout = 30 * time.Second
	taskTimeout  = 45 * time.Second
	exitTimeout  = 15 * time.Second
)

// fakeC1 is a running c1-fake process.
type fakeC1 struct {
	*proc
	env    []string // connection environment it wrote (credentials, API host, CA file)
	outDir string   // where it stores verified uploads as <task-id>.c1z
}

// startFake runs c1-fake with fast polling and the given task flags and waits until it is ready.
func startFake(t *testing.T, args ...string) *fakeC1 {
	t.Helper()
	dir := t.TempDir()
	f := &fakeC1{outDir: filepath.Join(dir, "out")}
	require.NoError(t, os.Mkdir(f.outDir, 0o700))
	creds := filepath.Join(dir, "c1.env")
	full := append([]string{"--ca-file", filepath.Join(dir, "ca.pem"), "--credentials-file", creds,
		"--out-dir", f.outDir, "--next-poll", "10ms", "--idle-poll", "50ms", "--timeout", "60s"}, args...)
	cmd := exec.Command(fakeBin, full...)
	cmd.Dir, cmd.Env = dir, baseEnv()
	f.proc = startProc(t, "c1-fake", cmd)
	f.waitStderr(t, "c1-fake ready\n", startTimeout)
	raw, err := os.ReadFile(creds)
	require.NoError(t, err)
	f.env = strings.Split(strings.TrimSpace(string(raw)), "\n")
	return f
}

// envValue returns the value of key in the fake's connection environment.
func (f *fakeC1) envValue(t *testing.T, key string) string {
	t.Helper()
	for _, kv := range f.env {
		if k, v, _ := strings.Cut(kv, "="); k == key {
			return v
		}
	}
	t.Fatalf("c1-fake wrote no %s", key)
	return ""
}

// summary waits for c1-fake to exit (it does once every queued task finished) and returns what
// it printed.
func (f *fakeC1) summary(t *testing.T, timeout time.Duration) c1fake.Summary {
	t.Helper()
	code := f.wait(t, timeout)
	var sum c1fake.Summary
	require.NoError(t, json.Unmarshal([]byte(f.stdout.String()), &sum), "c1-fake stdout: %s", f.stdout.String())
	require.Zero(t, code, "c1-fake exit code; summary: %s", f.stdout.String())
	return sum
}

// stop interrupts a c1-fake that has no queued work and returns its summary.
func (f *fakeC1) stop(t *testing.T) c1fake.Summary {
	t.Helper()
	f.signal(t, syscall.SIGINT)
	return f.summary(t, exitTimeout)
}

// connectorProc is a running baton-confluence in service mode.
type connectorProc struct {
	*proc
	tempDir string // --c1z-temp-dir
	osTemp  string // TMPDIR, to catch temp files written outside --c1z-temp-dir
}

// connectorEnv is the environment of a service-mode baton-confluence for fake and sim.
func connectorEnv(f *fakeC1, sim *confluencetest.Server) []string {
	env := append(baseEnv(), f.env...)
	return append(env,
		"BATON_DOMAIN_URL="+sim.URL(), "BATON_USERNAME="+sim.Config().Username, "BATON_API_KEY="+sim.Config().APIToken,
		"BATON_HOST_ID=e2e-host", "BATON_LOG_FORMAT=json")
}

// startConnector runs baton-confluence in service mode against f and sim, with provisioning,
// private temp dirs and the extra flags given.
func startConnector(t *testing.T, env []string, args ...string) *connectorProc {
	t.Helper()
	c := &connectorProc{tempDir: t.TempDir(), osTemp: t.TempDir()}
	full := append([]string{"--provisioning", "--c1z-temp-dir", c.tempDir}, args...)
	cmd := exec.Command(connectorBin, full...)
	cmd.Dir = t.TempDir() // no stray ./.baton.yaml
	cmd.Env = append(env, "TMPDIR="+c.osTemp)
	c.proc = startProc(t, "baton-confluence", cmd)
	return c
}

// stop sends SIGTERM and requires a clean exit.
func (c *connectorProc) stop(t *testing.T) {
	t.Helper()
	c.signal(t, syscall.SIGTERM)
	require.Zero(t, c.wait(t, exitTimeout), "baton-confluence exit code")
}

// requireNoTempFiles fails when the connector left anything in its temp dirs.
func (c *connectorProc) requireNoTempFiles(t *testing.T) {
	t.Helper()
	for _, dir := range []string{c.tempDir, c.osTemp} {
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		require.Empty(t, names, "files left in %s", dir)
	}
}

// startSim starts a simulated tenant for one test.
func startSim(t *testing.T, cfg confluencetest.Config) *confluencetest.Server {
	t.Helper()
	srv, err := confluencetest.NewServer(cfg)
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	return srv
}

// holdRequests is a simulator Sleep that blocks every delayed request until the client gives up
// (or the simulator closes), so a sync never finishes on its own; started is closed when the
// first request arrives.
func holdRequests() (sleep func(context.Context, time.Duration), started <-chan struct{}) {
	return holdUntil(nil)
}

// holdUntil is a simulator Sleep that blocks every delayed request until release is closed (or
// the client gives up); started is closed when the first request arrives.
func holdUntil(release <-chan struct{}) (sleep func(context.Context, time.Duration), started <-chan struct{}) {
	ch := make(chan struct{})
	var once sync.Once
	return func(ctx context.Context, _ time.Duration) {
		once.Do(func() { close(ch) })
		select {
		case <-release:
		case <-ctx.Done():
		}
	}, ch
}

// delayFirst is a simulator Sleep that holds the first delayed request for d (requests arriving
// meanwhile wait too) and lets every later one through at once.
func delayFirst(d time.Duration) func(context.Context, time.Duration) {
	var once sync.Once
	return func(ctx context.Context, _ time.Duration) {
		once.Do(func() {
			timer := time.NewTimer(d)
			defer timer.Stop()
			select {
			case <-timer.C:
			case <-ctx.Done():
			}
		})
	}
}
