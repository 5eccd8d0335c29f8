package sync

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	stdsync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/internal/baton/sync/fakeconnector"
)

type retryAfterErr struct{ d time.Duration }

func (e retryAfterErr) Error() string             { return "slow down" }
func (e retryAfterErr) RetryAfter() time.Duration { return e.d }

type tempErr struct{}

func (tempErr) Error() string   { return "temporarily unavailable" }
func (tempErr) Temporary() bool { return true }

// reference returns the content of an uninterrupted sync of cfg.
func reference(t *testing.T, cfg fakeconnector.Config, opts Options) content {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ref.c1z")
	_, err := syncFile(t.Context(), path, t.TempDir(), fakeconnector.New(cfg), opts)
	require.NoError(t, err)
	return dump(t, path)
}

func TestPermanentErrorThenResume(t *testing.T) {
	t.Parallel()
	cfg := smallConfig()
	want := reference(t, cfg, Options{Workers: 1})
	path, tmp := filepath.Join(t.TempDir(), "sync.c1z"), t.TempDir()

	// A previous good file must survive a failed sync untouched.
	_, err := syncFile(t.Context(), path, tmp, fakeconnector.New(cfg), Options{Workers: 1})
	require.NoError(t, err)
	before, err := os.ReadFile(path)
	require.NoError(t, err)

	failing := cfg
	failing.Fail = func(c fakeconnector.Call) error {
		if c.Op == "grants" && c.Resource == "1002" && c.Token == "4" {
			return errors.New("boom")
		}
		return nil
	}
	conn := fakeconnector.New(failing)
	ctx, logs := observed(t.Context())
	_, err = syncFile(ctx, path, tmp, conn, Options{Workers: 8})
	require.EqualError(t, err, `list grants for space 1002 (page 2): boom`)
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, before, after, "a failed sync must not touch the output")
	require.Empty(t, logs.FilterMessageSnippet("could not save").All(), "the final checkpoint must succeed")

	again := fakeconnector.New(cfg)
	res, err := syncFile(t.Context(), path, tmp, again, Options{Workers: 1})
	require.NoError(t, err)
	require.True(t, res.Resumed)
	require.Equal(t, want.Tables, dump(t, path).Tables)
	requireClean(t, tmp, path)
	for _, c := range again.Calls() {
		require.NotEqual(t, "list", c.Op, "a resumed sync in the grants phase lists no resources")
		if c.Op == "grants" && c.Resource == "1002" {
			require.Equal(t, "4", c.Token, "the in-flight unit resumes at its failed page")
			break
		}
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	t.Parallel()
	cfg := smallConfig()
	var n atomic.Int32
	cfg.Fail = func(c fakeconnector.Call) error {
		if c.Op == "grants" && c.Resource == "1003" && c.Token == "" && n.Add(1) <= 2 {
			return retryAfterErr{7 * time.Second}
		}
		return nil
	}
	sl := &noSleep{}
	path := filepath.Join(t.TempDir(), "sync.c1z")
	_, err := syncFile(t.Context(), path, t.TempDir(), fakeconnector.New(cfg), Options{Sleep: sl.sleep})
	require.NoError(t, err)
	require.Equal(t, []time.Duration{7 * time.Second, 7 * time.Second}, sl.got())
	require.Equal(t, reference(t, smallConfig(), Options{}).Tables, dump(t, path).Tables)
}

func TestTransientBackoffCapped(t *testing.T) {
	t.Parallel()
	cfg := smallConfig()
	cfg.Fail = func(c fakeconnector.Call) error {
		if c.Op == "grants" && c.Resource == "g2" {
			return tempErr{}
		}
		return nil
	}
	conn := fakeconnector.New(cfg)
	sl := &noSleep{}
	path := filepath.Join(t.TempDir(), "sync.c1z")
	_, err := syncFile(t.Context(), path, t.TempDir(), conn, Options{Sleep: sl.sleep, Workers: 1})
	require.EqualError(t, err, "list grants for group g2 (page 1): temporarily unavailable")
	delays := sl.got()
	require.Len(t, delays, maxTransientAttempts-1)
	for i, d := range delays {
		ceil := min(backoffBase<<i, backoffCap)
		require.GreaterOrEqual(t, d, ceil/2, "attempt %d", i)
		require.LessOrEqual(t, d, ceil, "attempt %d", i)
	}
	calls := 0
	for _, c := range conn.Calls() {
		if c.Op == "grants" && c.Resource == "g2" {
			calls++
		}
	}
	require.Equal(t, maxTransientAttempts, calls)
	require.NoFileExists(t, path)
}

func TestTransientDelayBounds(t *testing.T) {
	t.Parallel()
	for attempt := range 70 {
		d := transientDelay(attempt)
		require.LessOrEqual(t, d, backoffCap)
		require.GreaterOrEqual(t, d, min(backoffBase<<min(attempt, 20), backoffCap)/2)
	}
	require.Equal(t, retryAfterFloor, retryAfterDelay(0))
	require.Equal(t, retryAfterCap, retryAfterDelay(time.Hour))
	require.Equal(t, 3*time.Second, retryAfterDelay(3*time.Second))
}

func TestCancelStopsPromptlyAndResumes(t *testing.T) {
	t.Parallel()
	cfg := smallConfig()
	want := reference(t, cfg, Options{})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var n, after atomic.Int32
	var once stdsync.Once
	cut := cfg
	cut.Fail = func(fakeconnector.Call) error {
		if n.Add(1) >= 60 {
			once.Do(cancel)
			after.Add(1)
		}
		return nil
	}
	path, tmp := filepath.Join(t.TempDir(), "sync.c1z"), t.TempDir()
	_, err := syncFile(ctx, path, tmp, fakeconnector.New(cut), Options{Workers: 4})
	require.ErrorIs(t, err, context.Canceled)
	require.LessOrEqual(t, after.Load(), int32(4), "calls made after cancellation")
	require.NoFileExists(t, path)

	res, err := syncFile(t.Context(), path, tmp, fakeconnector.New(cfg), Options{Workers: 4})
	require.NoError(t, err)
	require.True(t, res.Resumed)
	require.Equal(t, want.Tables, dump(t, path).Tables)
	requireClean(t, tmp, path)
}

func TestResumeRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		second Options
		reason string
	}{
		{"fingerprint changed", Options{Fingerprint: "other"}, "the configuration or sync options changed since it started"},
		{"options changed", Options{Fingerprint: "fp", SkipGrants: true}, "the configuration or sync options changed since it started"},
		{"too old", Options{Fingerprint: "fp", Now: func() time.Time { return time.Now().Add(8 * 24 * time.Hour) }},
			"it started 192h0m0s ago, more than the 168h0m0s a sync may be resumed after"},
		{"other sync type", Options{Fingerprint: "fp", SyncType: TypeResourcesOnly},
			"it is a full sync and this run makes a resources_only sync"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := smallConfig()
			failing := cfg
			failing.Fail = func(c fakeconnector.Call) error {
				if c.Op == "entitlements" {
					return errors.New("boom")
				}
				return nil
			}
			path, tmp := filepath.Join(t.TempDir(), "sync.c1z"), t.TempDir()
			_, err := syncFile(t.Context(), path, tmp, fakeconnector.New(failing), Options{Fingerprint: "fp"})
			require.ErrorContains(t, err, "boom")

			store := openStore(t, path, tmp)
			rc, err := CheckResume(t.Context(), store, tt.second)
			require.NoError(t, err)
			require.NotNil(t, rc)
			require.False(t, rc.Resumable)
			require.Equal(t, tt.reason, rc.Reason)
			res, err := Run(t.Context(), store, fakeconnector.New(cfg), tt.second)
			require.NoError(t, err)
			require.False(t, res.Resumed)
			require.NoError(t, store.Discard())
		})
	}
}
