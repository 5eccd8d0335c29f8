package c1z

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The crash tests run the test binary again as a child process (TestCrashChild, selected by
// the C1Z_CRASH_CHILD environment variable) and SIGKILL it at a chosen point.

const crashEnv = "C1Z_CRASH_CHILD"

// TestCrashChild is the child side; it does nothing in a normal test run.
func TestCrashChild(t *testing.T) {
	mode := os.Getenv(crashEnv)
	if mode == "" {
		t.Skip("only runs as the child of a crash test")
	}
	ctx := context.Background()
	gi, err := ParseGrantIndexes(os.Getenv("C1Z_CRASH_GRANT_INDEXES"))
	if err != nil {
		fmt.Println("error", err)
		return
	}
	s, err := Open(ctx, os.Getenv("C1Z_CRASH_OUT"), Options{TempDir: os.Getenv("C1Z_CRASH_TMP"), GrantIndexes: gi})
	if err != nil {
		fmt.Println("error", err)
		return
	}
	run, err := s.StartSync(ctx, SyncTypeFull, "")
	if err != nil {
		fmt.Println("error", err)
		return
	}
	_ = s.PutResourceTypes(ctx, run.ID, userRT)
	for i := range 500 {
		_ = s.PutResources(ctx, run.ID, userRes(fmt.Sprintf("u%04d", i)))
	}
	if err := s.Checkpoint(ctx, run.ID, "cp-1"); err != nil {
		fmt.Println("error", err)
		return
	}
	switch mode {
	case "write":
		fmt.Println("ready", run.ID)
		for i := 500; ; i++ { // keep writing until killed
			_ = s.PutResources(ctx, run.ID, userRes(fmt.Sprintf("u%07d", i)))
		}
	case "expand":
		crashDuringExpansion(ctx, s, run.ID)
	case "save":
		_ = s.EndSync(ctx, run.ID)
		s.saveWriter = func(w io.Writer) io.Writer { return &blockingWriter{w: w} }
		_ = s.Save(ctx)
	}
}

// blockingWriter writes some bytes, tells the parent, then blocks forever.
type blockingWriter struct {
	w io.Writer
	n int
}

func (b *blockingWriter) Write(p []byte) (int, error) {
	if b.n > 100 {
		fmt.Println("ready saving")
		select {}
	}
	n, err := b.w.Write(p)
	b.n += n
	if f, ok := b.w.(*os.File); ok {
		_ = f.Sync()
	}
	return n, err
}

// runAndKill starts the child in mode, waits for its "ready" line and SIGKILLs it. It returns
// the rest of the ready line.
func runAndKill(t *testing.T, mode, out, tmp string, env ...string) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL test needs a Unix system")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+mode, "C1Z_CRASH_OUT="+out, "C1Z_CRASH_TMP="+tmp)
	cmd.Env = append(cmd.Env, env...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	sc := bufio.NewScanner(stdout)
	var ready string
	for sc.Scan() {
		line := sc.Text()
		require.False(t, strings.HasPrefix(line, "error"), line)
		if rest, ok := strings.CutPrefix(line, "ready "); ok {
			ready = rest
			break
		}
	}
	require.NotEmpty(t, ready, "child never got ready")
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	err = cmd.Wait()
	require.Error(t, err, "the child was killed")
	return ready
}

// TestCrashDuringWrites: a SIGKILLed sync resumes from its last checkpoint with its rows, and
// leaves no output file behind.
func TestCrashDuringWrites(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out, tmp := filepath.Join(dir, "out.c1z"), filepath.Join(dir, "tmp")
	syncID := runAndKill(t, "write", out, tmp)
	_, err := os.Stat(out)
	require.ErrorIs(t, err, os.ErrNotExist, "a killed sync leaves no output")

	s, err := Open(t.Context(), out, Options{TempDir: tmp})
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Discard()) }()
	run, err := s.LatestUnfinishedSync(t.Context(), SyncTypeFull, 0)
	require.NoError(t, err)
	require.NotNil(t, run)
	require.Equal(t, syncID, run.ID)
	require.Equal(t, "cp-1", run.Token)
	st, err := s.Counts(t.Context(), run.ID)
	require.NoError(t, err)
	require.GreaterOrEqual(t, st.ResourcesByType["user"], int64(500), "every row up to the checkpoint survived")
	var ok string
	require.NoError(t, s.rdb.QueryRow("PRAGMA integrity_check").Scan(&ok))
	require.Equal(t, "ok", ok)
}

// TestCrashDuringSave: a process killed while writing <path>.tmp leaves the previous output
// untouched (or absent when there was none); the next Open cleans up and can still save. With
// the grant indexes left out, the kill comes after Save dropped them: the next Open builds them
// again and the saved file is complete.
func TestCrashDuringSave(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		existing bool
		indexes  string
	}{{false, "auto"}, {true, "auto"}, {false, "omit"}} {
		existing := tc.existing
		t.Run(fmt.Sprintf("existing=%v,indexes=%s", existing, tc.indexes), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			out, tmp := filepath.Join(dir, "out.c1z"), filepath.Join(dir, "tmp")
			var before []byte
			if existing {
				s, err := Open(t.Context(), out, Options{TempDir: tmp})
				require.NoError(t, err)
				writeSync(t, s, "old")
				require.NoError(t, s.Save(t.Context()))
				before, err = os.ReadFile(out)
				require.NoError(t, err)
			}
			runAndKill(t, "save", out, tmp, "C1Z_CRASH_GRANT_INDEXES="+tc.indexes)
			_, err := os.Stat(out + ".tmp")
			require.NoError(t, err, "the partial output is where the child left it")
			if existing {
				after, err := os.ReadFile(out)
				require.NoError(t, err)
				require.Equal(t, before, after, "previous output untouched")
			} else {
				_, err := os.Stat(out)
				require.ErrorIs(t, err, os.ErrNotExist, "no file appears at the output path")
			}

			if tc.indexes == "omit" {
				abs, err := filepath.Abs(out)
				require.NoError(t, err)
				wd, _ := workDirFor(tmp, abs)
				db, err := sql.Open("sqlite", filepath.Join(wd, dbFileName)+"?mode=ro")
				require.NoError(t, err)
				missing, err := missingIndexes(t.Context(), db, grantLookupIndexes)
				require.NoError(t, db.Close())
				require.NoError(t, err)
				require.Len(t, missing, 5, "the child was killed after dropping them")
			}
			s, err := Open(t.Context(), out, Options{TempDir: tmp})
			require.NoError(t, err)
			_, err = os.Stat(out + ".tmp")
			require.ErrorIs(t, err, os.ErrNotExist, "Open removes the partial output")
			require.NoError(t, s.Save(t.Context()), "the resumed working dir saves")
			require.Equal(t, allIndexNames(), indexNames(t, out), "a small file saved by default has every index")
			r, err := OpenReader(t.Context(), out, ReaderOptions{TempDir: t.TempDir()})
			require.NoError(t, err)
			defer r.Close()
			require.Equal(t, "cp-1", r.Sync().Token, "the child's finished sync is the one shown")
			require.Len(t, userIDs(t, r), 500)
		})
	}
}
