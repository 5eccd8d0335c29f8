package faults

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Exec describes one run of a binary.
type Exec struct {
	// Bin is the binary; Args its arguments.
	Bin  string
	Args []string
	// Env is added to CleanEnv().
	Env []string
	// Dir is the working directory ("" = the test's).
	Dir string
}

// Result is how a run ended.
type Result struct {
	// Code is the exit status; -1 when a signal ended the process.
	Code int
	// Signaled is true when a signal (our SIGKILL) ended the process.
	Signaled bool
	Stdout   string
	Stderr   string
	Elapsed  time.Duration
}

// Message returns what the run printed on stderr besides JSON log lines: the error message of a
// failed run.
func (r Result) Message() string {
	var out []string
	for _, line := range strings.Split(r.Stderr, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "{") {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// Process is a started run.
type Process struct {
	cmd    *exec.Cmd
	start  time.Time
	mu     sync.Mutex
	stdout bytes.Buffer
	stderr bytes.Buffer
	done   chan struct{}
	res    Result
}

// lockedWriter serialises writes into a buffer shared with readers.
type lockedWriter struct {
	mu  *sync.Mutex
	buf *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

// Start starts the run. The process is killed when ctx ends.
func (e Exec) Start(ctx context.Context) (*Process, error) {
	cmd := exec.CommandContext(ctx, e.Bin, e.Args...) //nolint:gosec // the binary under test, built by Build
	cmd.Env = append(CleanEnv(), e.Env...)
	if _, ok := os.LookupEnv("GORACE"); !ok {
		// A race-enabled binary otherwise sleeps a second at exit; a race still fails the run
		// (exit status 66).
		cmd.Env = append(cmd.Env, "GORACE=atexit_sleep_ms=0")
	}
	cmd.Dir = e.Dir
	p := &Process{cmd: cmd, done: make(chan struct{})}
	cmd.Stdout = lockedWriter{&p.mu, &p.stdout}
	cmd.Stderr = lockedWriter{&p.mu, &p.stderr}
	p.start = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", e.Bin, err)
	}
	go p.wait()
	return p, nil
}

func (p *Process) wait() {
	err := p.cmd.Wait()
	res := Result{Elapsed: time.Since(p.start)}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		res.Code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			res.Signaled = true
		}
	default:
		res.Code = -1
	}
	p.mu.Lock()
	res.Stdout, res.Stderr = p.stdout.String(), p.stderr.String()
	p.res = res
	p.mu.Unlock()
	close(p.done)
}

// Kill sends SIGKILL (no cleanup of any kind can run).
func (p *Process) Kill() error { return p.cmd.Process.Signal(syscall.SIGKILL) }

// Signal sends sig.
func (p *Process) Signal(sig syscall.Signal) error { return p.cmd.Process.Signal(sig) }

// Stderr returns what the process wrote on stderr so far.
func (p *Process) Stderr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Wait waits for the process to exit and returns how it ended.
func (p *Process) Wait() Result {
	<-p.done
	return p.res
}

// Run starts the run and waits for it.
func (e Exec) Run(ctx context.Context) (Result, error) {
	p, err := e.Start(ctx)
	if err != nil {
		return Result{}, err
	}
	return p.Wait(), nil
}
