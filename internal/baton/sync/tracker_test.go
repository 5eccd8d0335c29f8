package sync

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/internal/baton/sync/fakeconnector"
)

func mkUnit(i int) *unit {
	return &unit{key: fmt.Sprint("k", i), pos: scanPos{T: i + 1}}
}

func TestTrackerPrefixAndSnapshot(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	trk := newTracker(nil, 4)
	us := make([]*unit, 4)
	for i := range us {
		us[i] = mkUnit(i)
		live, err := trk.admit(ctx, us[i])
		require.NoError(t, err)
		require.True(t, live)
	}
	// The window is full: a fifth unit waits.
	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	_, err := trk.admit(short, mkUnit(4))
	require.ErrorIs(t, err, context.DeadlineExceeded)

	trk.advance(us[0], "p2")
	trk.finish(us[1])
	trk.advance(us[3], "x")
	snap := trk.snapshot()
	require.Equal(t, scanPos{}, snap.Pos)
	require.Equal(t, []string{"k1"}, snap.Done)
	require.Equal(t, map[string]string{"k0": "p2", "k3": "x"}, snap.Open)

	trk.finish(us[0])
	snap = trk.snapshot()
	require.Equal(t, 2, snap.Pos.T, "prefix moved past k0 and k1")
	require.Empty(t, snap.Done)
	require.Equal(t, map[string]string{"k3": "x"}, snap.Open)

	// Resuming from the snapshot: k2 starts fresh, k3 at its token, a done unit is skipped.
	snap.Done = []string{"k4"}
	re := newTracker(snap, 4)
	require.Equal(t, 2, re.start().T)
	u2, u3, u4 := mkUnit(2), mkUnit(3), mkUnit(4)
	for _, c := range []struct {
		u     *unit
		live  bool
		token string
	}{{u2, true, ""}, {u3, true, "x"}, {u4, false, ""}} {
		live, err := re.admit(ctx, c.u)
		require.NoError(t, err)
		require.Equal(t, c.live, live, c.u.key)
		require.Equal(t, c.token, re.resumeToken(c.u), c.u.key)
	}
	re.finish(u2)
	re.finish(u3)
	require.Equal(t, 5, re.snapshot().Pos.T)
}

func TestStateRoundTrip(t *testing.T) {
	t.Parallel()
	st := newState("fp")
	st.Phase = phaseGrants
	st.Cursor = &cursor{Pos: scanPos{T: 2, Cur: []pageCur{{After: 10, Skip: 3}}}, Done: []string{"a"}, Open: map[string]string{"b": "t"}}
	st.Dropped["user"] = 3
	back, err := parseState(st.encode())
	require.NoError(t, err)
	require.Equal(t, st, back)

	for _, bad := range []string{"", "{", `{"engine":"other","engine_version":1,"phase":"grants"}`,
		`{"engine":"baton-confluence","engine_version":99,"phase":"grants"}`,
		`{"engine":"baton-confluence","engine_version":1,"phase":"nope"}`,
		`{"current_action_id":25,"needs_expansion":true,"version":1}`,
		`{"engine":"baton-confluence","engine_version":1,"phase":"grants","round":-1}`,
		`{"engine":"baton-confluence","engine_version":1,"phase":"grants","cursor":{"pos":{"t":-1}}}`,
		`{"engine":"baton-confluence","engine_version":1,"phase":"grants","cursor":{"pos":{"t":1,"c":[{"a":3},{"s":-2}]}}}`,
		`{"engine":"baton-confluence","engine_version":1,"phase":"grants","cursor":{"pos":{"t":0,"c":[{"a":-3}]}}}`} {
		_, err := parseState(bad)
		require.Error(t, err, bad)
	}
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(st.encode()), &m))
	require.Equal(t, "baton-confluence", m["engine"])
}

func TestWorkersIdenticalContent(t *testing.T) {
	t.Parallel()
	cfg := smallConfig()
	want := reference(t, cfg, Options{Workers: 1})
	for _, workers := range []int{2, 8, 32} {
		t.Run(fmt.Sprint("workers=", workers), func(t *testing.T) {
			t.Parallel()
			delayed := cfg
			var mu stdsync.Mutex
			rng := rand.New(rand.NewPCG(uint64(workers), 7))
			delayed.Delay = func() time.Duration {
				mu.Lock()
				defer mu.Unlock()
				return time.Duration(rng.IntN(300)) * time.Microsecond
			}
			path := filepath.Join(t.TempDir(), "sync.c1z")
			_, err := syncFile(t.Context(), path, t.TempDir(), fakeconnector.New(delayed), Options{Workers: workers})
			require.NoError(t, err)
			got := dump(t, path)
			for _, tbl := range contentTables {
				require.Equal(t, want.Tables[tbl], got.Tables[tbl], tbl)
			}
		})
	}
}

func TestProgressHook(t *testing.T) {
	t.Parallel()
	var mu stdsync.Mutex
	var got []Progress
	path := filepath.Join(t.TempDir(), "sync.c1z")
	_, err := syncFile(t.Context(), path, t.TempDir(), fakeconnector.New(smallConfig()), Options{Progress: func(p Progress) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, p)
	}})
	require.NoError(t, err)
	var done []string
	for _, p := range got {
		if p.Done {
			done = append(done, fmt.Sprintf("%s/%s/%d", p.Phase, p.ResourceType, p.Items))
		}
	}
	for _, want := range []string{"resource-types//5", "resources/user/40", "resources/space/9", "resources//55",
		"child-resources/space/18", "child-resources/role/36", "static-entitlements/role/18",
		"entitlements/space/27", "entitlements/group/6", "grants/group/54", "grants/space/56", "grants/role/18"} {
		require.True(t, slices.Contains(done, want), "missing %s in %v", want, done)
	}
}

func TestPeriodicProgressLines(t *testing.T) {
	t.Parallel()
	ctx, logs := observed(t.Context())
	var mu stdsync.Mutex
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Second)
		return now
	}
	path := filepath.Join(t.TempDir(), "sync.c1z")
	_, err := syncFile(ctx, path, t.TempDir(), fakeconnector.New(smallConfig()), Options{Now: clock, Workers: 1})
	require.NoError(t, err)
	lines := logs.FilterMessageSnippet("units done").All()
	require.NotEmpty(t, lines)
	var grants bool
	for _, l := range lines {
		grants = grants || strings.HasPrefix(l.Message, "grants: ") && strings.Contains(l.Message, "/33 units done")
		var phase string
		var done, total int
		if n, _ := fmt.Sscanf(l.Message, "%s %d/%d units done", &phase, &done, &total); n == 3 {
			require.LessOrEqual(t, done, total, l.Message)
		}
	}
	require.True(t, grants, "a periodic grants line with the unit total: %v", lines)
}
