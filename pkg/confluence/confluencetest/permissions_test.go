package confluencetest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// permBody builds an add-permission request body.
func permBody(subjectType, id, key, target string) map[string]any {
	return map[string]any{
		"subject":   map[string]string{"type": subjectType, "identifier": id},
		"operation": map[string]string{"key": key, "target": target},
	}
}

func firstGlobal(t *testing.T, tr *Truth) Space {
	t.Helper()
	for _, sp := range tr.Spaces {
		if sp.Type != "personal" {
			return sp
		}
	}
	t.Fatal("no non-personal space")
	return Space{}
}

// userWithout returns a user holding no permission in the space.
func userWithout(t *testing.T, tr *Truth, sp Space) string {
	t.Helper()
	held := map[string]bool{}
	for _, p := range sp.Permissions {
		held[p.PrincipalID] = true
	}
	for _, u := range tr.Users {
		if !held[u.AccountID] && u.AccountType == AccountAtlassian {
			return u.AccountID
		}
	}
	t.Fatal("everyone holds a permission")
	return ""
}

func TestAddPermission(t *testing.T) {
	t.Parallel()
	srv := start(t, Small())
	c := newClient(t, srv)
	tr := srv.Truth()
	sp := firstGlobal(t, tr)
	uid := userWithout(t, tr, sp)
	path := "/wiki/rest/api/space/" + url.PathEscape(sp.Key) + "/permission"

	e := requireV1Error(t, c.do(http.MethodPost, path, permBody("user", uid, "create", "page")), 400)
	require.Contains(t, e.Message, "read space", "read/space must come first")

	r := c.do(http.MethodPost, path, permBody("user", uid, "read", "space"))
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var got permV1
	require.NoError(t, json.Unmarshal(r.body, &got))
	require.Positive(t, got.ID)
	require.Equal(t, permSubject{"user", uid}, got.Subject)
	require.Equal(t, permOperation{"read", "space"}, got.Operation)

	r = c.do(http.MethodPost, path, permBody("user", uid, "create", "page"))
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)

	e = requireV1Error(t, c.do(http.MethodPost, path, permBody("user", uid, "create", "page")), 400)
	require.Equal(t, "Permission already exists", e.Message)

	after, _ := srv.Truth().Space(sp.ID)
	n := len(after.Permissions)
	require.Equal(t, len(sp.Permissions)+2, n)
	require.Equal(t, SpacePermission{ID: strconv.FormatInt(got.ID, 10), PrincipalType: "user", PrincipalID: uid,
		Key: "read", Target: "space"}, after.Permissions[n-2])
	listed := c.walkV2("/wiki/api/v2/spaces/" + sp.ID + "/permissions?limit=250")
	require.Len(t, listed, n, "the v2 listing shows the grant")
}

func TestAddPermissionErrors(t *testing.T) {
	t.Parallel()
	srv := start(t, Small())
	tr := srv.Truth()
	sp := firstGlobal(t, tr)
	path := "/wiki/rest/api/space/" + sp.Key + "/permission"
	g := tr.Groups[0]
	for name, tc := range map[string]struct {
		path   string
		body   any
		status int
	}{
		"unknown key":        {"/wiki/rest/api/space/NOPE/permission", permBody("group", g.ID, "read", "space"), 404},
		"space id not key":   {"/wiki/rest/api/space/" + sp.ID + "/permission", permBody("group", g.ID, "read", "space"), 404},
		"plural path":        {"/wiki/rest/api/space/" + sp.Key + "/permissions", permBody("group", g.ID, "read", "space"), 404},
		"v2-only pair":       {path, permBody("group", g.ID, "update", "page"), 400},
		"unknown key op":     {path, permBody("group", g.ID, "fly", "space"), 400},
		"invalid pair":       {path, permBody("group", g.ID, "administer", "page"), 400},
		"unknown group":      {path, permBody("group", "nope", "read", "space"), 400},
		"unknown user":       {path, permBody("user", "nope", "read", "space"), 400},
		"role subject":       {path, permBody("role", "anonymous-users", "read", "space"), 400},
		"empty subject":      {path, permBody("user", "", "read", "space"), 400},
		"not json":           {path, "nope", 400},
		"duplicate existing": {path, permBody(sp.Permissions[0].PrincipalType, sp.Permissions[0].PrincipalID, sp.Permissions[0].Key, sp.Permissions[0].Target), 400},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			requireV1Error(t, newClient(t, srv).do(http.MethodPost, tc.path, tc.body), tc.status)
		})
	}
}

func TestAddPermissionGroupByNameAndPersonalKey(t *testing.T) {
	t.Parallel()
	srv := start(t, Small())
	c := newClient(t, srv)
	tr := srv.Truth()
	var personal Space
	for _, sp := range tr.Spaces {
		if sp.Type == "personal" {
			personal = sp
		}
	}
	g := tr.Groups[3]
	r := c.do(http.MethodPost, "/wiki/rest/api/space/"+url.PathEscape(personal.Key)+"/permission",
		permBody("group", g.Name, "read", "space"))
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var got permV1
	require.NoError(t, json.Unmarshal(r.body, &got))
	require.Equal(t, g.ID, got.Subject.Identifier, "a group name resolves to its id")
}

func TestDeletePermission(t *testing.T) {
	t.Parallel()
	srv := start(t, Small())
	c := newClient(t, srv)
	tr := srv.Truth()
	sp := firstGlobal(t, tr)
	base := "/wiki/rest/api/space/" + sp.Key + "/permission/"

	// A principal with read/space and more: deleting one other permission removes only it.
	byPrincipal := map[string][]SpacePermission{}
	for _, p := range sp.Permissions {
		byPrincipal[p.PrincipalType+":"+p.PrincipalID] = append(byPrincipal[p.PrincipalType+":"+p.PrincipalID], p)
	}
	var victim []SpacePermission
	for _, ps := range byPrincipal {
		if len(ps) >= 2 && ps[0].PrincipalType == "group" && !hasAdmin(ps) {
			victim = ps
			break
		}
	}
	require.NotEmpty(t, victim)
	r := c.do(http.MethodDelete, base+victim[1].ID, nil)
	require.Equal(t, http.StatusNoContent, r.status, "%s", r.body)
	now, _ := srv.Truth().Space(sp.ID)
	require.Len(t, now.Permissions, len(sp.Permissions)-1)

	// Deleting read/space removes every permission of that principal.
	r = c.do(http.MethodDelete, base+victim[0].ID, nil)
	require.Equal(t, http.StatusNoContent, r.status, "%s", r.body)
	now, _ = srv.Truth().Space(sp.ID)
	require.Len(t, now.Permissions, len(sp.Permissions)-len(victim))
	for _, p := range now.Permissions {
		require.NotEqual(t, victim[0].PrincipalID, p.PrincipalID)
	}

	requireV1Error(t, c.do(http.MethodDelete, base+victim[0].ID, nil), 404)
	requireV1Error(t, c.do(http.MethodDelete, base+"abc", nil), 404)
	requireV1Error(t, c.do(http.MethodDelete, "/wiki/rest/api/space/NOPE/permission/"+sp.Permissions[0].ID, nil), 404)
}

func hasAdmin(ps []SpacePermission) bool {
	for _, p := range ps {
		if p.Key == "administer" && p.Target == "space" {
			return true
		}
	}
	return false
}

func TestDeleteLastAdmin(t *testing.T) {
	t.Parallel()
	srv := start(t, Small())
	c := newClient(t, srv)
	sp := firstGlobal(t, srv.Truth())
	base := "/wiki/rest/api/space/" + sp.Key + "/permission/"
	var admins []SpacePermission
	for _, p := range sp.Permissions {
		if p.Key == "administer" && p.Target == "space" {
			admins = append(admins, p)
		}
	}
	require.GreaterOrEqual(t, len(admins), 2)
	for _, p := range admins[:len(admins)-1] {
		require.Equal(t, http.StatusNoContent, c.do(http.MethodDelete, base+p.ID, nil).status)
	}
	last := admins[len(admins)-1]
	e := requireV1Error(t, c.do(http.MethodDelete, base+last.ID, nil), 400)
	require.Contains(t, e.Message, "admin permissions cannot be removed")
	var read SpacePermission
	for _, p := range sp.Permissions {
		if p.PrincipalID == last.PrincipalID && p.Key == "read" && p.Target == "space" {
			read = p
		}
	}
	requireV1Error(t, c.do(http.MethodDelete, base+read.ID, nil), 400) // would remove the last admin too
	now, _ := srv.Truth().Space(sp.ID)
	require.Len(t, now.Permissions, len(sp.Permissions)-len(admins)+1)
}
