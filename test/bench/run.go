package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// syncRun is what one run of baton-confluence measured.
type syncRun struct {
	Wall    time.Duration
	PeakRSS int64 // bytes, 0 when unknown
	C1ZSize int64
	Phases  phaseTimes
}

// phaseTimes are the engine's own phase timings, read from its JSON log (0 when absent).
type phaseTimes struct {
	Resources time.Duration
	Grants    time.Duration
	Expansion time.Duration
	Total     time.Duration
}

// runSync runs baton-confluence from binDir against the simulator, writing a fresh c1z into
// dir, and measures it. Credentials go through the environment, not the command line.
func runSync(ctx context.Context, binDir, dir string, sim simReady, extra []string) (syncRun, string, error) {
	out := filepath.Join(dir, "sync.c1z")
	_ = os.Remove(out)
	logPath := filepath.Join(dir, "sync.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return syncRun{}, "", fmt.Errorf("create sync log: %w", err)
	}
	defer func() { _ = logFile.Close() }()
	args := append([]string{"--file", out, "--log-format", "json"}, extra...)
	cmd := exec.CommandContext(ctx, filepath.Join(binDir, "baton-confluence"), args...) //nolint:gosec // G204: the binary this benchmark built, with its own flags
	cmd.Env = append(cleanEnv(), "BATON_DOMAIN_URL="+sim.URL, "BATON_USERNAME="+sim.Username, "BATON_API_KEY="+sim.APIToken)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	start := time.Now()
	err = cmd.Run()
	r := syncRun{Wall: time.Since(start)}
	if cmd.ProcessState != nil {
		r.PeakRSS = peakRSS(cmd.ProcessState)
	}
	if err != nil {
		return r, logPath, fmt.Errorf("baton-confluence %s: %w (log: %s)", strings.Join(extra, " "), err, logPath)
	}
	if fi, err := os.Stat(out); err == nil {
		r.C1ZSize = fi.Size()
	}
	if _, err := logFile.Seek(0, io.SeekStart); err == nil {
		r.Phases = parsePhases(logFile)
	}
	return r, out, nil
}

// cleanEnv is the environment without BATON_ settings, so a developer's configuration does not
// change the benchmark.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BATON_") {
			env = append(env, kv)
		}
	}
	return env
}

// logLine is the part of an engine log line the benchmark reads.
type logLine struct {
	Msg          string  `json:"msg"`
	Phase        string  `json:"phase"`
	ResourceType *string `json:"resource_type"`
	Elapsed      float64 `json:"elapsed"`
}

// parsePhases reads phase timings from the engine's JSON log: the end-of-phase lines of the
// resources and grants phases, the grant expansion line and the final "sync written" line.
func parsePhases(r io.Reader) phaseTimes {
	var p phaseTimes
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for sc.Scan() {
		var l logLine
		if json.Unmarshal(sc.Bytes(), &l) != nil {
			continue
		}
		d := time.Duration(l.Elapsed * float64(time.Second))
		whole := l.ResourceType != nil && *l.ResourceType == ""
		switch {
		case whole && l.Phase == "resources" && strings.HasPrefix(l.Msg, "resources done"):
			p.Resources = d
		case whole && l.Phase == "grants" && strings.HasPrefix(l.Msg, "grants done"):
			p.Grants = d
		case strings.HasPrefix(l.Msg, "grant expansion done"):
			p.Expansion = d
		case strings.HasPrefix(l.Msg, "sync written"):
			p.Total = d
		}
	}
	return p
}
