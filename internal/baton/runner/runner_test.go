package runner

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	stdsync "sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/baton-confluence/baton-confluence/internal/baton/c1z"
	"github.com/baton-confluence/baton-confluence/internal/baton/logging"
	"github.com/baton-confluence/baton-confluence/internal/baton/sync"
	"github.com/baton-confluence/baton-confluence/internal/baton/sync/fakeconnector"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func config() fakeconnector.Config {
	return fakeconnector.Config{Users: 30, Groups: 4, Spaces: 5, MembersPerGroup: 9,
		UserGrantsPerSpace: 3, GroupGrantsPerSpace: 2, RolesPerSpace: 1, PageSize: 5}
}

func observed(ctx context.Context) (context.Context, *observer.ObservedLogs) {
	core, logs := observer.New(zap.InfoLevel)
	return logging.With(ctx, zap.New(core)), logs
}

func requireEmptyDir(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Empty(t, entries, "leftovers in %s", dir)
}

// syncs lists the sync runs of a saved file.
func syncs(t *testing.T, path string) []*c1z.SyncRun {
	t.Helper()
	r, err := c1z.OpenReader(t.Context(), path, c1z.ReaderOptions{TempDir: t.TempDir()})
	require.NoError(t, err)
	defer r.Close()
	runs, err := r.Syncs(t.Context())
	require.NoError(t, err)
	return runs
}

func TestOneShotSync(t *testing.T) {
	t.Parallel()
	ctx, logs := observed(t.Context())
	path, tmp := filepath.Join(t.TempDir(), "sync.c1z"), t.TempDir()
	o := &OneShot{File: path, TempDir: tmp, Connector: fakeconnector.New(config())}
	require.NoError(t, o.Run(ctx))
	require.FileExists(t, path)
	requireEmptyDir(t, tmp)
	lines := logs.FilterMessage("sync written to " + path).All()
	require.Len(t, lines, 1)
	fields := lines[0].ContextMap()
	require.Equal(t, int64(30+4+5+5), fields["resources"])
	require.Positive(t, fields["size_bytes"])

	// A second run appends a second sync to the same file.
	require.NoError(t, o.Run(ctx))
	runs := syncs(t, path)
	require.Len(t, runs, 2)
	for _, r := range runs {
		require.True(t, r.Finished())
	}
	requireEmptyDir(t, tmp)
}

func TestOneShotFailureKeepsProgressAndResumes(t *testing.T) {
	t.Parallel()
	ctx, logs := observed(t.Context())
	path, tmp := filepath.Join(t.TempDir(), "sync.c1z"), t.TempDir()
	cfg := config()
	cfg.Fail = func(c fakeconnector.Call) error {
		if c.Op == "grants" && c.ResourceType == "space" {
			return errors.New("boom")
		}
		return nil
	}
	o := &OneShot{File: path, TempDir: tmp, Connector: fakeconnector.New(cfg), Sync: sync.Options{Workers: 1}}
	err := o.Run(ctx)
	require.ErrorContains(t, err, `list grants for space 1000 (page 1): boom (progress was kept: running the same command again resumes the sync)`)
	require.NoFileExists(t, path)
	entries, err := os.ReadDir(tmp)
	require.NoError(t, err)
	require.NotEmpty(t, entries, "the working copy is kept for the next run")

	o.Connector = fakeconnector.New(config())
	require.NoError(t, o.Run(ctx))
	require.NotEmpty(t, logs.FilterMessage("resuming unfinished sync").All())
	require.Len(t, syncs(t, path), 1)
	requireEmptyDir(t, tmp)
}

func TestOneShotDiscardsStaleWorkingCopy(t *testing.T) {
	t.Parallel()
	ctx, logs := observed(t.Context())
	path, tmp := filepath.Join(t.TempDir(), "sync.c1z"), t.TempDir()
	cfg := config()
	cfg.Fail = func(c fakeconnector.Call) error {
		if c.Op == "entitlements" {
			return errors.New("boom")
		}
		return nil
	}
	o := &OneShot{File: path, TempDir: tmp, Connector: fakeconnector.New(cfg), Sync: sync.Options{Fingerprint: "a"}}
	require.Error(t, o.Run(ctx))

	o.Connector, o.Sync.Fingerprint = fakeconnector.New(config()), "b"
	require.NoError(t, o.Run(ctx))
	require.NotEmpty(t, logs.FilterMessage("discarding the unfinished sync of a previous run: the configuration or sync options changed since it started").All())
	require.Empty(t, logs.FilterMessage("resuming unfinished sync").All())
	require.Len(t, syncs(t, path), 1, "the abandoned sync must not reach the output")
	requireEmptyDir(t, tmp)
}

func TestOneShotCancel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	cfg := config()
	var once stdsync.Once
	cfg.Fail = func(c fakeconnector.Call) error {
		if c.Op == "entitlements" {
			once.Do(cancel)
		}
		return nil
	}
	path, tmp := filepath.Join(t.TempDir(), "sync.c1z"), t.TempDir()
	o := &OneShot{File: path, TempDir: tmp, Connector: fakeconnector.New(cfg)}
	err := o.Run(ctx)
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorContains(t, err, "sync interrupted; run the same command again to resume")
	require.NoFileExists(t, path)

	o.Connector = fakeconnector.New(config())
	require.NoError(t, o.Run(t.Context()))
	requireEmptyDir(t, tmp)
}

// TestGrantIndexesReachTheStore: the option decides what Save does, in both ways of syncing.
func TestGrantIndexesReachTheStore(t *testing.T) {
	t.Parallel()
	omitted := func(logs *observer.ObservedLogs) int {
		return logs.FilterMessageSnippet("grant indexes are left out").Len()
	}
	for _, mode := range []c1z.GrantIndexes{c1z.GrantIndexesAuto, c1z.GrantIndexesOmit} {
		want := 0
		if mode == c1z.GrantIndexesOmit {
			want = 1
		}
		ctx, logs := observed(t.Context())
		o := &OneShot{File: filepath.Join(t.TempDir(), "sync.c1z"), TempDir: t.TempDir(), GrantIndexes: mode,
			Connector: fakeconnector.New(config())}
		require.NoError(t, o.Run(ctx))
		require.Equal(t, want, omitted(logs), "one-shot, %s", mode)

		ctx, logs = observed(t.Context())
		path := filepath.Join(t.TempDir(), "task.c1z")
		require.NoError(t, SyncToFile(ctx, fakeconnector.New(config()), path, c1z.Options{TempDir: t.TempDir(), GrantIndexes: mode}, sync.Options{}))
		require.Equal(t, want, omitted(logs), "service mode, %s", mode)
	}
}

func TestSyncToFile(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	path := filepath.Join(t.TempDir(), "task.c1z")
	require.NoError(t, SyncToFile(t.Context(), fakeconnector.New(config()), path, c1z.Options{TempDir: tmp}, sync.Options{}))
	require.Len(t, syncs(t, path), 1)
	requireEmptyDir(t, tmp)

	err := SyncToFile(t.Context(), fakeconnector.New(config()), path, c1z.Options{TempDir: tmp}, sync.Options{})
	require.ErrorContains(t, err, "the file already exists")

	failing := config()
	failing.Validate = errors.New("bad credentials")
	other := filepath.Join(t.TempDir(), "other.c1z")
	err = SyncToFile(t.Context(), fakeconnector.New(failing), other, c1z.Options{TempDir: tmp}, sync.Options{})
	require.ErrorContains(t, err, "validate connector: bad credentials")
	require.NoFileExists(t, other)
	requireEmptyDir(t, tmp)

	empty := filepath.Join(t.TempDir(), "empty.c1z")
	require.NoError(t, SyncToFile(t.Context(), fakeconnector.New(config()), empty, c1z.Options{TempDir: tmp}, sync.Options{Empty: true}))
	runs := syncs(t, empty)
	require.Len(t, runs, 1)
	require.Equal(t, "full", runs[0].Type)
	requireEmptyDir(t, tmp)
}

// synced returns a file holding a sync of config() and the temp dir used for lookups.
func synced(t *testing.T) (string, string) {
	t.Helper()
	path, tmp := filepath.Join(t.TempDir(), "sync.c1z"), t.TempDir()
	o := &OneShot{File: path, TempDir: tmp, Connector: fakeconnector.New(config())}
	require.NoError(t, o.Run(t.Context()))
	return path, tmp
}

func TestOneShotGrant(t *testing.T) {
	t.Parallel()
	path, tmp := synced(t)
	tests := []struct {
		name, ent, ptype, pid string
		wantOut, wantErr      string
	}{
		{name: "new", ent: "group:g1:member", ptype: "user", pid: "u0",
			wantOut: "granted entitlement group:g1:member to user:u0\ngrant group:g1:member:user:u0\n"},
		{name: "already exists", ent: "group:g1:member", ptype: "user", pid: "u9",
			wantOut: "user:u9 already has entitlement group:g1:member\ngrant group:g1:member:user:u9\n"},
		{name: "entitlement not found", ent: "group:nope:member", ptype: "user", pid: "u0",
			wantErr: "entitlement group:nope:member not found in sync.c1z: run a sync first"},
		{name: "principal not found", ent: "group:g1:member", ptype: "user", pid: "nobody",
			wantErr: "principal user:nobody not found in sync.c1z: run a sync first"},
		{name: "not provisionable", ent: "space:1000:perm0", ptype: "user", pid: "u0",
			wantErr: "grant space:1000:perm0 to user:u0: grant space:1000:perm0: space: resource type does not support provisioning"},
		{name: "missing principal type", ent: "group:g1:member", pid: "u0",
			wantErr: "grant: --grant-entitlement, --grant-principal and --grant-principal-type are required together"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			o := &OneShot{File: path, TempDir: t.TempDir(), Connector: fakeconnector.New(config()), Out: &out,
				GrantEntitlement: tt.ent, GrantPrincipalType: tt.ptype, GrantPrincipal: tt.pid}
			err := o.Run(t.Context())
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
			} else {
				require.NoError(t, err)
			}
			require.Equal(t, tt.wantOut, out.String())
			requireEmptyDir(t, o.TempDir)
		})
	}
	requireEmptyDir(t, tmp)
}

func TestOneShotRevoke(t *testing.T) {
	t.Parallel()
	path, _ := synced(t)
	conn := fakeconnector.New(config())
	var out bytes.Buffer
	lookups := t.TempDir()
	o := &OneShot{File: path, TempDir: lookups, Connector: conn, Out: &out, RevokeGrant: "group:g1:member:user:u9"}
	require.NoError(t, o.Run(t.Context()))
	require.NoError(t, o.Run(t.Context()))
	require.Equal(t, "revoked grant group:g1:member:user:u9\ngrant group:g1:member:user:u9 was already revoked\n", out.String())

	o.RevokeGrant = "group:g1:member:user:nobody"
	require.EqualError(t, o.Run(t.Context()), "grant group:g1:member:user:nobody not found in sync.c1z: run a sync first")

	missing := &OneShot{File: filepath.Join(t.TempDir(), "none.c1z"), TempDir: lookups, Connector: conn, RevokeGrant: "x"}
	require.ErrorContains(t, missing.Run(t.Context()), "none.c1z does not exist: run a sync first")
	requireEmptyDir(t, lookups)
}
