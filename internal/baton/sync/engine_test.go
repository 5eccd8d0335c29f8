package sync

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	"github.com/baton-confluence/baton-confluence/internal/baton/c1z"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
	"github.com/baton-confluence/baton-confluence/internal/baton/sync/fakeconnector"
)

// expectedGrants computes the grant ids a full sync of cfg must store, direct and derived.
func expectedGrants(cfg fakeconnector.Config) (direct, derived map[string]bool) {
	direct, derived = map[string]bool{}, map[string]bool{}
	member := func(j, k int) string { return fakeconnector.UserID((j*cfg.MembersPerGroup + k) % cfg.Users) }
	for j := range cfg.Groups {
		for k := range cfg.MembersPerGroup {
			direct[fmt.Sprintf("group:%s:member:user:%s", fakeconnector.GroupID(j), member(j, k))] = true
		}
	}
	type groupGrant struct{ ent, group int }
	var expandable []struct {
		space string
		groupGrant
	}
	for i := range cfg.Spaces {
		sid := fakeconnector.SpaceID(i)
		for k := range cfg.RolesPerSpace {
			direct[fmt.Sprintf("role:%s:r%d:assigned:user:%s", sid, k, fakeconnector.UserID((i+k)%cfg.Users))] = true
		}
		if cfg.SkipGrantsEvery > 0 && i%cfg.SkipGrantsEvery == 1 {
			continue
		}
		for k := range cfg.UserGrantsPerSpace {
			direct[fmt.Sprintf("space:%s:perm%d:user:%s", sid, k%cfg.EntitlementsPerSpace,
				fakeconnector.UserID((i*cfg.UserGrantsPerSpace+k)%cfg.Users))] = true
		}
		for k := cfg.UserGrantsPerSpace; k < cfg.UserGrantsPerSpace+cfg.GroupGrantsPerSpace; k++ {
			g := (i + k - cfg.UserGrantsPerSpace) % cfg.Groups
			direct[fmt.Sprintf("space:%s:perm%d:group:%s", sid, k%cfg.EntitlementsPerSpace, fakeconnector.GroupID(g))] = true
			expandable = append(expandable, struct {
				space string
				groupGrant
			}{sid, groupGrant{k % cfg.EntitlementsPerSpace, g}})
		}
	}
	for _, x := range expandable {
		for k := range cfg.MembersPerGroup {
			id := fmt.Sprintf("space:%s:perm%d:user:%s", x.space, x.ent, member(x.group, k))
			if !direct[id] {
				derived[id] = true
			}
		}
	}
	return direct, derived
}

func TestRunFullSync(t *testing.T) {
	t.Parallel()
	for _, workers := range []int{1, 8} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			t.Parallel()
			ctx, logs := observed(t.Context())
			cfg := smallConfig()
			conn := fakeconnector.New(cfg)
			dir, tmp := t.TempDir(), t.TempDir()
			path := filepath.Join(dir, "sync.c1z")
			res, err := syncFile(ctx, path, tmp, conn, Options{Workers: workers})
			require.NoError(t, err)
			require.False(t, res.Resumed)
			requireClean(t, tmp, path)

			c := dump(t, path)
			require.Equal(t, TypeFull, c.Type)
			require.Equal(t, []string{"group", "part", "role", "space", "user"}, c.ids("v1_resource_types"))
			require.Len(t, c.Tables["v1_resources"], 40+6+9+18+36)
			require.Len(t, c.Tables["v1_entitlements"], 6+9*3+18)
			direct, derived := expectedGrants(cfg)
			var want []string
			for id := range direct {
				want = append(want, id)
			}
			for id := range derived {
				want = append(want, id)
			}
			slices.Sort(want)
			require.Equal(t, want, c.ids("v1_grants"))
			require.Equal(t, map[string]int64{"user": 7}, res.Dropped)
			require.NotEmpty(t, logs.FilterMessage("dropped 7 grants whose principal was not synced (user: 7)").All())
			require.NotEmpty(t, logs.FilterMessageSnippet("synced 40 user resources in").All())
			require.NotEmpty(t, logs.FilterMessageSnippet("synced 18 child resources under space in").All())

			checkCallOrder(t, conn.Calls())
		})
	}
}

// checkCallOrder verifies the phase order, that children are listed once per parent and that
// skip annotations stop the calls they name.
func checkCallOrder(t *testing.T, calls []fakeconnector.Call) {
	t.Helper()
	rank := map[string]int{"list": 0, "static": 1, "entitlements": 2, "grants": 3}
	last := 0
	childLists := map[string]int{}
	for _, c := range calls {
		r := rank[c.Op]
		require.GreaterOrEqual(t, r, last, "call %+v out of phase order", c)
		last = r
		if c.Op == "list" && c.Resource != "" && c.Token == "" {
			childLists[c.ResourceType+" under "+c.Resource]++
		}
		switch {
		case c.ResourceType == "user" || c.ResourceType == "part":
			require.Equal(t, "list", c.Op, "type with SkipEntitlementsAndGrants was called: %+v", c)
		case c.ResourceType == "role" && c.Op == "entitlements":
			t.Fatalf("type with SkipEntitlements got an Entitlements call: %+v", c)
		case c.ResourceType == "space" && c.Op == "grants" && (c.Resource == "1001" || c.Resource == "1005"):
			t.Fatalf("resource with SkipGrants got a Grants call: %+v", c)
		}
	}
	require.Len(t, childLists, 9+18)
	for k, n := range childLists {
		require.Equal(t, 1, n, "children listed %d times: %s", n, k)
	}
}

func TestRunExpansionInSavedFile(t *testing.T) {
	t.Parallel()
	cfg := smallConfig()
	path := filepath.Join(t.TempDir(), "sync.c1z")
	_, err := syncFile(t.Context(), path, t.TempDir(), fakeconnector.New(cfg), Options{})
	require.NoError(t, err)
	gs := grantsOf(t, path)
	_, derived := expectedGrants(cfg)
	require.NotEmpty(t, derived)
	for id := range derived {
		g := gs[id]
		require.NotNil(t, g, id)
		require.True(t, annotations.Annotations(g.GetAnnotations()).Contains(&v2.GrantImmutable{}), id)
		require.Len(t, g.GetSources().GetSources(), 1, id)
		for src, s := range g.GetSources().GetSources() {
			require.True(t, strings.HasPrefix(src, "group:g") && strings.HasSuffix(src, ":member"), src)
			require.True(t, s.GetIsDirect())
		}
		require.NotEmpty(t, g.GetEntitlement().GetDisplayName(), "derived grant carries the full entitlement")
	}
	// The group grant keeps its expansion in the column, not in data.
	c := dump(t, path)
	var expandable int
	for _, row := range c.Tables["v1_grants"] {
		if strings.HasSuffix(row, "/1") {
			expandable++
			require.Contains(t, row, ":group:g")
		}
	}
	require.Equal(t, 7*3, expandable)

	// The same through the c1z reader: derived grants and the expandable group grant with its
	// GrantExpandable re-attached.
	r, err := c1z.OpenReader(t.Context(), path, c1z.ReaderOptions{TempDir: t.TempDir()})
	require.NoError(t, err)
	defer r.Close()
	for id := range derived {
		g, err := r.Grant(t.Context(), id)
		require.NoError(t, err)
		require.True(t, proto.Equal(gs[id], g), id)
	}
	g, err := r.Grant(t.Context(), "space:1000:perm2:group:g0")
	require.NoError(t, err)
	var ge v2.GrantExpandable
	ok, err := annotations.Annotations(g.GetAnnotations()).Pick(&ge)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, []string{"group:g0:member"}, ge.GetEntitlementIds())
}
