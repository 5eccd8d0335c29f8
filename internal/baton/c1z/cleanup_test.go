package c1z

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPlanCleanup(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(h int) time.Time { return base.Add(time.Duration(h) * time.Hour) }
	run := func(id, typ string, start, end int, linked string) cleanupRun {
		r := cleanupRun{SyncRun: SyncRun{ID: id, Type: typ, StartedAt: at(start)}, linked: linked}
		if end >= 0 {
			r.EndedAt = at(end)
		}
		return r
	}
	tests := []struct {
		name    string
		runs    []cleanupRun
		current string
		keep    int
		want    []string
	}{
		{"nothing to delete", []cleanupRun{run("f1", "full", 0, 1, ""), run("f2", "full", 2, -1, "")}, "f2", 2, []string{}},
		{"keeps two full syncs including the open one",
			[]cleanupRun{run("f1", "full", 0, 1, ""), run("f2", "full", 2, 3, ""), run("f3", "full", 4, -1, "")}, "f3", 2, []string{"f1"}},
		{"current already ended counts as kept",
			[]cleanupRun{run("f1", "full", 0, 1, ""), run("f2", "full", 2, 3, ""), run("f3", "full", 4, 5, "")}, "f3", 2, []string{"f1"}},
		{"keep three", []cleanupRun{run("f1", "full", 0, 1, ""), run("f2", "full", 2, 3, ""), run("f3", "full", 4, -1, "")}, "f3", 3, []string{}},
		{"partial before the oldest kept full goes, after it stays",
			[]cleanupRun{run("f1", "full", 0, 1, ""), run("p1", "partial", 1, 2, ""), run("f2", "full", 3, 4, ""),
				run("p2", "partial", 5, 6, ""), run("r1", "resources_only", 6, 7, ""), run("f3", "full", 8, -1, "")},
			"f3", 2, []string{"f1", "p1"}},
		{"abandoned unfinished syncs before the oldest kept full go",
			[]cleanupRun{run("u1", "full", 0, -1, ""), run("f1", "full", 1, 2, ""), run("u2", "partial", 3, -1, ""), run("f2", "full", 4, -1, "")},
			"f2", 2, []string{"u1"}},
		{"only the newest diff sync and its twin stay",
			[]cleanupRun{run("d1", "partial_upserts", 0, 1, "d2"), run("d2", "partial_deletions", 0, 1, "d1"),
				run("d3", "partial_upserts", 2, 3, "d4"), run("d4", "partial_deletions", 2, 3, "d3"), run("f1", "full", 4, -1, "")},
			"f1", 2, []string{"d1", "d2"}},
		{"a partial current sync keeps N full syncs",
			[]cleanupRun{run("f1", "full", 0, 1, ""), run("f2", "full", 2, 3, ""), run("f3", "full", 4, 5, ""), run("p", "partial", 6, -1, "")},
			"p", 2, []string{"f1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, planCleanup(tt.runs, tt.current, tt.keep))
		})
	}
}

// TestCleanupEnv is not parallel: it sets BATON_KEEP_SYNC_COUNT and BATON_SKIP_CLEANUP.
func TestCleanupEnv(t *testing.T) {
	ctx := t.Context()
	clock := newClock()
	s, _ := newStore(t, Options{Now: clock.Now})
	var last *SyncRun
	for range 4 {
		clock.Advance(time.Minute)
		last = writeSync(t, s, "a")
	}
	count := func() int {
		t.Helper()
		var n int
		require.NoError(t, s.rdb.QueryRow("SELECT count(*) FROM v1_sync_runs").Scan(&n))
		return n
	}
	t.Setenv("BATON_SKIP_CLEANUP", "true")
	require.NoError(t, s.Cleanup(ctx, last.ID))
	require.Equal(t, 4, count())
	t.Setenv("BATON_SKIP_CLEANUP", "")
	t.Setenv("BATON_KEEP_SYNC_COUNT", "3")
	require.NoError(t, s.Cleanup(ctx, last.ID))
	require.Equal(t, 3, count())
	var rows int
	require.NoError(t, s.rdb.QueryRow("SELECT count(*) FROM v1_resources").Scan(&rows))
	require.Equal(t, 3, rows, "the deleted sync's rows are gone too")
}
