package confluencetest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func spaceIDs(ss []Space) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.ID
	}
	return out
}

func TestListSpaces(t *testing.T) {
	t.Parallel()
	srv := start(t, Medium())
	c := newClient(t, srv)
	tr := srv.Truth()
	id := func(o idObj) string { return o.ID }
	for _, limit := range []string{"1", "7", "250"} {
		got := fields(t, c.walkV2("/wiki/api/v2/spaces?limit="+limit), id)
		require.Equal(t, spaceIDs(tr.Spaces), got, "limit %s", limit)
	}
	require.Len(t, fields(t, c.walkV2("/wiki/api/v2/spaces"), id), len(tr.Spaces), "default limit 25")

	filter := func(ok func(Space) bool) []string {
		var out []string
		for _, s := range tr.Spaces {
			if ok(s) {
				out = append(out, s.ID)
			}
		}
		return out
	}
	cases := map[string][]string{
		"type=personal":              filter(func(s Space) bool { return s.Type == "personal" }),
		"status=archived":            filter(func(s Space) bool { return s.Status == "archived" }),
		"type=global&status=current": filter(func(s Space) bool { return s.Type == "global" && s.Status == "current" }),
		"keys=" + tr.Spaces[3].Key + "," + tr.Spaces[9].Key:  {tr.Spaces[3].ID, tr.Spaces[9].ID},
		"ids=" + tr.Spaces[4].ID + "&ids=" + tr.Spaces[1].ID: {tr.Spaces[1].ID, tr.Spaces[4].ID},
	}
	for q, want := range cases {
		require.Equal(t, want, fields(t, c.walkV2("/wiki/api/v2/spaces?limit=13&"+q), id), q)
	}
	desc := fields(t, c.walkV2("/wiki/api/v2/spaces?limit=100&sort=-id"), id)
	require.Equal(t, spaceIDs(tr.Spaces), reversed(desc))
	names := fields(t, c.walkV2("/wiki/api/v2/spaces?limit=100&sort=name"), func(o idObj) string { return o.Name })
	require.True(t, slices.IsSorted(names))
}

func reversed(xs []string) []string {
	out := slices.Clone(xs)
	slices.Reverse(out)
	return out
}

func TestSpacesErrorsAndCursor(t *testing.T) {
	t.Parallel()
	srv := start(t, Small())
	c := newClient(t, srv)
	for _, q := range []string{"limit=0", "limit=251", "limit=x", "type=secret", "status=gone", "sort=size",
		"ids=abc", "cursor=%%%", "cursor=" + url.QueryEscape(base64.StdEncoding.EncodeToString([]byte(`{"k":"perms","a":1}`)))} {
		requireV2Error(t, c.do(http.MethodGet, "/wiki/api/v2/spaces?"+q, nil), 400)
	}
	var p v2PageBody
	c.getJSON("/wiki/api/v2/spaces?limit=1", &p)
	next, err := url.Parse(p.Links.Next)
	require.NoError(t, err)
	cur := next.Query().Get("cursor")
	_, err = base64.StdEncoding.DecodeString(cur)
	require.NoError(t, err, "cursor is standard base64")
	require.Contains(t, next.RawQuery, "%3D", "padding is escaped in links")
}

func TestGetSpace(t *testing.T) {
	t.Parallel()
	srv := start(t, Small())
	c := newClient(t, srv)
	tr := srv.Truth()
	for _, sp := range tr.Spaces {
		var got struct {
			ID, Key, Name, Type, Status, AuthorID, HomepageID, CreatedAt string
			Operations                                                   *struct {
				Results []operation `json:"results"`
				Meta    v2MetaPage  `json:"meta"`
			} `json:"operations"`
			Links webUILink `json:"_links"`
		}
		c.getJSON("/wiki/api/v2/spaces/"+sp.ID+"?include-operations=true", &got)
		require.Equal(t, sp.Key, got.Key)
		require.Equal(t, sp.Name, got.Name)
		require.Equal(t, sp.AuthorID, got.AuthorID)
		require.Equal(t, "/spaces/"+url.PathEscape(sp.Key), got.Links.WebUI)
		require.NotNil(t, got.Operations)
		if sp.Type != "personal" {
			require.Contains(t, got.Operations.Results, operation{"administer", "space"}, "the admin group administers %s", sp.Key)
		}
	}
	requireV2Error(t, c.do(http.MethodGet, "/wiki/api/v2/spaces/1", nil), 404)
	requireV2Error(t, c.do(http.MethodGet, "/wiki/api/v2/spaces/KEY", nil), 400)

	var plain map[string]any
	c.getJSON("/wiki/api/v2/spaces/"+tr.Spaces[0].ID, &plain)
	require.NotContains(t, plain, "operations")
}

func TestGetSpaceIncludePermissions(t *testing.T) {
	t.Parallel()
	cfg := Small()
	cfg.PermissionsPerSpace = 70
	srv := start(t, cfg)
	c := newClient(t, srv)
	var sp Space
	for _, sp = range srv.Truth().Spaces {
		if sp.Type != "personal" {
			break
		}
	}
	require.Len(t, sp.Permissions, 70)
	var got struct {
		Permissions struct {
			Results []v2Permission `json:"results"`
			Meta    v2MetaPage     `json:"meta"`
			Links   selfLink       `json:"_links"`
		} `json:"permissions"`
	}
	c.getJSON("/wiki/api/v2/spaces/"+sp.ID+"?include-permissions=true", &got)
	require.Len(t, got.Permissions.Results, 50)
	require.True(t, got.Permissions.Meta.HasMore)
	rest := c.walkV2(got.Permissions.Links.Self + "?cursor=" + url.QueryEscape(got.Permissions.Meta.Cursor))
	require.Len(t, rest, len(sp.Permissions)-50, "the embedded cursor continues the permission list")
}

func TestSpacePermissionsList(t *testing.T) {
	t.Parallel()
	srv := start(t, Small())
	c := newClient(t, srv)
	tr := srv.Truth()
	for _, sp := range tr.Spaces {
		raws := c.walkV2("/wiki/api/v2/spaces/" + sp.ID + "/permissions?limit=3")
		got := make([]SpacePermission, len(raws))
		for i, raw := range raws {
			var p v2Permission
			require.NoError(t, json.Unmarshal(raw, &p))
			got[i] = SpacePermission{ID: p.ID, PrincipalType: p.Principal.Type, PrincipalID: p.Principal.ID,
				Key: p.Operation.Key, Target: p.Operation.TargetType}
		}
		require.Equal(t, sp.Permissions, got, sp.Key)
	}
	requireV2Error(t, c.do(http.MethodGet, "/wiki/api/v2/spaces/"+tr.Spaces[0].ID+"/permissions?limit=251", nil), 400)
	requireV2Error(t, c.do(http.MethodGet, "/wiki/api/v2/spaces/42/permissions", nil), 404)
}

func TestPermissionCatalogue(t *testing.T) {
	t.Parallel()
	srv := start(t, Small())
	c := newClient(t, srv)
	raws := c.walkV2("/wiki/api/v2/space-permissions?limit=4")
	ids := fields(t, raws, func(e catalogueEntry) string { return e.ID })
	require.Len(t, ids, len(v1Pairs)+len(v2OnlyPairs))
	require.Contains(t, ids, "read/space")
	require.Contains(t, ids, "update/page")
	var e catalogueEntry
	require.NoError(t, json.Unmarshal(raws[1], &e))
	require.Equal(t, []string{"read/space"}, e.RequiredPermissionIDs)
	require.False(t, strings.HasPrefix(e.DisplayName, " "))
}
