package confluencetest

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func groupIDs(gs []Group) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = g.ID
	}
	return out
}

func TestListGroups(t *testing.T) {
	t.Parallel()
	srv := start(t, Small())
	c := newClient(t, srv)
	tr := srv.Truth()
	for _, limit := range []string{"1", "3", "200", "5000"} {
		got := fields(t, c.walkV1("/wiki/rest/api/group?limit="+limit), func(g idObj) string { return g.ID })
		require.Equal(t, groupIDs(tr.Groups), got, "limit %s", limit)
	}
	var admins []string
	for _, g := range tr.Groups {
		if g.AccessType == "site-admin" {
			admins = append(admins, g.ID)
		}
	}
	got := fields(t, c.walkV1("/wiki/rest/api/group?accessType=site-admin"), func(g idObj) string { return g.ID })
	require.Equal(t, admins, got)
	requireV1Error(t, c.do(http.MethodGet, "/wiki/rest/api/group?accessType=owner", nil), 400)

	var p v1PageBody
	c.getJSON("/wiki/rest/api/group?limit=5000", &p)
	require.Equal(t, DefaultGroupPageCap, p.Limit, "limit silently capped")
}

func TestGroupByID(t *testing.T) {
	t.Parallel()
	srv := start(t, Small())
	c := newClient(t, srv)
	g := srv.Truth().Groups[2]
	var got struct{ ID, Name, Type string }
	c.getJSON("/wiki/rest/api/group/by-id?id="+g.ID, &got)
	require.Equal(t, g.ID, got.ID)
	require.Equal(t, g.Name, got.Name)
	require.Equal(t, "group", got.Type)
	requireV1Error(t, c.do(http.MethodGet, "/wiki/rest/api/group/by-id?id=missing", nil), 404)
}

func TestGroupMembers(t *testing.T) {
	t.Parallel()
	srv := start(t, Small())
	c := newClient(t, srv)
	tr := srv.Truth()
	for _, g := range tr.Groups {
		got := fields(t, c.walkV1("/wiki/rest/api/group/"+g.ID+"/membersByGroupId?limit=5&expand=operations"),
			func(u idObj) string { return u.AccountID })
		require.Equal(t, g.Members, got, g.Name)
	}
	g := tr.Groups[0]
	requireV1Error(t, c.do(http.MethodGet, "/wiki/rest/api/group/"+g.ID+"/membersByGroupId?limit=201", nil), 400)
	var p v1PageBody
	c.getJSON("/wiki/rest/api/group/"+g.ID+"/membersByGroupId?limit=200&shouldReturnTotalSize=true", &p)
	require.Equal(t, len(g.Members), *p.TotalSize)
	e := requireV1Error(t, c.do(http.MethodGet, "/wiki/rest/api/group/nope/membersByGroupId", nil), 404)
	require.Equal(t, "Not Found", e.Reason)
}

func TestMembershipMutations(t *testing.T) {
	t.Parallel()
	srv := start(t, Small())
	c := newClient(t, srv)
	tr := srv.Truth()
	g := tr.Groups[1]
	var outsider string
	for _, u := range tr.Users {
		if !strings.Contains(strings.Join(g.Members, ","), u.AccountID) {
			outsider = u.AccountID
			break
		}
	}
	add := "/wiki/rest/api/group/userByGroupId?groupId=" + g.ID
	for range 2 { // the second add of an existing member is also 201
		r := c.do(http.MethodPost, add, map[string]string{"accountId": outsider})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		require.Empty(t, r.body)
	}
	members := func() []string {
		return fields(t, c.walkV1("/wiki/rest/api/group/"+g.ID+"/membersByGroupId"), func(u idObj) string { return u.AccountID })
	}
	want := slices.Concat(g.Members, []string{outsider})
	require.Equal(t, want, members())
	after, _ := srv.Truth().Group(g.ID)
	require.Equal(t, want, after.Members)

	del := "/wiki/rest/api/group/userByGroupId?groupId=" + g.ID + "&accountId=" + url.QueryEscape(outsider)
	for range 2 { // removing a non-member is also 204
		r := c.do(http.MethodDelete, del, nil)
		require.Equal(t, http.StatusNoContent, r.status, "%s", r.body)
	}
	require.Equal(t, g.Members, members())

	requireV1Error(t, c.do(http.MethodPost, "/wiki/rest/api/group/userByGroupId?groupId=nope", map[string]string{"accountId": outsider}), 404)
	requireV1Error(t, c.do(http.MethodPost, add, map[string]string{"accountId": "nobody"}), 400)
	requireV1Error(t, c.do(http.MethodPost, add, map[string]string{}), 400)
	requireV1Error(t, c.do(http.MethodPost, "/wiki/rest/api/group/userByGroupId", map[string]string{"accountId": outsider}), 400)
	requireV1Error(t, c.do(http.MethodDelete, "/wiki/rest/api/group/userByGroupId?groupId=nope&accountId=x", nil), 404)
	requireV1Error(t, c.do(http.MethodDelete, "/wiki/rest/api/group/userByGroupId?groupId="+g.ID+"&accountId=nobody", nil), 404)
	requireV1Error(t, c.do(http.MethodDelete, "/wiki/rest/api/group/userByGroupId?groupId="+g.ID, nil), 400)
}

func TestV1WriteHeaders(t *testing.T) {
	t.Parallel()
	srv := start(t, Small())
	g := srv.Truth().Groups[0]
	for _, tc := range []struct {
		name        string
		contentType string
		xsrf        string
		status      int
	}{
		{"no xsrf header", "application/json", "", http.StatusForbidden},
		{"no content type", "", "no-check", http.StatusUnsupportedMediaType},
		{"form content type", "application/x-www-form-urlencoded", "no-check", http.StatusUnsupportedMediaType},
		{"charset is fine", "application/json; charset=utf-8", "no-check", http.StatusCreated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newClient(t, srv)
			req, err := http.NewRequest(http.MethodPost, srv.URL()+"/wiki/rest/api/group/userByGroupId?groupId="+g.ID,
				strings.NewReader(`{"accountId":"`+g.Members[0]+`"}`))
			require.NoError(t, err)
			req.SetBasicAuth(c.user, c.token)
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			if tc.xsrf != "" {
				req.Header.Set("X-Atlassian-Token", tc.xsrf)
			}
			r := c.send(req)
			require.Equal(t, tc.status, r.status, "%s", r.body)
			if tc.status == http.StatusForbidden {
				require.Contains(t, string(r.body), "XSRF check failed")
			}
		})
	}
}
