package e2e

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// output collects what a process writes and lets tests wait for a piece of text in it.
type output struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // closed and replaced on every write
}

func newOutput() *output { return &output{changed: make(chan struct{})} }

// Write appends p and wakes waiters.
func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.buf.Write(p)
	close(o.changed)
	o.changed = make(chan struct{})
	return len(p), nil
}

// String returns everything written so far.
func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// waitFor blocks until text has been written or ctx ends.
func (o *output) waitFor(ctx context.Context, text string) error {
	for {
		o.mu.Lock()
		found, ch := strings.Contains(o.buf.String(), text), o.changed
		o.mu.Unlock()
		if found {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

// proc is a started subprocess with captured output.
type proc struct {
	name           string
	cmd            *exec.Cmd
	stdout, stderr *output
	done           chan struct{} // closed when the process has exited and its output is drained
}

// startProc starts cmd; the process is killed at the end of the test if it still runs, and its
// stderr is logged when the test failed.
func startProc(t *testing.T, name string, cmd *exec.Cmd) *proc {
	t.Helper()
	p := &proc{name: name, cmd: cmd, stdout: newOutput(), stderr: newOutput(), done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	require.NoError(t, cmd.Start(), "start %s", name)
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("%s stderr:\n%s", name, p.stderr.String())
		}
	})
	return p
}

// wait returns the exit code once the process has exited, failing the test after timeout.
func (p *proc) wait(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(timeout):
		t.Fatalf("%s did not exit within %s", p.name, timeout)
	case <-t.Context().Done():
		t.Fatalf("%s: test ended before the process exited", p.name)
	}
	return -1
}

// signal sends sig to the process.
func (p *proc) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	err := p.cmd.Process.Signal(sig)
	if errors.Is(err, os.ErrProcessDone) {
		t.Fatalf("%s exited before %s", p.name, sig)
	}
	require.NoError(t, err)
}

// waitStderr waits up to timeout for text on the process's stderr.
func (p *proc) waitStderr(t *testing.T, text string, timeout time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	if err := p.stderr.waitFor(ctx, text); err != nil {
		t.Fatalf("%s: no %q on stderr within %s: %v\nstderr so far:\n%s", p.name, text, timeout, err, p.stderr.String())
	}
}

// raceExitSleep replaces the race detector's default 1 s pause before a process exits (it
// would eat the SIGTERM test's one-second allowance).
const raceExitSleep = "atexit_sleep_ms=100"

// baseEnv is this process's environment without anything that could steer the binaries
// (BATON_* settings, TLS trust, proxies, the temp dir), so a developer's shell cannot change the
// outcome.
func baseEnv() []string {
	var out []string
	gorace := raceExitSleep
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		switch u := strings.ToUpper(k); {
		case strings.HasPrefix(u, "BATON_"), strings.HasPrefix(u, "SSL_CERT_"), strings.HasSuffix(u, "_PROXY"), u == "TMPDIR":
			continue
		case u == "GORACE":
			gorace = v + " " + raceExitSleep // later options win
			continue
		}
		out = append(out, kv)
	}
	return append(out, "GORACE="+gorace)
}
