package confluencetest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCurrentUser(t *testing.T) {
	t.Parallel()
	srv := start(t, Small())
	c := newClient(t, srv)
	tr := srv.Truth()

	var plain map[string]any
	c.getJSON("/wiki/rest/api/user/current", &plain)
	require.Equal(t, tr.CurrentUserID, plain["accountId"])
	require.Equal(t, DefaultUsername, plain["email"])
	require.Equal(t, "atlassian", plain["accountType"])
	require.NotContains(t, plain, "operations", "operations only when expanded")
	require.Contains(t, plain["_expandable"], "operations")

	var exp struct {
		AccountID  string      `json:"accountId"`
		Operations []operation `json:"operations"`
	}
	c.getJSON("/wiki/rest/api/user/current?expand=operations", &exp)
	require.Contains(t, exp.Operations, operation{"use", "application"})
}

func TestGetUser(t *testing.T) {
	t.Parallel()
	srv := start(t, Small())
	c := newClient(t, srv)
	tr := srv.Truth()
	for _, u := range tr.Users {
		var got struct {
			AccountID  string      `json:"accountId"`
			Email      *string     `json:"email"`
			Operations []operation `json:"operations"`
			External   bool        `json:"externalCollaborator"`
		}
		c.getJSON("/wiki/rest/api/user?expand=operations&accountId="+url.QueryEscape(u.AccountID), &got)
		require.Equal(t, u.AccountID, got.AccountID)
		require.Equal(t, u.Guest, got.External)
		if u.Email == "" {
			require.Nil(t, got.Email, "hidden email is null in v1")
		} else {
			require.Equal(t, u.Email, *got.Email)
		}
		if !u.Active() {
			require.Empty(t, got.Operations, "deactivated users have no operations")
		}
	}
	requireV1Error(t, c.do(http.MethodGet, "/wiki/rest/api/user?accountId=nobody", nil), 404)
	requireV1Error(t, c.do(http.MethodGet, "/wiki/rest/api/user", nil), 400)
}

func TestSearchUsersFilters(t *testing.T) {
	t.Parallel()
	srv := start(t, Small())
	c := newClient(t, srv)
	tr := srv.Truth()
	get := func(s searchObj) string { return s.User.AccountID }
	for _, tc := range []struct{ filter, query string }{
		{FilterNone, ""}, {FilterNone, "&sitePermissionTypeFilter=none"},
		{FilterExternalCollaborator, "&sitePermissionTypeFilter=externalCollaborator"},
		{FilterAll, "&sitePermissionTypeFilter=all"},
	} {
		got := fields(t, c.walkV1("/wiki/rest/api/search/user?cql=type%3Duser&limit=7"+tc.query), get)
		require.Equal(t, userIDs(tr.SearchResults(tc.filter)), got, tc.query)
	}
	guests := userIDs(tr.SearchResults(FilterExternalCollaborator))
	require.Len(t, guests, Small().Guests)
	def := fields(t, c.walkV1("/wiki/rest/api/search/user?cql=type=user&limit=50"), get)
	for _, g := range guests {
		require.NotContains(t, def, g, "guests only with the right filter")
	}
}

func TestSearchUsersShapeAndErrors(t *testing.T) {
	t.Parallel()
	srv := start(t, Small())
	c := newClient(t, srv)

	var p v1PageBody
	c.getJSON("/wiki/rest/api/search/user?cql=type%20%3D%20user", &p)
	require.Equal(t, 25, p.Limit, "default limit")
	require.Len(t, p.Results, 25)
	require.Equal(t, 25, *p.TotalSize, "totalSize equals the page size, as observed")
	var first struct {
		User       map[string]any `json:"user"`
		EntityType string         `json:"entityType"`
		Title      string         `json:"title"`
	}
	require.NoError(t, json.Unmarshal(p.Results[0], &first))
	require.Equal(t, "user", first.EntityType)
	require.Equal(t, first.User["displayName"], first.Title)

	for _, q := range []string{"", "cql=type=page", "cql=user.fullname~x", "cql=type=user&sitePermissionTypeFilter=guests",
		"cql=type=user&limit=-1", "cql=type=user&start=x"} {
		requireV1Error(t, c.do(http.MethodGet, "/wiki/rest/api/search/user?"+q, nil), 400)
	}
}

func TestSearchUsersCaps(t *testing.T) {
	t.Parallel()
	cfg := Config{Seed: 4, Users: 10300, Groups: 40, MembersPerGroup: 300, Spaces: 1, PermissionsPerSpace: 3,
		Guests: 3, SearchPageCap: 150}
	srv := start(t, cfg)
	c := newClient(t, srv)
	tr := srv.Truth()

	var p v1PageBody
	c.getJSON("/wiki/rest/api/search/user?cql=type=user&limit=1000", &p)
	require.Equal(t, 150, p.Limit, "limit silently capped at the page cap")
	require.Len(t, p.Results, 150)
	require.Contains(t, p.Links.Next, "start=150")

	var end, past v1PageBody
	c.getJSON("/wiki/rest/api/search/user?cql=type=user&limit=100&start=9950", &end)
	require.Len(t, end.Results, 50, "the cap ends the list at 10,000")
	require.Empty(t, end.Links.Next)
	c.getJSON("/wiki/rest/api/search/user?cql=type=user&limit=100&start=10000", &past)
	require.Empty(t, past.Results)
	require.Empty(t, past.Links.Next)

	all := c.walkV1("/wiki/rest/api/search/user?cql=type=user&limit=200")
	require.Len(t, all, DefaultSearchCap)
	found := fields(t, all, func(s searchObj) string { return s.User.AccountID })
	require.Equal(t, userIDs(tr.SearchResults(FilterNone)), found)

	// Users past the cap are reachable through group members.
	reached := map[string]bool{}
	for _, id := range found {
		reached[id] = true
	}
	for _, g := range tr.Groups {
		for _, id := range fields(t, c.walkV1("/wiki/rest/api/group/"+g.ID+"/membersByGroupId"), func(u idObj) string { return u.AccountID }) {
			reached[id] = true
		}
	}
	beyond := 0
	for _, u := range tr.Users {
		if matchesFilter(u, FilterNone) && !u.Searchable {
			beyond++
			require.True(t, reached[u.AccountID], "user %s is unreachable", u.AccountID)
		}
	}
	require.Positive(t, beyond)
}

func TestUsersBulk(t *testing.T) {
	t.Parallel()
	srv := start(t, Small())
	c := newClient(t, srv)
	tr := srv.Truth()
	ids := append(userIDs(tr.Users[:5]), "unknown-id")
	r := c.do(http.MethodPost, "/wiki/api/v2/users-bulk", map[string]any{"accountIds": ids})
	require.Equal(t, 200, r.status, "%s", r.body)
	var body struct {
		Results []v2User `json:"results"`
		Links   struct {
			Base string `json:"base"`
		} `json:"_links"`
	}
	require.NoError(t, json.Unmarshal(r.body, &body))
	require.Len(t, body.Results, 5, "unknown ids are omitted")
	for i, u := range body.Results {
		want := tr.Users[i]
		require.Equal(t, want.AccountID, u.AccountID)
		require.Equal(t, want.AccountStatus, u.AccountStatus)
		require.Equal(t, want.Email, u.Email)
	}
	require.True(t, strings.HasSuffix(body.Links.Base, "/wiki"))

	many := make([]string, 251)
	for i := range many {
		many[i] = "x"
	}
	for name, body := range map[string]any{"none": map[string]any{"accountIds": []string{}},
		"too many": map[string]any{"accountIds": many}, "not json": "nope"} {
		t.Run(name, func(t *testing.T) {
			requireV2Error(t, newClient(t, srv).do(http.MethodPost, "/wiki/api/v2/users-bulk", body), 400)
		})
	}
	req, err := http.NewRequest(http.MethodPost, srv.URL()+"/wiki/api/v2/users-bulk", strings.NewReader(`{"accountIds":["a"]}`))
	require.NoError(t, err)
	req.SetBasicAuth(c.user, c.token)
	requireV2Error(t, c.send(req), http.StatusUnsupportedMediaType)
}

func TestMemberOf(t *testing.T) {
	t.Parallel()
	srv := start(t, Small())
	c := newClient(t, srv)
	tr := srv.Truth()
	var want []string
	for _, g := range tr.Groups {
		for _, m := range g.Members {
			if m == tr.CurrentUserID {
				want = append(want, g.ID)
			}
		}
	}
	got := fields(t, c.walkV1("/wiki/rest/api/user/memberof?limit=1&accountId="+url.QueryEscape(tr.CurrentUserID)),
		func(g idObj) string { return g.ID })
	require.Equal(t, want, got)
	requireV1Error(t, c.do(http.MethodGet, "/wiki/rest/api/user/memberof?accountId=nobody", nil), 404)
}
