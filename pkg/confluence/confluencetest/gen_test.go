package confluencetest

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func generated(t testing.TB, cfg Config) *Truth {
	t.Helper()
	s, err := newUnstarted(cfg)
	require.NoError(t, err)
	return s.Truth()
}

func TestGenerateDeterministic(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]Config{"small": Small(), "demo": Demo(), "rbac": withRBAC(Small())} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			a, b := generated(t, cfg), generated(t, cfg)
			require.Equal(t, a, b)
			other := cfg
			other.Seed++
			require.NotEqual(t, a.Users, generated(t, other).Users, "another seed gives other data")
		})
	}
}

func TestTruthIsACopy(t *testing.T) {
	t.Parallel()
	srv := start(t, withRBAC(Small()))
	tr := srv.Truth()
	want := srv.Truth()
	tr.Users[0].DisplayName = "changed"
	tr.Groups[0].Members[0] = "changed"
	tr.Spaces[0].Permissions[0].Key = "changed"
	tr.Spaces[0].RoleAssignments[0].RoleID = "changed"
	tr.Roles[0].SpacePermissions[0] = "changed"
	require.Equal(t, want, srv.Truth())
}

func TestGeneratePhasesIndependent(t *testing.T) {
	t.Parallel()
	cfg := Small()
	more := cfg
	more.Spaces += 3
	require.Equal(t, generated(t, cfg).Groups, generated(t, more).Groups,
		"changing the number of spaces must not reshuffle groups")
}

func withRBAC(c Config) Config {
	c.RBAC = true
	return c
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestGenerateUsers(t *testing.T) {
	t.Parallel()
	cfg := Small()
	tr := generated(t, cfg)
	require.Len(t, tr.Users, cfg.Users)
	count := func(ok func(User) bool) int {
		n := 0
		for _, u := range tr.Users {
			if ok(u) {
				n++
			}
		}
		return n
	}
	require.Equal(t, cfg.Bots, count(func(u User) bool { return u.AccountType == AccountApp }))
	require.Equal(t, cfg.Customers, count(func(u User) bool { return u.AccountType == AccountCustomer }))
	require.Equal(t, cfg.Guests, count(func(u User) bool { return u.Guest }))
	require.Equal(t, cfg.Deactivated, count(func(u User) bool { return !u.Active() }))
	require.Positive(t, count(func(u User) bool { return u.AccountStatus == StatusClosed }))
	require.Positive(t, count(func(u User) bool { return u.Email == "" && u.AccountType == AccountAtlassian && u.Active() }), "hidden emails")
	require.Positive(t, count(func(u User) bool { return strings.Count(u.AccountID, ":") == 2 }), "qm: ids")
	require.Positive(t, count(func(u User) bool { return len(u.AccountID) == 24 && !strings.Contains(u.AccountID, ":") }), "24-hex ids")
	require.Positive(t, count(func(u User) bool { return utf8.RuneCountInString(u.DisplayName) != len(u.DisplayName) }), "unicode names")

	ids := map[string]bool{}
	for _, u := range tr.Users {
		require.False(t, ids[u.AccountID], "duplicate account id %s", u.AccountID)
		ids[u.AccountID] = true
		require.NotEmpty(t, u.PublicName)
	}
	admin, ok := tr.User(tr.CurrentUserID)
	require.True(t, ok)
	require.Equal(t, DefaultUsername, admin.Email)
}

func TestGenerateGroups(t *testing.T) {
	t.Parallel()
	cfg := Small()
	tr := generated(t, cfg)
	require.Len(t, tr.Groups, cfg.Groups)
	require.True(t, slices.IsSortedFunc(tr.Groups, func(a, b Group) int { return strings.Compare(a.Name, b.Name) }))
	inGroup := map[string]bool{}
	for _, g := range tr.Groups {
		require.Regexp(t, uuidRE, g.ID)
		require.Len(t, g.Members, cfg.MembersPerGroup, g.Name)
		for _, m := range g.Members {
			inGroup[m] = true
		}
	}
	noGroup := 0
	for _, u := range tr.Users {
		if !inGroup[u.AccountID] && u.AccountType != AccountCustomer {
			noGroup++
		}
		if u.AccountType == AccountCustomer {
			require.False(t, inGroup[u.AccountID], "customers are in no group")
		}
	}
	require.Equal(t, cfg.UsersInNoGroup, noGroup)
	addons, _ := findGroup(tr, "atlassian-addons-admin")
	for _, u := range tr.Users {
		if u.AccountType == AccountApp {
			require.Contains(t, addons.Members, u.AccountID, "bots are in atlassian-addons-admin")
		}
	}
}

func findGroup(tr *Truth, name string) (Group, bool) {
	for _, g := range tr.Groups {
		if g.Name == name {
			return g, true
		}
	}
	return Group{}, false
}

func TestGenerateSpaces(t *testing.T) {
	t.Parallel()
	cfg := Small()
	tr := generated(t, cfg)
	require.Len(t, tr.Spaces, cfg.Spaces+cfg.PersonalSpaces)
	personal, archived := 0, 0
	for _, sp := range tr.Spaces {
		switch sp.Type {
		case "personal":
			personal++
			require.Equal(t, "~"+sp.AuthorID, sp.Key)
			owner, _ := tr.User(sp.AuthorID)
			require.Equal(t, sp.ID, owner.PersonalSpaceID)
		default:
			require.Len(t, sp.Permissions, cfg.PermissionsPerSpace, sp.Key)
		}
		if sp.Status == "archived" {
			archived++
		}
		requirePermissionInvariants(t, sp)
	}
	require.Equal(t, cfg.PersonalSpaces, personal)
	require.Equal(t, cfg.ArchivedSpaces, archived)
}

// requirePermissionInvariants: ids ascending, every principal holds read/space, the space has an
// administer/space holder, and no duplicates.
func requirePermissionInvariants(t *testing.T, sp Space) {
	t.Helper()
	seen := map[SpacePermission]bool{}
	readers := map[string]bool{}
	admins := 0
	for i, p := range sp.Permissions {
		if i > 0 {
			require.Less(t, atoi(t, sp.Permissions[i-1].ID), atoi(t, p.ID))
		}
		key := p
		key.ID = ""
		require.False(t, seen[key], "duplicate %+v", p)
		seen[key] = true
		if p.Key == "read" && p.Target == "space" {
			readers[p.PrincipalType+p.PrincipalID] = true
		}
		if p.Key == "administer" && p.Target == "space" {
			admins++
		}
	}
	for _, p := range sp.Permissions {
		require.True(t, readers[p.PrincipalType+p.PrincipalID], "%s %s lacks read/space in %s", p.PrincipalType, p.PrincipalID, sp.Key)
	}
	require.Positive(t, admins, "space %s has no admin", sp.Key)
}

func TestGeneratePermissionMix(t *testing.T) {
	t.Parallel()
	tr := generated(t, Medium())
	kinds := map[string]int{}
	v2only := 0
	for _, sp := range tr.Spaces {
		for _, p := range sp.Permissions {
			kinds[p.PrincipalType]++
			if !slices.Contains(v1Pairs, opPair{p.Key, p.Target}) {
				v2only++
			}
		}
	}
	require.Greater(t, kinds["group"], kinds["user"], "group permissions are the most common")
	require.Positive(t, kinds["user"])
	require.Positive(t, kinds["role"])
	require.Positive(t, v2only, "v2-only pairs appear")
}

// TestGenerateSearchCap: users past the search cap exist and every one of them (except
// customers) is a group member, so it stays reachable.
func TestGenerateSearchCap(t *testing.T) {
	t.Parallel()
	cfg := Config{Seed: 9, Users: 10100, Groups: 60, MembersPerGroup: 200, Spaces: 2, PermissionsPerSpace: 5,
		Guests: 5, Bots: 2, Customers: 3, Deactivated: 10, Unlicensed: 10, UsersInNoGroup: 4}
	tr := generated(t, cfg)
	inGroup := map[string]bool{}
	for _, g := range tr.Groups {
		for _, m := range g.Members {
			inGroup[m] = true
		}
	}
	all := tr.SearchResults(FilterAll)
	require.Len(t, all, DefaultSearchCap)
	past := 0
	for _, u := range tr.Users {
		if !u.Searchable && matchesFilter(u, FilterNone) {
			past++
			require.True(t, inGroup[u.AccountID], "user %s past the cap is in no group", u.AccountID)
		}
	}
	require.Positive(t, past)
	require.Len(t, tr.SearchResults(FilterNone), DefaultSearchCap)
}

func TestGenerateDemo(t *testing.T) {
	t.Parallel()
	tr := generated(t, Demo())
	eng, ok := findGroup(tr, "engineering")
	require.True(t, ok)
	require.NotEmpty(t, eng.Members)
	users, _ := findGroup(tr, "confluence-users")
	require.Len(t, users.Members, len(tr.SearchResults(FilterNone)), "confluence-users holds every licensed user")
	admins, _ := findGroup(tr, "administrators")
	require.Equal(t, []string{tr.CurrentUserID}, admins.Members)
}

func TestPresetsLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("generates the large preset")
	}
	t.Parallel()
	cfg := Large()
	tr := generated(t, cfg)
	require.Len(t, tr.Users, 20000)
	require.Len(t, tr.Groups, 1000)
	require.Len(t, tr.Spaces, 2200)
	unsearchable := 0
	for _, u := range tr.Users {
		if matchesFilter(u, FilterNone) && !u.Searchable {
			unsearchable++
		}
	}
	require.Greater(t, unsearchable, 9000, "about half the users are past the search cap")
}

func TestConfigValidation(t *testing.T) {
	t.Parallel()
	for name, mut := range map[string]func(*Config){
		"negative":     func(c *Config) { c.Groups = -1 },
		"public addr":  func(c *Config) { c.Addr = "0.0.0.0:0" },
		"bad addr":     func(c *Config) { c.Addr = "nonsense" },
		"bad rate":     func(c *Config) { c.Faults.FailureRate = 1.5 },
		"rates sum":    func(c *Config) { c.Faults.FailureRate, c.Faults.DropRate = 0.6, 0.6 },
		"bad mode":     func(c *Config) { c.RBAC, c.RBACMode = true, "SOMETIMES" },
		"neg latency":  func(c *Config) { c.Faults.Latency = -1 },
		"neg revoke":   func(c *Config) { c.Faults.RevokeAfter = -1 },
		"hostname":     func(c *Config) { c.Addr = "localhost:0" },
		"other v4 ip":  func(c *Config) { c.Addr = "10.0.0.1:0" },
		"nan rate":     func(c *Config) { c.Faults.HTMLRate = nan() },
		"neg bots":     func(c *Config) { c.Bots = -2 },
		"neg perms":    func(c *Config) { c.PermissionsPerSpace = -2 },
		"neg roles":    func(c *Config) { c.RolesPerSpace = -2 },
		"neg archived": func(c *Config) { c.ArchivedSpaces = -2 },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := Small()
			mut(&cfg)
			_, err := NewServer(cfg)
			require.Error(t, err)
		})
	}
	require.NoError(t, CheckLoopback("[::1]:0"))
	require.NoError(t, CheckLoopback("127.0.0.1:8080"))
}

func TestPermJSONMatchesEncoder(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ ptype, pid string }{
		{"user", "712020:0bd2c551-207a-4cde-8676-7d960e0992e3"}, {"group", "a-b"},
		{"role", `odd "id" \ é ☕`}, {"user", "tab\there"},
	} {
		p := newPerm(1234567, principal{tc.ptype, tc.pid}, opPair{"restrict_content", "space"})
		require.Equal(t, string(marshal(toV2Permission(p))), string(p.json))
	}
}
