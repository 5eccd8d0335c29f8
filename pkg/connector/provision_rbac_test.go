package connector_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/pkg/config"
	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"
	"github.com/baton-confluence/baton-confluence/pkg/connector/connectortest"
)

func rbacSim() confluencetest.Config {
	c := confluencetest.Small()
	c.RBAC = true
	return c
}

func useRBAC(c *config.Config) { c.UseRBAC = true }

// rolesOf returns the roles the principal holds in the space.
func rolesOf(s confluencetest.Space, ptype, pid string) []string {
	var out []string
	for _, a := range s.RoleAssignments {
		if a.PrincipalType == ptype && a.PrincipalID == pid {
			out = append(out, a.RoleID)
		}
	}
	return out
}

// boundSpace returns a space with two synced role bindings and an active user holding no role
// there.
func (e *provEnv) boundSpace() (s confluencetest.Space, roleA, roleB string, u confluencetest.User) {
	e.t.Helper()
	for _, sp := range e.srv.Truth().Spaces {
		var roles []string
		for _, a := range sp.RoleAssignments {
			if !contains(roles, a.RoleID) {
				roles = append(roles, a.RoleID)
			}
		}
		if len(roles) < 2 {
			continue
		}
		for _, cand := range e.humans() {
			if len(rolesOf(sp, "USER", cand.AccountID)) == 0 {
				return sp, roles[0], roles[1], cand
			}
		}
	}
	e.t.Fatal("no space with two roles")
	return
}

func TestRoleAssignmentLifecycle(t *testing.T) {
	t.Parallel()
	e := newProvEnv(t, rbacSim(), useRBAC)
	s, roleA, roleB, u := e.boundSpace()
	user := e.res("user", u.AccountID)
	entA := "space_role_assignment:" + s.ID + ":" + roleA + ":assigned"
	entB := "space_role_assignment:" + s.ID + ":" + roleB + ":assigned"
	opts := connectortest.Options{UseRBAC: true}

	grants, annos, err := e.grant(e.conn, user, entA)
	require.NoError(t, err)
	require.False(t, alreadyExists(annos))
	require.Equal(t, []string{entA + ":user:" + u.AccountID}, grantIDs(grants))
	now, _ := e.srv.Truth().Space(s.ID)
	require.Equal(t, []string{roleA}, rolesOf(now, "USER", u.AccountID))
	got := e.resync(opts)
	require.True(t, hasDirect(got, grants[0].GetId()), "direct grant %s", grants[0].GetId())

	sets := e.route(confluencetest.RouteSetAssignments)
	_, annos, err = e.grant(e.conn, user, entA)
	require.NoError(t, err)
	require.True(t, alreadyExists(annos))
	require.Equal(t, sets, e.route(confluencetest.RouteSetAssignments))

	// A principal has one role per space: granting B replaces A.
	grantsB, _, err := e.grant(e.conn, user, entB)
	require.NoError(t, err)
	now, _ = e.srv.Truth().Space(s.ID)
	require.Equal(t, []string{roleB}, rolesOf(now, "USER", u.AccountID))

	annos, err = e.revoke(e.conn, grants[0]) // A is no longer held
	require.NoError(t, err)
	require.True(t, alreadyRevoked(annos))
	now, _ = e.srv.Truth().Space(s.ID)
	require.Equal(t, []string{roleB}, rolesOf(now, "USER", u.AccountID), "revoking A leaves B alone")

	annos, err = e.revoke(e.conn, grantsB[0])
	require.NoError(t, err)
	require.False(t, alreadyRevoked(annos))
	now, _ = e.srv.Truth().Space(s.ID)
	require.Empty(t, rolesOf(now, "USER", u.AccountID))
	got = e.resync(opts)
	require.False(t, hasDirect(got, grantsB[0].GetId()), "no direct grant %s", grantsB[0].GetId())
}

func TestRoleAssignmentForGroup(t *testing.T) {
	t.Parallel()
	e := newProvEnv(t, rbacSim(), useRBAC)
	s, roleA, _, _ := e.boundSpace()
	var g confluencetest.Group
	for _, gr := range e.srv.Truth().Groups {
		if len(rolesOf(s, "GROUP", gr.ID)) == 0 && len(gr.Members) > 2 && gr.Name != "atlassian-addons-admin" {
			g = gr
			break
		}
	}
	require.NotEmpty(t, g.ID)
	ent := "space_role_assignment:" + s.ID + ":" + roleA + ":assigned"
	grants, _, err := e.grant(e.conn, e.res("group", g.ID), ent)
	require.NoError(t, err)
	now, _ := e.srv.Truth().Space(s.ID)
	require.Equal(t, []string{roleA}, rolesOf(now, "GROUP", g.ID))
	got := e.resync(connectortest.Options{UseRBAC: true})
	require.True(t, hasDirect(got, grants[0].GetId()), "direct grant %s", grants[0].GetId())
	require.True(t, hasGrant(got, ent+":user:"+e.memberHuman(g).AccountID), "expanded to the members")

	annos, err := e.revoke(e.conn, grants[0])
	require.NoError(t, err)
	require.False(t, alreadyRevoked(annos))
	now, _ = e.srv.Truth().Space(s.ID)
	require.Empty(t, rolesOf(now, "GROUP", g.ID))
}
