package sync

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
	"github.com/baton-confluence/baton-confluence/internal/baton/sync/fakeconnector"
)

func TestPartialSync(t *testing.T) {
	t.Parallel()
	ctx, logs := observed(t.Context())
	path, tmp := filepath.Join(t.TempDir(), "sync.c1z"), t.TempDir()
	_, err := syncFile(ctx, path, tmp, fakeconnector.New(smallConfig()), Options{})
	require.NoError(t, err)
	full := dump(t, path)

	conn := fakeconnector.New(smallConfig())
	res, err := syncFile(ctx, path, tmp, conn, Options{TargetedResources: []*v2.ResourceId{
		{ResourceType: "space", Resource: "1003"}, {ResourceType: "user", Resource: "u1"},
	}})
	require.NoError(t, err)
	require.Equal(t, TypePartial, res.SyncType)
	requireClean(t, tmp, path)

	p := dumpType(t, path, TypePartial)
	require.Equal(t, []string{"group", "part", "role", "space", "user"}, p.ids("v1_resource_types"))
	require.Equal(t, []string{"space:1003"}, p.ids("v1_resources"))
	require.Equal(t, []string{"space:1003:perm0", "space:1003:perm1", "space:1003:perm2"}, p.ids("v1_entitlements"))
	// Partial syncs keep grants whose principal lives in the parent sync (even unknown ones) and
	// never expand.
	require.Len(t, p.Tables["v1_grants"], 5+3+1)
	for _, row := range p.Tables["v1_grants"] {
		require.NotContains(t, row, hexOf("GrantImmutable"))
		require.True(t, strings.HasPrefix(row, "space:1003:"), row)
	}
	require.NotEmpty(t, logs.FilterMessage("resource type does not support targeted sync; skipping resource").All())
	for _, c := range conn.Calls() {
		require.NotEqual(t, "list", c.Op, "a partial sync lists nothing")
	}
	// The full sync is still what readers show.
	require.Equal(t, full, dump(t, path))

	db := openDB(t, path)
	var parent string
	require.NoError(t, db.QueryRow("SELECT parent_sync_id FROM v1_sync_runs WHERE sync_id = ?", p.SyncID).Scan(&parent))
	require.Equal(t, full.SyncID, parent)
}

func TestPartialUnknownType(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sync.c1z")
	_, err := syncFile(t.Context(), path, t.TempDir(), fakeconnector.New(smallConfig()), Options{
		ResourceTypeIDs: []string{"user"}, TargetedResources: []*v2.ResourceId{{ResourceType: "space", Resource: "1003"}}})
	require.ErrorContains(t, err, `targeted resource space:1003: resource type "space" is not part of the sync`)
}

func TestEmptySync(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sync.c1z")
	conn := fakeconnector.New(smallConfig())
	_, err := syncFile(t.Context(), path, t.TempDir(), conn, Options{Empty: true})
	require.NoError(t, err)
	c := dump(t, path)
	require.Equal(t, TypeFull, c.Type)
	for _, tbl := range contentTables {
		require.Empty(t, c.Tables[tbl], tbl)
	}
	require.Empty(t, conn.Calls())
}
