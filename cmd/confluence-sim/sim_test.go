package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"
)

// parse runs the command's flag parsing with a runF that only captures the options.
func parse(t *testing.T, args ...string) (*simOptions, error) {
	t.Helper()
	var got *simOptions
	cmd := newCmdSim(&ioStreams{Out: io.Discard, ErrOut: io.Discard}, func(_ context.Context, o *simOptions) error {
		got = o
		return nil
	})
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(t.Context())
	return got, err
}

func TestConfigFromFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		args  []string
		check func(*testing.T, confluencetest.Config)
	}{
		{"preset defaults", nil, func(t *testing.T, c confluencetest.Config) {
			require.Equal(t, confluencetest.Small().Users, c.Users)
			require.Equal(t, "127.0.0.1:0", c.Addr)
			require.Equal(t, confluencetest.DefaultAPIToken, c.APIToken)
		}},
		{"overrides", []string{"--preset", "medium", "--users", "77", "--groups", "5", "--spaces", "3",
			"--personal-spaces", "1", "--members-per-group", "9", "--permissions-per-space", "11", "--rbac",
			"--seed", "42", "--latency", "50ms", "--rate-limit", "20", "--failure-rate", "0.05", "--port", "18080",
			"--username", "u@example.com", "--api-token", "t"},
			func(t *testing.T, c confluencetest.Config) {
				require.Equal(t, 77, c.Users)
				require.Equal(t, 5, c.Groups)
				require.Equal(t, 3, c.Spaces)
				require.Equal(t, 1, c.PersonalSpaces)
				require.Equal(t, 9, c.MembersPerGroup)
				require.Equal(t, 11, c.PermissionsPerSpace)
				require.True(t, c.RBAC)
				require.Equal(t, int64(42), c.Seed)
				require.Equal(t, 50*time.Millisecond, c.Faults.Latency)
				require.Equal(t, 20.0, c.Faults.RateLimit)
				require.Equal(t, 0.05, c.Faults.FailureRate)
				require.Equal(t, "127.0.0.1:18080", c.Addr)
				require.Equal(t, "u@example.com", c.Username)
				require.Equal(t, confluencetest.Medium().Guests, c.Guests, "unset flags keep the preset")
			}},
		{"ipv6 loopback", []string{"--host", "::1"}, func(t *testing.T, c confluencetest.Config) {
			require.Equal(t, "[::1]:0", c.Addr)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o, err := parse(t, tc.args...)
			require.NoError(t, err)
			cfg, err := o.config()
			require.NoError(t, err)
			tc.check(t, cfg)
		})
	}
}

func TestConfigRejects(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"--host", "0.0.0.0"}, {"--host", "192.168.1.4"}, {"--host", "example.com"},
		{"--preset", "huge"}, {"--port", "70000"},
	} {
		o, err := parse(t, args...)
		require.NoError(t, err)
		_, err = o.config()
		require.Error(t, err, "%v", args)
	}
	_, err := parse(t, "extra-arg")
	require.Error(t, err)
}

// lineWriter hands the first line written to it to a channel.
type lineWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	lines chan string
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if line, err := w.buf.ReadString('\n'); err == nil {
		w.lines <- line
	}
	return len(p), nil
}

func TestExecuteInProcess(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	out := &lineWriter{lines: make(chan string, 1)}
	var errOut bytes.Buffer
	code := make(chan int, 1)
	go func() { code <- execute(ctx, &ioStreams{Out: out, ErrOut: &errOut}, []string{"--preset", "demo"}) }()
	var ready readyLine
	select {
	case line := <-out.lines:
		require.NoError(t, json.Unmarshal([]byte(line), &ready))
	case <-time.After(30 * time.Second):
		t.Fatal("no ready line")
	}
	require.Equal(t, "demo", ready.Preset)
	require.Equal(t, confluencetest.Demo().Users, ready.Users)
	requireServes(t, ready)
	cancel()
	require.Equal(t, 0, <-code)
	require.Contains(t, errOut.String(), "shutting down")

	var errs bytes.Buffer
	require.Equal(t, 1, execute(t.Context(), &ioStreams{Out: io.Discard, ErrOut: &errs}, []string{"--host", "0.0.0.0"}))
	require.Contains(t, errs.String(), "127.0.0.1")
}

// requireServes checks the simulator answers the API and the /_sim/ endpoints.
func requireServes(t *testing.T, ready readyLine) {
	t.Helper()
	require.True(t, strings.HasPrefix(ready.URL, "http://127.0.0.1:"), ready.URL)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, ready.URL+"/wiki/rest/api/user/current", nil)
	require.NoError(t, err)
	req.SetBasicAuth(ready.Username, ready.APIToken)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)

	resp, err = http.Get(ready.URL + "/_sim/stats")
	require.NoError(t, err)
	var st confluencetest.Stats
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&st))
	resp.Body.Close()
	require.Equal(t, int64(1), st.Routes[confluencetest.RouteCurrentUser])

	resp, err = http.Get(ready.URL + "/_sim/truth")
	require.NoError(t, err)
	var tr confluencetest.Truth
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&tr))
	resp.Body.Close()
	require.Len(t, tr.Users, ready.Users)
	require.Equal(t, ready.CloudID, tr.CloudID)
}

// TestBinary builds the command, runs it as a separate process, reads its JSON line, uses it and
// stops it with SIGINT.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "confluence-sim")
	build := exec.CommandContext(t.Context(), "go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	require.NoError(t, build.Run())

	cmd := exec.CommandContext(t.Context(), bin, "--preset", "small", "--users", "40", "--rbac", "--port", "0")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	stderr := &safeBuffer{}
	cmd.Stderr = stderr
	require.NoError(t, cmd.Start())
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err, "stderr: %s", stderr.String())
	var ready readyLine
	require.NoError(t, json.Unmarshal([]byte(line), &ready))
	require.Equal(t, 40, ready.Users)
	require.Equal(t, confluencetest.DefaultUsername, ready.Username)
	requireServes(t, ready)

	require.NoError(t, cmd.Process.Signal(os.Interrupt))
	err = cmd.Wait()
	require.NoError(t, err, "clean exit on SIGINT; stderr: %s", stderr.String())
	require.Contains(t, stderr.String(), "shutting down")
}

// safeBuffer is a bytes.Buffer safe for a writer goroutine and a reader.
type safeBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *safeBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *safeBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
