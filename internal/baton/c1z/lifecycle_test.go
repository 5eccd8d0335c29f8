package c1z

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// writeSync runs one full sync with the given users into s and ends it.
func writeSync(t *testing.T, s *Store, users ...string) *SyncRun {
	t.Helper()
	ctx := t.Context()
	run, err := s.StartSync(ctx, SyncTypeFull, "")
	require.NoError(t, err)
	require.NoError(t, s.PutResourceTypes(ctx, run.ID, userRT))
	for _, u := range users {
		require.NoError(t, s.PutResources(ctx, run.ID, userRes(u)))
	}
	require.NoError(t, s.EndSync(ctx, run.ID))
	return run
}

func userIDs(t *testing.T, r *Reader) []string {
	t.Helper()
	var out []string
	for _, res := range collect(t, r.Resources(t.Context(), ResourceFilter{ResourceTypeID: "user"})) {
		out = append(out, res.GetId().GetResource())
	}
	return out
}

func workDirsIn(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, workDirPrefix+"*"))
	require.NoError(t, err)
	return m
}

// TestAppendAndCleanup: reopening a saved file appends a sync; the reader shows the newest;
// cleanup keeps two full syncs.
func TestAppendAndCleanup(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	clock := newClock()
	dir := t.TempDir()
	out := filepath.Join(dir, "out.c1z")
	opts := Options{TempDir: filepath.Join(dir, "tmp"), Now: clock.Now}
	var ids []string
	for i, users := range [][]string{{"a"}, {"b", "c"}, {"d"}} {
		s, err := Open(ctx, out, opts)
		require.NoError(t, err)
		clock.Advance(time.Hour)
		run := writeSync(t, s, users...)
		require.NoError(t, s.Cleanup(ctx, run.ID))
		require.NoError(t, s.Save(ctx))
		ids = append(ids, run.ID)
		var free int
		require.NoError(t, openRaw(t, out).QueryRow("PRAGMA freelist_count").Scan(&free))
		require.Zero(t, free, "the saved database is compact, deleted syncs included")

		r, err := OpenReader(ctx, out, ReaderOptions{TempDir: t.TempDir()})
		require.NoError(t, err)
		require.Equal(t, run.ID, r.Sync().ID, "reader shows the newest sync")
		require.Equal(t, users, userIDs(t, r))
		syncs, err := r.Syncs(ctx)
		require.NoError(t, err)
		require.Len(t, syncs, min(i+1, 2), "cleanup keeps two full syncs")
		require.Equal(t, run.ID, syncs[len(syncs)-1].ID)
		require.NoError(t, r.Close())
	}
	r, err := OpenReader(ctx, out, ReaderOptions{TempDir: t.TempDir(), SyncID: ids[1]})
	require.NoError(t, err)
	defer r.Close()
	require.Equal(t, []string{"b", "c"}, userIDs(t, r), "an explicit sync id shows that sync")
	_, err = OpenReader(ctx, out, ReaderOptions{TempDir: t.TempDir(), SyncID: ids[0]})
	require.ErrorIs(t, err, ErrNotFound, "the first sync was cleaned up")
	require.Empty(t, workDirsIn(t, opts.TempDir), "Save removes the working dir")
}

// TestResumeAfterClose: Close keeps the working dir; Open finds the unfinished sync with its
// token and rows. If the output file changed meanwhile, the working dir is discarded.
func TestResumeAfterClose(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	for _, changeOutput := range []bool{false, true} {
		dir := t.TempDir()
		out := filepath.Join(dir, "out.c1z")
		opts := Options{TempDir: filepath.Join(dir, "tmp")}
		s, err := Open(ctx, out, opts)
		require.NoError(t, err)
		run, err := s.StartSync(ctx, SyncTypeFull, "")
		require.NoError(t, err)
		require.NoError(t, s.PutResources(ctx, run.ID, userRes("a"), userRes("b")))
		require.NoError(t, s.Checkpoint(ctx, run.ID, `{"page":"2"}`))
		require.NoError(t, s.Close())
		require.Len(t, workDirsIn(t, opts.TempDir), 1)
		_, err = os.Stat(out)
		require.ErrorIs(t, err, os.ErrNotExist, "Close writes no output")
		if changeOutput {
			require.NoError(t, os.WriteFile(out, nil, 0o644))
		}

		s, err = Open(ctx, out, opts)
		require.NoError(t, err)
		got, err := s.LatestUnfinishedSync(ctx, SyncTypeFull, 7*24*time.Hour)
		require.NoError(t, err)
		if changeOutput {
			require.Nil(t, got, "output changed: working dir discarded")
			require.NoError(t, s.Discard())
			continue
		}
		require.NotNil(t, got)
		require.Equal(t, run.ID, got.ID)
		require.Equal(t, `{"page":"2"}`, got.Token)
		page, next, err := s.ResourcesPage(ctx, run.ID, "user", 0, 10)
		require.NoError(t, err)
		require.Len(t, page, 2)
		require.Zero(t, next)
		require.NoError(t, s.Discard())
		require.Empty(t, workDirsIn(t, opts.TempDir), "Discard removes the working dir")
		_, err = os.Stat(out)
		require.ErrorIs(t, err, os.ErrNotExist, "Discard leaves the output untouched")
	}
}

// TestLock: a second Open of the same output fails clearly while the first holds it.
func TestLock(t *testing.T) {
	t.Parallel()
	s, out := newStore(t, Options{})
	_, err := Open(t.Context(), out, Options{TempDir: filepath.Dir(s.dir)})
	require.ErrorIs(t, err, ErrLocked)
	require.ErrorContains(t, err, "another baton-confluence is writing "+out+" (lock "+s.lockPath+")")
	require.NoError(t, s.Close())
	s2, err := Open(t.Context(), out, Options{TempDir: filepath.Dir(s.dir)})
	require.NoError(t, err, "the lock is released by Close")
	require.NoError(t, s2.Discard())
}

// failingWriter fails after n bytes with err.
type failingWriter struct {
	w   io.Writer
	n   int
	err error
}

func (f *failingWriter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		k, _ := f.w.Write(p[:f.n])
		f.n = 0
		return k, f.err
	}
	f.n -= len(p)
	return f.w.Write(p)
}

// TestSaveFailureKeepsPreviousOutput: a failing Save (disk full, I/O error) leaves the previous
// output untouched and no <path>.tmp or working dir behind.
func TestSaveFailureKeepsPreviousOutput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		err   error
		is    error
		after int
	}{
		{"disk full", syscall.ENOSPC, ErrDiskFull, 100},
		{"disk full at once", syscall.ENOSPC, ErrDiskFull, 0},
		{"io error", errors.New("input/output error"), nil, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			dir := t.TempDir()
			out := filepath.Join(dir, "out.c1z")
			opts := Options{TempDir: filepath.Join(dir, "tmp")}
			s, err := Open(ctx, out, opts)
			require.NoError(t, err)
			writeSync(t, s, "a")
			require.NoError(t, s.Save(ctx))
			before, err := os.ReadFile(out)
			require.NoError(t, err)

			s, err = Open(ctx, out, opts)
			require.NoError(t, err)
			writeSync(t, s, "b")
			s.saveWriter = func(w io.Writer) io.Writer { return &failingWriter{w: w, n: tt.after, err: tt.err} }
			err = s.Save(ctx)
			require.Error(t, err)
			if tt.is != nil {
				require.ErrorIs(t, err, tt.is)
				require.ErrorContains(t, err, "disk full")
			}
			after, err := os.ReadFile(out)
			require.NoError(t, err)
			require.Equal(t, before, after, "previous output untouched")
			_, err = os.Stat(out + ".tmp")
			require.ErrorIs(t, err, os.ErrNotExist)
			require.Empty(t, workDirsIn(t, opts.TempDir))
			_, err = os.Stat(s.lockPath)
			require.ErrorIs(t, err, os.ErrNotExist)
			require.ErrorIs(t, s.Save(ctx), ErrClosed)
		})
	}
}

// TestSavedFileMode: the output is written with mode 0644.
func TestSavedFileMode(t *testing.T) {
	t.Parallel()
	s, out := newStore(t, Options{})
	writeSync(t, s, "a")
	require.NoError(t, s.Save(t.Context()))
	st, err := os.Stat(out)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o644), st.Mode().Perm())
	raw, err := os.ReadFile(out)
	require.NoError(t, err)
	require.Equal(t, "C1ZF\x00\x28\xb5\x2f\xfd", string(raw[:9]), "magic, then one zstd frame")
}

// TestOpenRejectsForeignOutput: Open refuses to append to a file that is not a v1 c1z and
// removes what it created.
func TestOpenRejectsForeignOutput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "out.c1z")
	require.NoError(t, os.WriteFile(out, []byte("C1Z3\x00\x00\x00\x00\x10manifest"), 0o644))
	tmp := filepath.Join(dir, "tmp")
	_, err := Open(t.Context(), out, Options{TempDir: tmp})
	require.ErrorIs(t, err, ErrV3Unsupported)
	require.Empty(t, workDirsIn(t, tmp))
}

// TestClosedStore: every operation on a released Store fails with ErrClosed.
func TestClosedStore(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t, Options{})
	require.NoError(t, s.Discard())
	ctx := t.Context()
	_, err := s.StartSync(ctx, "", "")
	require.ErrorIs(t, err, ErrClosed)
	require.ErrorIs(t, s.PutResources(ctx, "x", userRes("a")), ErrClosed)
	_, err = s.Counts(ctx, "x")
	require.ErrorIs(t, err, ErrClosed)
	_, err = s.ExpandGrants(ctx, "x")
	require.ErrorIs(t, err, ErrClosed)
	require.ErrorIs(t, s.Save(ctx), ErrClosed)
	require.NoError(t, s.Close())
	require.NoError(t, s.Discard())
	require.ErrorIs(t, s.Checkpoint(ctx, "x", ""), ErrClosed)
	_ = v2.ResourceType{}
}

// TestFailedWritePoisonsStore: after a write fails inside the shared transaction the Store
// refuses further writes; a resume sees exactly what was committed with the last checkpoint.
func TestFailedWritePoisonsStore(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir := t.TempDir()
	out := filepath.Join(dir, "out.c1z")
	opts := Options{TempDir: filepath.Join(dir, "tmp")}
	s, err := Open(ctx, out, opts)
	require.NoError(t, err)
	run, err := s.StartSync(ctx, SyncTypeFull, "")
	require.NoError(t, err)
	require.NoError(t, s.PutResources(ctx, run.ID, userRes("a")))
	require.NoError(t, s.Checkpoint(ctx, run.ID, "after-a"))
	require.NoError(t, s.PutResources(ctx, run.ID, userRes("b"))) // not committed yet

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	require.ErrorIs(t, s.PutResources(cancelled, run.ID, userRes("x")), context.Canceled)
	require.NoError(t, s.PutResources(ctx, run.ID, userRes("c")), "a cancelled call before writing does no harm")

	err = s.write(ctx, writeOpts{rows: 1}, func(c *sql.Conn) error {
		_, err := c.ExecContext(ctx, "INSERT INTO no_such_table VALUES (1)")
		return err
	})
	require.ErrorContains(t, err, "no such table")
	require.ErrorContains(t, s.PutResources(ctx, run.ID, userRes("d")), "an earlier write failed")
	require.ErrorContains(t, s.Checkpoint(ctx, run.ID, "after-d"), "an earlier write failed")
	require.NoError(t, s.Close())

	s, err = Open(ctx, out, opts)
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Discard()) }()
	got, err := s.LatestUnfinishedSync(ctx, SyncTypeFull, 0)
	require.NoError(t, err)
	require.Equal(t, "after-a", got.Token)
	page, _, err := s.ResourcesPage(ctx, run.ID, "user", 0, 10)
	require.NoError(t, err)
	require.Len(t, page, 1, "only the rows committed with the checkpoint survive")
}
