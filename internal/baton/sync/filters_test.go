package sync

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/internal/baton/sync/fakeconnector"
)

func TestRunFilters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                string
		opts                Options
		wantType            string
		wantTypes           []string
		resources, ents     int
		grants              int // -1: do not check
		derived, expandable bool
	}{
		{name: "resource types", opts: Options{ResourceTypeIDs: []string{"user", "group"}},
			wantType: TypeFull, wantTypes: []string{"group", "user"}, resources: 46, ents: 6, grants: 54},
		{name: "resource types drop grants to unsynced principals", opts: Options{ResourceTypeIDs: []string{"space", "group"}},
			wantType: TypeFull, wantTypes: []string{"group", "space"}, resources: 15, ents: 6 + 27, grants: 7 * 3, expandable: true},
		{name: "resources only", opts: Options{SkipEntitlementsAndGrants: true},
			wantType: TypeResourcesOnly, wantTypes: []string{"group", "part", "role", "space", "user"}, resources: 109},
		{name: "resources_only sync type", opts: Options{SyncType: TypeResourcesOnly},
			wantType: TypeResourcesOnly, wantTypes: []string{"group", "part", "role", "space", "user"}, resources: 109},
		{name: "skip grants", opts: Options{SkipGrants: true},
			wantType: TypeFull, wantTypes: []string{"group", "part", "role", "space", "user"}, resources: 109, ents: 51},
		{name: "skip expansion", opts: Options{SkipExpandGrants: true},
			wantType: TypeFull, wantTypes: []string{"group", "part", "role", "space", "user"}, resources: 109, ents: 51,
			grants: 128, expandable: true},
		{name: "full", opts: Options{},
			wantType: TypeFull, wantTypes: []string{"group", "part", "role", "space", "user"}, resources: 109, ents: 51,
			grants: -1, derived: true, expandable: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "sync.c1z")
			_, err := syncFile(t.Context(), path, t.TempDir(), fakeconnector.New(smallConfig()), tt.opts)
			require.NoError(t, err)
			c := dump(t, path)
			require.Equal(t, tt.wantType, c.Type)
			require.Equal(t, tt.wantTypes, c.ids("v1_resource_types"))
			require.Len(t, c.Tables["v1_resources"], tt.resources)
			require.Len(t, c.Tables["v1_entitlements"], tt.ents)
			if tt.grants >= 0 {
				require.Len(t, c.Tables["v1_grants"], tt.grants)
			}
			var derived, expandable bool
			for _, row := range c.Tables["v1_grants"] {
				expandable = expandable || strings.HasSuffix(row, "/1")
				derived = derived || strings.Contains(row, hexOf("type.googleapis.com/c1.connector.v2.GrantImmutable"))
			}
			require.Equal(t, tt.derived, derived, "derived grants")
			require.Equal(t, tt.expandable, expandable, "expandable grants")
		})
	}
}

func TestRunUnknownResourceType(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	path := filepath.Join(t.TempDir(), "sync.c1z")
	_, err := syncFile(t.Context(), path, tmp, fakeconnector.New(smallConfig()), Options{ResourceTypeIDs: []string{"user", "nope"}})
	require.ErrorContains(t, err, `unknown resource type "nope" in --sync-resource-types (known: user, group, space, role, part)`)
	require.NoFileExists(t, path)
}

func TestRunTraitCheck(t *testing.T) {
	t.Parallel()
	cfg := smallConfig()
	cfg.NoTraitUser = fakeconnector.UserID(13)
	path := filepath.Join(t.TempDir(), "sync.c1z")
	_, err := syncFile(t.Context(), path, t.TempDir(), fakeconnector.New(cfg), Options{})
	require.ErrorContains(t, err, "list user resources (page 4): resource user:u13 has no UserTrait annotation, which its type's TRAIT_USER requires")
	require.NoFileExists(t, path)
}
