package connector_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/pkg/config"
	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"
	"github.com/baton-confluence/baton-confluence/pkg/connector/connectortest"

	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
	"github.com/baton-confluence/baton-confluence/internal/baton/sync"
)

// scenario is one end-to-end sync: a simulated tenant, connector settings, engine options.
type scenario struct {
	name    string
	sim     func() confluencetest.Config
	opts    connectortest.Options
	workers int
}

func (s scenario) mutate(c *config.Config) {
	if len(s.opts.Nouns) > 0 {
		c.Nouns = s.opts.Nouns
	}
	if len(s.opts.Verbs) > 0 {
		c.Verbs = s.opts.Verbs
	}
	c.SkipPersonalSpaces = s.opts.SkipPersonalSpaces
	c.UseRBAC = s.opts.UseRBAC
}

func smallWith(f func(*confluencetest.Config)) func() confluencetest.Config {
	return func() confluencetest.Config {
		c := confluencetest.Small()
		f(&c)
		return c
	}
}

func e2eScenarios() []scenario {
	return []scenario{
		{name: "small", sim: confluencetest.Small},
		{name: "small sequential engine", sim: confluencetest.Small, workers: 1},
		{name: "small rbac", sim: smallWith(func(c *confluencetest.Config) { c.RBAC = true }), opts: connectortest.Options{UseRBAC: true}},
		{name: "small rbac roles-only mode, skip personal", sim: smallWith(func(c *confluencetest.Config) {
			c.RBAC, c.RBACMode, c.PersonalSpaces = true, confluencetest.ModeRoles, 3
		}), opts: connectortest.Options{UseRBAC: true, SkipPersonalSpaces: true}},
		{name: "rbac, role assignments over several pages", sim: smallWith(func(c *confluencetest.Config) {
			c.RBAC, c.Users, c.Groups, c.Spaces, c.PersonalSpaces, c.RolesPerSpace, c.MembersPerGroup = true, 700, 60, 3, 1, 300, 5
		}), opts: connectortest.Options{UseRBAC: true}},
		{name: "noun and verb filters", sim: confluencetest.Small, opts: connectortest.Options{
			Nouns: []string{"space", "page"}, Verbs: []string{"read", "administer", "restrict_content", "create"}}},
		{name: "skip personal spaces", sim: smallWith(func(c *confluencetest.Config) { c.PersonalSpaces = 3 }),
			opts: connectortest.Options{SkipPersonalSpaces: true}},
		{name: "users past the search cap, server-capped pages", sim: smallWith(func(c *confluencetest.Config) {
			c.Users, c.SearchCap, c.SearchPageCap, c.MembersPerGroup, c.Guests, c.Unlicensed = 150, 40, 7, 30, 6, 5
		})},
		{name: "demo tenant", sim: confluencetest.Demo},
		{name: "transient faults", sim: func() confluencetest.Config {
			c := confluencetest.Demo()
			c.Faults = confluencetest.Faults{Seed: 7, FailureRate: 0.1, MalformedRate: 0.05, TruncatedRate: 0.05, DropRate: 0.05, HTMLRate: 0.05}
			return c
		}},
	}
}

func TestSyncMatchesTruth(t *testing.T) {
	t.Parallel()
	for _, sc := range e2eScenarios() {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			runScenario(t, sc)
		})
	}
}

func runScenario(t *testing.T, sc scenario) *confluencetest.Server {
	ctx, _ := observedCtx(t)
	srv := startSim(t, sc.sim())
	conn := newConnector(t, srv, sc.mutate)
	path := syncFile(ctx, t, conn, sync.Options{Workers: sc.workers})
	got := readContent(ctx, t, path)
	truth := srv.Truth()
	want := connectortest.Expected(truth, sc.opts)
	requireContent(t, want, got)
	checkCoverage(t, truth, got)
	for _, s := range truth.Spaces {
		if len(s.RoleAssignments) > 250 && sc.opts.UseRBAC {
			require.Greater(t, srv.Stats().Routes[confluencetest.RouteAssignments], int64(len(truth.Spaces)), "several pages")
		}
	}
	if f := srv.Config().Faults; f.FailureRate+f.DropRate+f.MalformedRate+f.TruncatedRate+f.HTMLRate > 0 {
		var n int64
		for _, c := range srv.Stats().Faults {
			n += c
		}
		require.Positive(t, n, "faults were injected")
		t.Logf("survived %d injected faults: %+v", n, srv.Stats())
	}
	return srv
}

// checkCoverage makes sure a scenario exercises what it claims to: bots and customers absent,
// guests, unlicensed and deactivated users present with the right status, users past the search
// cap present.
func checkCoverage(t *testing.T, truth *confluencetest.Truth, got *connectortest.Content) {
	t.Helper()
	searched := map[string]bool{}
	for _, u := range truth.SearchResults(confluencetest.FilterAll) {
		searched[u.AccountID] = true
	}
	var pastCap int
	for _, u := range truth.Users {
		r, ok := got.Resources["user:"+u.AccountID]
		if u.AccountType != confluencetest.AccountAtlassian {
			require.False(t, ok, "%s account %s must not be a user", u.AccountType, u.AccountID)
			continue
		}
		if !ok {
			continue // in no group and not searchable: unreachable through the API
		}
		if !searched[u.AccountID] {
			pastCap++
		}
		want := v2.Status_RESOURCE_STATUS_DISABLED
		if u.Active() {
			want = v2.Status_RESOURCE_STATUS_ENABLED
		}
		require.Equal(t, want, r.GetStatus().GetStatus(), u.AccountID)
	}
	if len(truth.Users) > truth.SearchCap {
		require.Positive(t, pastCap, "users past the search cap are synced")
	}
	for id, g := range got.Grants {
		require.NotEqual(t, "app", g.GetPrincipal().GetId().GetResourceType(), id)
		if g.GetPrincipal().GetId().GetResourceType() == "user" {
			_, ok := got.Resources["user:"+g.GetPrincipal().GetId().GetResource()]
			require.True(t, ok, "grant %s points at a synced user", id)
		}
	}
}

// TestSyncMedium syncs the Medium tenant (5,000 users, 200 groups, 550 spaces, ~700,000 grants
// after expansion). With -short (or -race, see race_test.go) it uses a tenant a fifth the size.
func TestSyncMedium(t *testing.T) {
	t.Parallel()
	cfg := confluencetest.Medium()
	if testing.Short() || raceEnabled {
		cfg.Users, cfg.Groups, cfg.Spaces, cfg.PersonalSpaces = 1000, 40, 100, 10
		cfg.PermissionsPerSpace, cfg.SearchCap = 20, 600
	}
	srv := runScenario(t, scenario{name: "medium", sim: func() confluencetest.Config { return cfg }})
	st := srv.Stats()
	t.Logf("%d requests: %v", st.Total, st.Routes)
	truth := srv.Truth()
	var members int64
	for _, g := range truth.Groups {
		members += pages(len(g.Members), 200)
	}
	require.Equal(t, members, st.Routes[confluencetest.RouteGroupMembers], "each group's members are read once")
	require.Equal(t, int64(len(truth.Spaces)), st.Routes[confluencetest.RouteSpacePerms])
	for _, r := range rbacRoutes {
		require.Zero(t, st.Routes[r], r)
	}
}

// TestDiffDetectsChanges guards the comparison itself: a changed, missing or extra message is
// reported.
func TestDiffDetectsChanges(t *testing.T) {
	t.Parallel()
	srv := startSim(t, confluencetest.Small())
	want := connectortest.Expected(srv.Truth(), connectortest.Options{})
	got := connectortest.Expected(srv.Truth(), connectortest.Options{})
	require.Empty(t, connectortest.Diff(want, got, 3))
	for id, r := range got.Resources {
		if r.GetId().GetResourceType() == "user" {
			r.DisplayName += "x"
			delete(got.Grants, firstKey(got.Grants))
			got.AddEntitlement(&v2.Entitlement{Id: "extra"})
			d := connectortest.Diff(want, got, 3)
			require.Contains(t, d, "different "+id)
			require.Contains(t, d, "1 missing")
			require.Contains(t, d, "extra extra")
			return
		}
	}
	t.Fatal("no user")
}

func firstKey[V any](m map[string]V) string {
	for k := range m {
		return k
	}
	return ""
}
