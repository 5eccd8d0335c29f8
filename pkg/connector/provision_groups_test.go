package connector_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"
	"github.com/baton-confluence/baton-confluence/pkg/connector/connectortest"
)

func TestGroupMembershipLifecycle(t *testing.T) {
	t.Parallel()
	e := newProvEnv(t, confluencetest.Small(), nil)
	g := e.group("")
	u := e.outsider(g)
	entID := "group:" + g.ID + ":member"
	user := e.res("user", u.AccountID)

	grants, annos, err := e.grant(e.conn, user, entID)
	require.NoError(t, err)
	require.False(t, alreadyExists(annos))
	require.Len(t, grants, 1)
	require.Equal(t, entID+":user:"+u.AccountID, grants[0].GetId())
	now, _ := e.srv.Truth().Group(g.ID)
	require.Contains(t, now.Members, u.AccountID)
	require.EqualValues(t, 1, e.route(confluencetest.RouteAddMember))
	got := e.resync(connectortest.Options{})
	require.True(t, hasDirect(got, grants[0].GetId()), "direct grant %s", grants[0].GetId())

	_, annos, err = e.grant(e.conn, user, entID)
	require.NoError(t, err)
	require.True(t, alreadyExists(annos), "second grant reports an existing membership")
	require.EqualValues(t, 1, e.route(confluencetest.RouteAddMember), "and sends no second add")

	annos, err = e.revoke(e.conn, grants[0])
	require.NoError(t, err)
	require.False(t, alreadyRevoked(annos))
	now, _ = e.srv.Truth().Group(g.ID)
	require.NotContains(t, now.Members, u.AccountID)
	got = e.resync(connectortest.Options{})
	require.False(t, hasDirect(got, grants[0].GetId()), "no direct grant %s", grants[0].GetId())

	annos, err = e.revoke(e.conn, grants[0])
	require.NoError(t, err)
	require.True(t, alreadyRevoked(annos))
	require.EqualValues(t, 1, e.route(confluencetest.RouteRemoveMember), "no delete for a non-member")
}

func TestGroupMembershipOfExistingMember(t *testing.T) {
	t.Parallel()
	e := newProvEnv(t, confluencetest.Small(), nil)
	g := e.group("")
	u := e.memberHuman(g)
	_, annos, err := e.grant(e.fresh(), e.res("user", u.AccountID), "group:"+g.ID+":member")
	require.NoError(t, err)
	require.True(t, alreadyExists(annos))
	require.Zero(t, e.route(confluencetest.RouteAddMember))
}

func TestGroupMembershipRejectsGroupPrincipal(t *testing.T) {
	t.Parallel()
	e := newProvEnv(t, confluencetest.Small(), nil)
	g := e.group("")
	other := e.srv.Truth().Groups[0]
	_, _, err := e.grant(e.conn, e.res("group", other.ID), "group:"+g.ID+":member")
	require.ErrorContains(t, err, "only user principals are supported")
	require.Zero(t, e.route(confluencetest.RouteAddMember))
}

// TestGroupMembershipAmbiguousAdd: the add fails without a usable answer. The connector checks
// membership instead of repeating the add: success when it landed, the error when it did not.
func TestGroupMembershipAmbiguousAdd(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		faults confluencetest.Faults
		landed bool
	}{
		{"500 after landing", confluencetest.Faults{FailureRate: 1, LandBeforeFail: true}, true},
		{"connection dropped after landing", confluencetest.Faults{DropRate: 1, LandBeforeFail: true}, true},
		{"500 without landing", confluencetest.Faults{Seed: 3, FailureRate: 1}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newProvEnv(t, confluencetest.Small(), nil)
			g := e.group("")
			u := e.outsider(g)
			tc.faults.Routes = []string{confluencetest.RouteAddMember}
			e.srv.SetFaults(tc.faults)
			e.srv.ResetStats()
			grants, _, err := e.grant(e.conn, e.res("user", u.AccountID), "group:"+g.ID+":member")
			now, _ := e.srv.Truth().Group(g.ID)
			require.Equal(t, tc.landed, contains(now.Members, u.AccountID))
			if tc.landed {
				require.NoError(t, err)
				require.Len(t, grants, 1)
			} else {
				require.Error(t, err)
			}
			require.EqualValues(t, 1, e.route(confluencetest.RouteAddMember), "the add is never repeated")
			require.EqualValues(t, 2, e.route(confluencetest.RouteMemberOf), "membership checked before and after")
		})
	}
}
