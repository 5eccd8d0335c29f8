package runner

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/internal/baton/c1z"
	"github.com/baton-confluence/baton-confluence/internal/baton/sync/fakeconnector"
)

// codedError stands for a SQLite driver error (it has a Code method).
type codedError struct{ code int }

func (e codedError) Error() string { return fmt.Sprintf("sqlite error (%d)", e.code) }
func (e codedError) Code() int     { return e.code }

func TestWithDiskFullHint(t *testing.T) {
	t.Parallel()
	enospc := &fs.PathError{Op: "write", Path: "/tmp/x/db", Err: syscall.ENOSPC}
	tests := []struct {
		name  string
		err   error
		stage stage
		want  []string // every line must be in the message; nil: err comes back unchanged
	}{
		{name: "c1z sentinel while loading", err: fmt.Errorf("open f: %w", c1z.ErrDiskFull), stage: stageWorking,
			want: []string{"open f: no space left on device", "temp dir /work/tmp", "--c1z-temp-dir", "nothing was written to /out/sync.c1z", "run the same command again"}},
		{name: "ENOSPC in a path error", err: fmt.Errorf("sync: %w", enospc), stage: stageWorking,
			want: []string{"no space left on device", "temp dir /work/tmp"}},
		{name: "SQLITE_FULL", err: fmt.Errorf("commit: %w", codedError{13}), stage: stageWorking, want: []string{"The disk is full"}},
		{name: "extended SQLITE_FULL", err: codedError{13 | 3<<8}, stage: stageWorking, want: []string{"The disk is full"}},
		{name: "full while saving", err: fmt.Errorf("save: %w", enospc), stage: stageSave,
			want: []string{"/out/sync.c1z was not replaced", "Free some disk space in /out", "temp dir /work/tmp"}},
		{name: "busy is not full", err: codedError{5}},
		{name: "other error", err: errors.New("authentication failed")},
		{name: "no error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := withDiskFullHint(tt.err, tt.stage, "/out/sync.c1z", "/work/tmp")
			if tt.want == nil {
				require.Equal(t, tt.err, got)
				return
			}
			require.ErrorIs(t, got, tt.err, "the cause stays in the chain")
			for _, w := range tt.want {
				require.Contains(t, got.Error(), w)
			}
		})
	}
}

func TestWithDiskFullHintDefaultTempDir(t *testing.T) {
	t.Parallel()
	got := withDiskFullHint(c1z.ErrDiskFull, stageWorking, "sync.c1z", "")
	require.Contains(t, got.Error(), "temp dir "+os.TempDir())
}

// TestOneShotSummaryWithoutOSTempDir: the summary of a finished sync (its counts) needs no
// temporary copy of the saved file, neither in the OS temp dir (here unusable) nor in the
// configured one, which ends empty. Not parallel: it sets TMPDIR.
func TestOneShotSummaryWithoutOSTempDir(t *testing.T) {
	blocker := filepath.Join(t.TempDir(), "a-file")
	require.NoError(t, os.WriteFile(blocker, nil, 0o600))
	t.Setenv("TMPDIR", filepath.Join(blocker, "dir")) // no directory can be made there
	ctx, logs := observed(t.Context())
	path, tmp := filepath.Join(t.TempDir(), "sync.c1z"), t.TempDir()
	o := &OneShot{File: path, TempDir: tmp, Connector: fakeconnector.New(config())}
	require.NoError(t, o.Run(ctx))
	lines := logs.FilterMessage("sync written to " + path).All()
	require.Len(t, lines, 1)
	require.Equal(t, int64(30+4+5+5), lines[0].ContextMap()["resources"], "the sync was counted")
	requireEmptyDir(t, tmp)
}
