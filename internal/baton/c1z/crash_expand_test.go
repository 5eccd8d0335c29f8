package c1z

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// crashSite is the data the expansion crash test expands.
var crashSite = siteShape{users: 200, groups: 12, spaces: 16, membersPerGroup: 20, permsPerSpace: 10, verbs: 6}

// crashDuringExpansion is the child side of TestCrashDuringExpansion: it writes crashSite and
// expands it with the principal index dropped, and stops for good (to be killed) after a few
// destinations, once it has written derived grants.
func crashDuringExpansion(ctx context.Context, s *Store, syncID string) {
	if err := newSite(crashSite).write(ctx, s, syncID); err != nil {
		fmt.Println("error", err)
		return
	}
	n := 0
	s.tune.dropIndexes = true
	s.tune.afterDest = func() {
		if n++; n == 40 {
			var idx int
			_ = s.wconn.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE name = 'idx_grants_principal_id_v1'").Scan(&idx)
			fmt.Println("ready expanding, principal index present:", idx)
			select {}
		}
	}
	_, err := s.ExpandGrants(ctx, syncID)
	fmt.Println("error expansion finished", err)
}

// TestCrashDuringExpansion: a process killed while a bulk expansion writes (database in
// rollback-journal mode, an index dropped) leaves a working directory that the next Open
// repairs: the journal rolled back, every index back, WAL mode, an intact database; expanding
// again gives exactly what an uninterrupted expansion gives.
func TestCrashDuringExpansion(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out, tmp := filepath.Join(dir, "out.c1z"), filepath.Join(dir, "tmp")
	ready := runAndKill(t, "expand", out, tmp)
	require.Equal(t, "expanding, principal index present: 0", ready, "killed while the index was dropped")
	entries, err := filepath.Glob(filepath.Join(tmp, workDirPrefix+"*", dbFileName+"-journal"))
	require.NoError(t, err)
	require.NotEmpty(t, entries, "the child died in the middle of a rollback-journal transaction")

	s, err := Open(t.Context(), out, Options{TempDir: tmp})
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Discard()) }()
	requireAllIndexes(t, s)
	var ok, mode string
	require.NoError(t, s.rdb.QueryRow("PRAGMA integrity_check").Scan(&ok))
	require.Equal(t, "ok", ok)
	require.NoError(t, s.wconn.QueryRowContext(t.Context(), "PRAGMA journal_mode").Scan(&mode))
	require.Equal(t, "wal", mode)
	_, err = os.Stat(entries[0])
	require.ErrorIs(t, err, os.ErrNotExist, "the hot journal was rolled back")

	run, err := s.LatestUnfinishedSync(t.Context(), SyncTypeFull, 0)
	require.NoError(t, err)
	require.NotNil(t, run)
	st, err := s.ExpandGrants(t.Context(), run.ID)
	require.NoError(t, err)
	require.Positive(t, st.Created)
	requireAllIndexes(t, s)

	ref, _ := newStore(t, Options{})
	refRun, err := ref.StartSync(t.Context(), SyncTypeFull, "")
	require.NoError(t, err)
	require.NoError(t, newSite(crashSite).write(t.Context(), ref, refRun.ID))
	_, err = ref.ExpandGrants(t.Context(), refRun.ID)
	require.NoError(t, err)
	got, want := storedRows(t, s, run.ID), storedRows(t, ref, refRun.ID)
	require.Len(t, got, len(want))
	for id, w := range want {
		require.Equal(t, w, got[id], "grant %s", id)
	}
	var n int
	require.NoError(t, s.read(t.Context(), nil, func(db *sql.DB) error {
		return db.QueryRow("SELECT count(*) FROM v1_grants INDEXED BY idx_grants_principal_id_v1 WHERE principal_resource_type_id = 'user'").Scan(&n)
	}))
	require.Equal(t, len(want)-crashSite.spaces*crashSite.permsPerSpace/2, n, "the rebuilt index holds every user grant")
}

// TestExpandCancelled: an expansion cancelled in bulk mode rolls back its open transaction,
// leaves the Store usable (WAL mode, read pool) and lets Save write a file with every index;
// expanding again before saving gives the full result.
func TestExpandCancelled(t *testing.T) {
	t.Parallel()
	for _, again := range []bool{false, true} {
		t.Run(fmt.Sprintf("again=%v", again), func(t *testing.T) {
			t.Parallel()
			s, out := newStore(t, Options{})
			run, err := s.StartSync(t.Context(), SyncTypeFull, "")
			require.NoError(t, err)
			require.NoError(t, newSite(crashSite).write(t.Context(), s, run.ID))
			ctx, cancel := context.WithCancel(t.Context())
			n := 0
			s.tune.dropIndexes = true
			s.tune.afterDest = func() {
				if n++; n == 10 {
					cancel()
				}
			}
			_, err = s.ExpandGrants(ctx, run.ID)
			require.ErrorIs(t, err, context.Canceled)
			s.tune.afterDest = nil
			var mode string
			require.NoError(t, s.wconn.QueryRowContext(t.Context(), "PRAGMA journal_mode").Scan(&mode))
			require.Equal(t, "wal", mode)
			_, err = s.Sync(t.Context(), run.ID)
			require.NoError(t, err, "the read pool is back")
			if again {
				st, err := s.ExpandGrants(t.Context(), run.ID)
				require.NoError(t, err)
				require.Positive(t, st.Created)
			}
			require.NoError(t, s.EndSync(t.Context(), run.ID))
			require.NoError(t, s.Save(t.Context()))
			db := openRaw(t, out)
			var ixs int
			require.NoError(t, db.QueryRow("SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name LIKE 'idx_%'").Scan(&ixs))
			require.Equal(t, len(indexes), ixs, "the saved file has every index")
			var grants int
			require.NoError(t, db.QueryRow("SELECT count(*) FROM v1_grants").Scan(&grants))
			if again {
				require.Greater(t, grants, 1000)
			}
		})
	}
}

// TestResumeAfterSystemRestart: a working directory written without syncing (bulk expansion)
// resumes after its process died, but not after the system restarted (another boot id).
func TestResumeAfterSystemRestart(t *testing.T) {
	t.Parallel()
	if len(bootID()) == 0 {
		t.Skip("no boot id on this system: such working directories are never resumed")
	}
	for _, restarted := range []bool{false, true} {
		t.Run(fmt.Sprintf("restarted=%v", restarted), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			out, opts := filepath.Join(dir, "out.c1z"), Options{TempDir: filepath.Join(dir, "tmp")}
			s, err := Open(t.Context(), out, opts)
			require.NoError(t, err)
			run, err := s.StartSync(t.Context(), SyncTypeFull, "")
			require.NoError(t, err)
			require.NoError(t, newSite(crashSite).write(t.Context(), s, run.ID))
			_, err = s.ExpandGrants(t.Context(), run.ID)
			require.NoError(t, err)
			require.NoError(t, s.Close())
			mark := filepath.Join(s.dir, bulkMarkName)
			require.FileExists(t, mark, "bulk expansion leaves its marker")
			if restarted {
				require.NoError(t, os.WriteFile(mark, []byte("another-boot"), 0o600))
			}

			s, err = Open(t.Context(), out, opts)
			require.NoError(t, err)
			defer func() { require.NoError(t, s.Discard()) }()
			got, err := s.LatestUnfinishedSync(t.Context(), SyncTypeFull, 0)
			require.NoError(t, err)
			if restarted {
				require.Nil(t, got, "the working directory was discarded")
				require.NoFileExists(t, mark)
			} else {
				require.NotNil(t, got, "the working directory was resumed")
				require.Equal(t, run.ID, got.ID)
			}
		})
	}
}
