package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"
)

// simReady is the JSON line confluence-sim prints once it listens.
type simReady struct {
	URL      string `json:"url"`
	Username string `json:"username"`
	APIToken string `json:"apiToken"`
}

// simProcess is a running confluence-sim.
type simProcess struct {
	cmd   *exec.Cmd
	ready simReady
	http  *http.Client
}

// startSim starts confluence-sim from binDir with args and waits for its ready line.
func startSim(ctx context.Context, binDir string, args []string, logDir string) (*simProcess, error) {
	errLog, err := os.Create(filepath.Join(logDir, "sim.err"))
	if err != nil {
		return nil, fmt.Errorf("create simulator log: %w", err)
	}
	defer func() { _ = errLog.Close() }() // the child keeps its own descriptor
	// The confluence-sim binary this benchmark built, with the benchmark's own flags.
	cmd := exec.CommandContext(ctx, filepath.Join(binDir, "confluence-sim"), append(args, "--port", "0")...) //nolint:gosec // G204: binary we built, fixed args
	cmd.Stderr = errLog
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("simulator stdout: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start simulator: %w", err)
	}
	p := &simProcess{cmd: cmd, http: &http.Client{Timeout: 5 * time.Minute}}
	line := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if !sc.Scan() {
			line <- fmt.Errorf("simulator exited before it was ready (see %s)", errLog.Name())
			return
		}
		line <- json.Unmarshal(sc.Bytes(), &p.ready)
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case err = <-line:
	case <-time.After(2 * time.Minute):
		err = errors.New("simulator not ready after 2 minutes")
	}
	if err != nil {
		p.stop()
		return nil, fmt.Errorf("start simulator: %w", err)
	}
	return p, nil
}

// stop ends the simulator and waits for it.
func (p *simProcess) stop() {
	if p.cmd.Process != nil {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
	}
	_ = p.cmd.Wait()
}

// resetStats zeroes the simulator's counters.
func (p *simProcess) resetStats(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.ready.URL+"/_sim/stats/reset", nil)
	if err != nil {
		return err
	}
	resp, err := p.http.Do(req)
	if err != nil {
		return fmt.Errorf("reset simulator stats: %w", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("reset simulator stats: status %d", resp.StatusCode)
	}
	return nil
}

// stats reads the simulator's counters.
func (p *simProcess) stats(ctx context.Context) (confluencetest.Stats, error) {
	var st confluencetest.Stats
	return st, p.getJSON(ctx, "/_sim/stats", &st)
}

// truth reads what the simulated tenant serves.
func (p *simProcess) truth(ctx context.Context) (*confluencetest.Truth, error) {
	var t confluencetest.Truth
	return &t, p.getJSON(ctx, "/_sim/truth", &t)
}

func (p *simProcess) getJSON(ctx context.Context, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.ready.URL+path, nil)
	if err != nil {
		return err
	}
	resp, err := p.http.Do(req)
	if err != nil {
		return fmt.Errorf("get %s: %w", path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("get %s: status %d", path, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("decode %s: %w", path, err)
	}
	return nil
}
