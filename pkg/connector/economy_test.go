package connector_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	gosync "sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/pkg/config"
	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"
	"github.com/baton-confluence/baton-confluence/pkg/connector/connectortest"

	"github.com/baton-confluence/baton-confluence/internal/baton/sync"
)

// recorder sits in front of the simulator and remembers what the connector asked for.
type recorder struct {
	mu       gosync.Mutex
	v2Limits map[string]bool // limit values seen on v2 list requests
	bulkIDs  []string        // account ids sent to users-bulk, in order
}

func (rec *recorder) front(t *testing.T, srv *confluencetest.Server) string {
	inner := srv.Handler()
	rec.v2Limits = map[string]bool{}
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/wiki/api/v2/") && r.URL.Path != "/wiki/api/v2/space-role-mode" &&
			!isSingleSpace(r.URL.Path) {
			if lim := r.URL.Query().Get("limit"); lim != "1" || r.URL.Path != "/wiki/api/v2/space-roles" {
				rec.v2Limits[lim] = true // (limit=1 is Validate's RBAC probe)
			}
		}
		if r.URL.Path == "/wiki/api/v2/users-bulk" {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			var req struct {
				AccountIDs []string `json:"accountIds"`
			}
			_ = json.Unmarshal(body, &req)
			rec.bulkIDs = append(rec.bulkIDs, req.AccountIDs...)
		}
		rec.mu.Unlock()
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	return front.URL
}

// isSingleSpace matches GET /wiki/api/v2/spaces/{id} (not a list).
func isSingleSpace(p string) bool {
	rest, ok := strings.CutPrefix(p, "/wiki/api/v2/spaces/")
	return ok && !strings.Contains(rest, "/")
}

// economyTenant has several pages of every list: search (4 pages), groups (2 pages) and
// spaces (2 pages); with bigGroups, few groups whose members take 3 pages each.
func economyTenant(rbac, bigGroups bool) confluencetest.Config {
	c := confluencetest.Small()
	c.Users, c.Groups, c.MembersPerGroup, c.Spaces, c.PersonalSpaces = 700, 205, 3, 255, 5
	c.Guests, c.Unlicensed, c.Deactivated, c.Bots, c.Customers = 20, 20, 20, 5, 5
	c.PermissionsPerSpace, c.RBAC = 6, rbac
	if bigGroups {
		c.Users, c.Groups, c.MembersPerGroup, c.Spaces, c.PersonalSpaces, c.PermissionsPerSpace = 1000, 5, 450, 3, 0, 3
	}
	return c
}

var rbacRoutes = []string{confluencetest.RouteRoleMode, confluencetest.RouteRoles, confluencetest.RouteRole,
	confluencetest.RouteAssignments, confluencetest.RouteSetAssignments}

// searchLookahead is the most search pages the listing may fetch past the last one: a batch of
// eight pages fetched concurrently, of which only the first may be the last page.
const searchLookahead = 7

func pages(n, size int) int64 { return int64(max(1, (n+size-1)/size)) }

func TestRequestEconomy(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name           string
		rbac, bigGroup bool
	}{{"granular", false, false}, {"rbac", true, false}, {"big groups", false, true}} {
		rbac := tc.rbac
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, _ := observedCtx(t)
			srv := startSim(t, economyTenant(rbac, tc.bigGroup))
			truth := srv.Truth()
			var rec recorder
			url := rec.front(t, srv)
			conn := newConnector(t, srv, func(c *config.Config) { c.DomainURL, c.UseRBAC = url, rbac })
			got := readContent(ctx, t, syncFile(ctx, t, conn, sync.Options{}))
			requireContent(t, connectortest.Expected(truth, connectortest.Options{UseRBAC: rbac}), got)
			st := srv.Stats()
			t.Logf("requests per endpoint: %v", st.Routes)

			var members int64
			for _, g := range truth.Groups {
				members += pages(len(g.Members), 200)
				if tc.bigGroup && g.Name != "atlassian-addons-admin" {
					require.Greater(t, len(g.Members), 400, "members take several pages")
				}
			}
			require.Equal(t, members, st.Routes[confluencetest.RouteGroupMembers], "each group's members are read once")
			require.Equal(t, pages(len(truth.Groups), 200), st.Routes[confluencetest.RouteGroups], "the group list is read once")
			searchPages := pages(len(truth.SearchResults(confluencetest.FilterAll)), 200)
			require.GreaterOrEqual(t, st.Routes[confluencetest.RouteSearchUsers], searchPages)
			require.LessOrEqual(t, st.Routes[confluencetest.RouteSearchUsers], searchPages+searchLookahead,
				"search pages are fetched ahead by at most one batch")
			require.Equal(t, pages(len(truth.Spaces), 250), st.Routes[confluencetest.RouteSpaces])
			require.Zero(t, st.Routes[confluencetest.RouteSpace], "space names and keys come from the listing")
			require.Equal(t, map[string]bool{"250": true}, rec.v2Limits, "v2 lists ask for 250 per page")
			checkBulk(t, truth, rec.bulkIDs)
			if !rbac {
				for _, r := range rbacRoutes {
					require.Zero(t, st.Routes[r], "no RBAC request without --use-rbac: %s", r)
				}
				require.Equal(t, int64(len(truth.Spaces)), st.Routes[confluencetest.RouteSpacePerms])
				return
			}
			require.Zero(t, st.Routes[confluencetest.RouteSpacePerms], "no granular permissions with RBAC")
			require.EqualValues(t, 2, st.Routes[confluencetest.RouteRoles], "validate probe + one listing")
			require.Equal(t, int64(len(truth.Spaces)), st.Routes[confluencetest.RouteAssignments],
				"one listing per space; the bindings' grants reuse it")
		})
	}
}

// checkBulk: users-bulk was asked exactly about the reachable humans without operations
// (deactivated and unlicensed accounts), each once.
func checkBulk(t *testing.T, truth *confluencetest.Truth, sent []string) {
	t.Helper()
	var want []string
	for _, u := range connectortest.ReachableUsers(truth) {
		if !u.Active() || (!u.Licensed && !u.Guest) {
			want = append(want, u.AccountID)
		}
	}
	require.NotEmpty(t, want)
	slices.Sort(want)
	got := slices.Clone(sent)
	slices.Sort(got)
	require.Equal(t, want, got)
}
