package confluencetest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRBACOff(t *testing.T) {
	t.Parallel()
	srv := start(t, Small())
	c := newClient(t, srv)
	var mode map[string]string
	c.getJSON("/wiki/api/v2/space-role-mode", &mode)
	require.Equal(t, ModePreRoles, mode["mode"])
	sp := srv.Truth().Spaces[0]
	requireV2Error(t, c.do(http.MethodGet, "/wiki/api/v2/space-roles", nil), 404)
	requireV2Error(t, c.do(http.MethodGet, "/wiki/api/v2/spaces/"+sp.ID+"/role-assignments", nil), 404)
	require.Empty(t, sp.RoleAssignments)
}

func TestRBACRoles(t *testing.T) {
	t.Parallel()
	srv := start(t, withRBAC(Small()))
	c := newClient(t, srv)
	tr := srv.Truth()
	var mode map[string]string
	c.getJSON("/wiki/api/v2/space-role-mode", &mode)
	require.Equal(t, ModeRolesTransition, mode["mode"])
	require.Equal(t, ModeRolesTransition, tr.RBACMode)

	raws := c.walkV2("/wiki/api/v2/space-roles?limit=2")
	got := make([]Role, len(raws))
	for i, raw := range raws {
		require.NoError(t, json.Unmarshal(raw, &got[i]))
	}
	require.Equal(t, tr.Roles, got)
	require.Len(t, got, 4+Small().CustomRoles)

	custom := c.walkV2("/wiki/api/v2/space-roles?role-type=CUSTOM")
	require.Len(t, custom, Small().CustomRoles)

	sp := firstGlobal(t, tr)
	a := sp.RoleAssignments[0]
	held := fields(t, c.walkV2("/wiki/api/v2/space-roles?space-id="+sp.ID+"&principal-type="+a.PrincipalType+
		"&principal-id="+a.PrincipalID), func(r Role) string { return r.ID })
	require.Equal(t, []string{a.RoleID}, held)

	var one Role
	c.getJSON("/wiki/api/v2/space-roles/"+tr.Roles[1].ID, &one)
	require.Equal(t, tr.Roles[1], one)
	requireV2Error(t, c.do(http.MethodGet, "/wiki/api/v2/space-roles/1", nil), 404)
	for _, q := range []string{"principal-type=USER", "principal-id=x", "principal-type=ROBOT&principal-id=x", "role-type=DEFAULT"} {
		requireV2Error(t, c.do(http.MethodGet, "/wiki/api/v2/space-roles?"+q, nil), 400)
	}
	requireV2Error(t, c.do(http.MethodGet, "/wiki/api/v2/space-roles?space-id=7", nil), 404)
}

func assignmentsOf(t *testing.T, raws []json.RawMessage) []RoleAssignment {
	t.Helper()
	out := make([]RoleAssignment, len(raws))
	for i, raw := range raws {
		var a v2Assignment
		require.NoError(t, json.Unmarshal(raw, &a))
		out[i] = RoleAssignment{PrincipalType: a.Principal.PrincipalType, PrincipalID: a.Principal.PrincipalID, RoleID: a.RoleID}
	}
	return out
}

func TestRoleAssignmentsList(t *testing.T) {
	t.Parallel()
	srv := start(t, withRBAC(Small()))
	c := newClient(t, srv)
	tr := srv.Truth()
	for _, sp := range tr.Spaces {
		got := assignmentsOf(t, c.walkV2("/wiki/api/v2/spaces/"+sp.ID+"/role-assignments?limit=1"))
		require.Equal(t, sp.RoleAssignments, got, sp.Key)
	}
	sp := firstGlobal(t, tr)
	require.Len(t, sp.RoleAssignments, Small().RolesPerSpace)
	admin := tr.Roles[0].ID
	var want []RoleAssignment
	for _, a := range sp.RoleAssignments {
		if a.RoleID == admin {
			want = append(want, a)
		}
	}
	got := assignmentsOf(t, c.walkV2("/wiki/api/v2/spaces/"+sp.ID+"/role-assignments?limit=1&role-id="+admin))
	require.Equal(t, want, got)
}

func TestRoleAssignmentsSet(t *testing.T) {
	t.Parallel()
	srv := start(t, withRBAC(Small()))
	c := newClient(t, srv)
	tr := srv.Truth()
	sp := firstGlobal(t, tr)
	path := "/wiki/api/v2/spaces/" + sp.ID + "/role-assignments"
	uid := userWithout(t, tr, sp)
	viewer := tr.Roles[3].ID
	existing := sp.RoleAssignments[len(sp.RoleAssignments)-1]

	body := []map[string]any{
		{"principal": map[string]string{"principalType": "USER", "principalId": uid}, "roleId": viewer},
		{"principal": map[string]string{"principalType": existing.PrincipalType, "principalId": existing.PrincipalID}},
	}
	r := c.do(http.MethodPost, path, body)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var res v2PageBody
	require.NoError(t, json.Unmarshal(r.body, &res))
	require.Equal(t, []RoleAssignment{{"USER", uid, viewer}}, assignmentsOf(t, res.Results))

	now, _ := srv.Truth().Space(sp.ID)
	want := append(append([]RoleAssignment{}, sp.RoleAssignments[:len(sp.RoleAssignments)-1]...), RoleAssignment{"USER", uid, viewer})
	require.Equal(t, want, now.RoleAssignments, "entry without roleId removes; new one appended")
	require.Equal(t, want, assignmentsOf(t, c.walkV2(path)))

	// Re-assigning replaces the role: one role per principal.
	collaborator := tr.Roles[2].ID
	r = c.do(http.MethodPost, path, []map[string]any{{"principal": map[string]string{"principalType": "USER", "principalId": uid}, "roleId": collaborator}})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	now, _ = srv.Truth().Space(sp.ID)
	require.Equal(t, RoleAssignment{"USER", uid, collaborator}, now.RoleAssignments[len(now.RoleAssignments)-1])
	require.Len(t, now.RoleAssignments, len(want))
}

func TestRoleAssignmentsSetErrors(t *testing.T) {
	t.Parallel()
	srv := start(t, withRBAC(Small()))
	c := newClient(t, srv)
	tr := srv.Truth()
	sp := firstGlobal(t, tr)
	path := "/wiki/api/v2/spaces/" + sp.ID + "/role-assignments"
	ok := map[string]any{"principal": map[string]string{"principalType": "USER", "principalId": tr.Users[1].AccountID}, "roleId": tr.Roles[3].ID}
	for name, body := range map[string]any{
		"empty array":    []any{},
		"not an array":   map[string]any{"x": 1},
		"bad role":       []any{ok, map[string]any{"principal": map[string]string{"principalType": "USER", "principalId": tr.Users[2].AccountID}, "roleId": "999"}},
		"bad type":       []any{map[string]any{"principal": map[string]string{"principalType": "ROBOT", "principalId": "x"}, "roleId": tr.Roles[3].ID}},
		"unknown user":   []any{map[string]any{"principal": map[string]string{"principalType": "USER", "principalId": "nobody"}, "roleId": tr.Roles[3].ID}},
		"unknown group":  []any{map[string]any{"principal": map[string]string{"principalType": "GROUP", "principalId": "nope"}, "roleId": tr.Roles[3].ID}},
		"unknown class":  []any{map[string]any{"principal": map[string]string{"principalType": "ACCESS_CLASS", "principalId": "everyone"}, "roleId": tr.Roles[3].ID}},
		"missing member": []any{map[string]any{"roleId": tr.Roles[3].ID}},
	} {
		t.Run(name, func(t *testing.T) {
			requireV2Error(t, newClient(t, srv).do(http.MethodPost, path, body), 400)
		})
	}
	now, _ := srv.Truth().Space(sp.ID)
	require.Equal(t, sp.RoleAssignments, now.RoleAssignments, "a rejected request changes nothing")

	big := "[" + strings.Repeat(`{"principal":{"principalType":"USER","principalId":"x"}},`, 5<<20/56+10) + "{}]"
	req, err := http.NewRequest(http.MethodPost, srv.URL()+path, strings.NewReader(big))
	require.NoError(t, err)
	req.SetBasicAuth(c.user, c.token)
	req.Header.Set("Content-Type", "application/json")
	requireV2Error(t, c.send(req), http.StatusRequestEntityTooLarge)
	requireV2Error(t, c.do(http.MethodPost, "/wiki/api/v2/spaces/77/role-assignments", []any{ok}), 404)
}

func TestRBACRolesMode(t *testing.T) {
	t.Parallel()
	cfg := withRBAC(Small())
	cfg.RBACMode = ModeRoles
	srv := start(t, cfg)
	var mode map[string]string
	newClient(t, srv).getJSON("/wiki/api/v2/space-role-mode", &mode)
	require.Equal(t, ModeRoles, mode["mode"])
}
