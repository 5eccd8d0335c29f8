package faults_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"
	"github.com/baton-confluence/baton-confluence/pkg/connector/connectortest"
	"github.com/baton-confluence/baton-confluence/test/faults"
)

// env is one scenario's world: a simulated tenant, an output directory, a temp dir for the
// binary (--c1z-temp-dir), its OS temp dir (TMPDIR), and a scratch dir for the test's readers.
type env struct {
	t       *testing.T
	sim     *faults.Sim
	outDir  string
	tmpDir  string
	osTmp   string
	scratch string
}

func newEnv(t *testing.T, cfg confluencetest.Config) *env {
	t.Helper()
	return newEnvWith(t, cfg, faults.SimOptions{})
}

// newEnvWith is newEnv with front server options.
func newEnvWith(t *testing.T, cfg confluencetest.Config, opts faults.SimOptions) *env {
	t.Helper()
	sim, err := faults.StartSim(cfg, opts)
	require.NoError(t, err)
	t.Cleanup(sim.Close)
	return &env{t: t, sim: sim, outDir: t.TempDir(), tmpDir: t.TempDir(), osTmp: t.TempDir(), scratch: t.TempDir()}
}

// out is the output path.
func (e *env) out() string { return filepath.Join(e.outDir, "sync.c1z") }

// args is a sync of the simulator into out(), with extra flags.
func (e *env) args(extra ...string) []string {
	c := e.sim.Config()
	return append([]string{
		"--domain-url", e.sim.URL(), "--username", c.Username, "--api-key", c.APIToken,
		"--file", e.out(), "--c1z-temp-dir", e.tmpDir, "--log-level", "info",
	}, extra...)
}

// environ is the binary's extra environment: its own OS temp dir, checked like the others.
func (e *env) environ() []string { return []string{"TMPDIR=" + e.osTmp} }

// run runs the binary with args() + extra and waits.
func (e *env) run(extra ...string) faults.Result {
	e.t.Helper()
	res, err := faults.Exec{Bin: binPath, Args: e.args(extra...), Env: e.environ()}.Run(e.t.Context())
	require.NoError(e.t, err)
	return res
}

// start starts the binary with args() + extra.
func (e *env) start(extra ...string) *faults.Process {
	e.t.Helper()
	p, err := faults.Exec{Bin: binPath, Args: e.args(extra...), Env: e.environ()}.Start(e.t.Context())
	require.NoError(e.t, err)
	return p
}

// requireSuccess checks a run that must succeed: exit 0, content equal to the truth (adjusted
// by adjust, if given), no temp files left.
func (e *env) requireSuccess(res faults.Result, adjust func(*confluencetest.Truth)) {
	e.t.Helper()
	require.Equal(e.t, 0, res.Code, "exit status; stderr tail:\n%s", tail(res.Stderr, 3000))
	e.requireTruth(adjust)
	e.requireNoTemp()
}

// requireTruth compares the output's content with the simulator's truth.
func (e *env) requireTruth(adjust func(*confluencetest.Truth)) {
	e.t.Helper()
	got, err := connectortest.ReadContent(e.t.Context(), e.out(), e.scratch)
	require.NoError(e.t, err, "read the output")
	truth := e.sim.Truth()
	if adjust != nil {
		adjust(truth)
	}
	if d := connectortest.Diff(connectortest.Expected(truth, connectortest.Options{}), got, 5); d != "" {
		e.t.Fatalf("c1z content differs from the simulator's truth:\n%s", d)
	}
}

// requireNoTemp checks that the temp dir and the OS temp dir are empty and nothing but the
// output is in the output dir.
func (e *env) requireNoTemp() {
	e.t.Helper()
	left, err := faults.ListTree(e.tmpDir)
	require.NoError(e.t, err)
	require.Empty(e.t, left, "files left in --c1z-temp-dir")
	left, err = faults.ListTree(e.osTmp)
	require.NoError(e.t, err)
	require.Empty(e.t, left, "files left in the OS temp dir (TMPDIR)")
	outs, err := faults.ListTree(e.outDir)
	require.NoError(e.t, err)
	for _, p := range outs {
		require.Equal(e.t, "sync.c1z", p, "stray file in the output dir")
	}
}

// requireFailure checks a run that must fail cleanly: non-zero exit, a message containing every
// want (case-insensitive), and at the output path either nothing or exactly prev.
func (e *env) requireFailure(res faults.Result, prev faults.FileState, want ...string) {
	e.t.Helper()
	require.NotZero(e.t, res.Code, "the run must fail; stderr tail:\n%s", tail(res.Stderr, 3000))
	require.False(e.t, res.Signaled, "the run must exit, not crash")
	msg := strings.ToLower(res.Message())
	for _, w := range want {
		require.Contains(e.t, msg, strings.ToLower(w), "the message must say %q; stderr tail:\n%s", w, tail(res.Stderr, 3000))
	}
	require.NotContains(e.t, res.Stderr, "panic:", "no panic")
	now, err := faults.StatFile(e.out())
	require.NoError(e.t, err)
	require.Equal(e.t, prev, now, "the output path must hold nothing or the previous file, untouched")
	_, err = os.Stat(e.out() + ".tmp")
	require.ErrorIs(e.t, err, os.ErrNotExist, "no partial output next to the output path")
	if !prev.Exists {
		_, err := connectortest.ReadContent(e.t.Context(), e.out(), e.scratch)
		require.Error(e.t, err, "no file a reader would accept")
	}
}

// matrix logs one line of the fault matrix: what the report lists for each fault.
func matrix(t *testing.T, fault string, res faults.Result, st confluencetest.Stats) {
	t.Helper()
	msg := res.Message()
	if res.Code == 0 {
		msg = "-"
	}
	t.Logf("MATRIX size=%s fault=%q exit=%d time=%s requests=%d 429s=%d 401s=%d injected=%v message=%q",
		sz.name, fault, res.Code, res.Elapsed.Round(1e6), st.Total, st.Throttled, st.Unauthorized, st.Faults, firstLine(msg))
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}

// baseline is an uninterrupted, fault-free sync of the current size.
type baseline struct {
	requests int64
	elapsed  time.Duration
	// tail is the time from the answer to the last request to the exit of the process (grant
	// expansion, saving): work that cannot overlap with requests.
	tail time.Duration
}

var baselineOnce struct {
	once sync.Once
	b    baseline
	err  error
}

// baselineRun measures (once per process) a fault-free sync of the current size.
func baselineRun(t *testing.T) baseline {
	t.Helper()
	baselineOnce.once.Do(func() {
		baselineOnce.b, baselineOnce.err = measureBaseline(context.Background())
	})
	require.NoError(t, baselineOnce.err, "baseline sync")
	return baselineOnce.b
}

func measureBaseline(ctx context.Context) (baseline, error) {
	sim, err := faults.StartSim(sz.sim(), faults.SimOptions{})
	if err != nil {
		return baseline{}, err
	}
	defer sim.Close()
	dir, err := os.MkdirTemp("", "baton-faults-baseline-")
	if err != nil {
		return baseline{}, err
	}
	defer os.RemoveAll(dir)
	if err := os.Mkdir(filepath.Join(dir, "tmp"), 0o700); err != nil {
		return baseline{}, err
	}
	c := sim.Config()
	var last atomic.Int64
	sim.OnRequest(func(int64) { last.Store(time.Now().UnixNano()) })
	res, err := faults.Exec{Bin: binPath, Args: []string{
		"--domain-url", sim.URL(), "--username", c.Username, "--api-key", c.APIToken,
		"--file", filepath.Join(dir, "sync.c1z"), "--c1z-temp-dir", filepath.Join(dir, "tmp"),
	}}.Run(ctx)
	if err != nil {
		return baseline{}, err
	}
	end := time.Now()
	if res.Code != 0 {
		return baseline{}, fmt.Errorf("baseline sync failed (exit %d): %s", res.Code, tail(res.Stderr, 2000))
	}
	return baseline{requests: sim.Stats().Total, elapsed: res.Elapsed, tail: end.Sub(time.Unix(0, last.Load()))}, nil
}
