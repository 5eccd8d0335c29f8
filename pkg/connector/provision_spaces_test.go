package connector_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"
	"github.com/baton-confluence/baton-confluence/pkg/connector/connectortest"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

func TestSpacePermissionLifecycle(t *testing.T) {
	t.Parallel()
	e := newProvEnv(t, confluencetest.Small(), nil)
	s, u := e.bareSpace()
	user := e.res("user", u.AccountID)
	conn := e.fresh() // a new process: the space key is looked up once
	readID := "space:" + s.ID + ":read-space"

	grants, annos, err := e.grant(conn, user, readID)
	require.NoError(t, err)
	require.False(t, alreadyExists(annos))
	require.Equal(t, []string{readID + ":user:" + u.AccountID}, grantIDs(grants))
	grants2, _, err := e.grant(conn, user, "space:"+s.ID+":export-space")
	require.NoError(t, err)
	require.EqualValues(t, 1, e.route(confluencetest.RouteSpace), "the key is looked up once per process")
	now, _ := e.srv.Truth().Space(s.ID)
	require.True(t, holds(now, "user", u.AccountID, "read", "space"))
	require.True(t, holds(now, "user", u.AccountID, "export", "space"))
	got := e.resync(connectortest.Options{})
	require.True(t, hasDirect(got, grants[0].GetId()), "direct grant %s", grants[0].GetId())
	require.True(t, hasDirect(got, grants2[0].GetId()), "direct grant %s", grants2[0].GetId())

	_, annos, err = e.grant(conn, user, readID)
	require.NoError(t, err)
	require.True(t, alreadyExists(annos), "an existing permission is not an error")

	annos, err = e.revoke(conn, grants2[0])
	require.NoError(t, err)
	require.False(t, alreadyRevoked(annos))
	now, _ = e.srv.Truth().Space(s.ID)
	require.False(t, holds(now, "user", u.AccountID, "export", "space"))
	require.True(t, holds(now, "user", u.AccountID, "read", "space"))
	got = e.resync(connectortest.Options{})
	require.False(t, hasDirect(got, grants2[0].GetId()), "no direct grant %s", grants2[0].GetId())

	deletes := e.route(confluencetest.RouteDelPermission)
	annos, err = e.revoke(conn, grants2[0])
	require.NoError(t, err)
	require.True(t, alreadyRevoked(annos))
	require.Equal(t, deletes, e.route(confluencetest.RouteDelPermission), "nothing to delete")
}

func grantIDs(gs []*v2.Grant) []string {
	var out []string
	for _, g := range gs {
		out = append(out, g.GetId())
	}
	return out
}

func TestSpacePermissionNeedsReadSpace(t *testing.T) {
	t.Parallel()
	e := newProvEnv(t, confluencetest.Small(), nil)
	s, u := e.bareSpace()
	_, _, err := e.grant(e.conn, e.res("user", u.AccountID), "space:"+s.ID+":create-page")
	require.ErrorContains(t, err, "grant space:"+s.ID+":read-space to user "+u.AccountID+" first")
	now, _ := e.srv.Truth().Space(s.ID)
	require.False(t, holdsAny(now, "user", u.AccountID))
}

func TestSpacePermissionForGroup(t *testing.T) {
	t.Parallel()
	e := newProvEnv(t, confluencetest.Small(), nil)
	var s confluencetest.Space
	var g confluencetest.Group
	for _, sp := range e.srv.Truth().Spaces {
		for _, gr := range e.srv.Truth().Groups {
			if sp.Type != "personal" && len(gr.Members) > 2 && !holdsAny(sp, "group", gr.ID) && s.ID == "" {
				s, g = sp, gr
			}
		}
	}
	require.NotEmpty(t, s.ID)
	grants, _, err := e.grant(e.conn, e.res("group", g.ID), "space:"+s.ID+":read-space")
	require.NoError(t, err)
	var ge v2.GrantExpandable
	ok, err := annotations.Annotations(grants[0].GetAnnotations()).Pick(&ge)
	require.NoError(t, err)
	require.True(t, ok, "the returned grant expands like the synced one")
	require.Equal(t, []string{"group:" + g.ID + ":member"}, ge.GetEntitlementIds())
	got := e.resync(connectortest.Options{})
	require.True(t, hasDirect(got, grants[0].GetId()), "direct grant %s", grants[0].GetId())
	member := e.memberHuman(g)
	require.True(t, hasGrant(got, "space:"+s.ID+":read-space:user:"+member.AccountID), "expanded to the members")

	annos, err := e.revoke(e.conn, grants[0])
	require.NoError(t, err)
	require.False(t, alreadyRevoked(annos))
	now, _ := e.srv.Truth().Space(s.ID)
	require.False(t, holdsAny(now, "group", g.ID))
}

// TestSpacePermissionRemovedBySomeoneElse: the connector's cached permission id is stale because
// another process removed (or added) the permission.
func TestSpacePermissionRemovedBySomeoneElse(t *testing.T) {
	t.Parallel()
	e := newProvEnv(t, confluencetest.Small(), nil)
	s, u := e.bareSpace()
	user := e.res("user", u.AccountID)
	readID := "space:" + s.ID + ":read-space"
	a, b := e.fresh(), e.fresh()

	grants, _, err := e.grant(a, user, readID)
	require.NoError(t, err)
	// b caches the space's permissions (the export grant is absent: already revoked).
	exportGrant := &v2.Grant{Entitlement: e.ent("space:" + s.ID + ":export-space"), Principal: user,
		Id: "space:" + s.ID + ":export-space:user:" + u.AccountID}
	annos, err := e.revoke(b, exportGrant)
	require.NoError(t, err)
	require.True(t, alreadyRevoked(annos))

	annos, err = e.revoke(a, grants[0]) // a removes read-space; b's cache still has its id
	require.NoError(t, err)
	require.False(t, alreadyRevoked(annos))
	before := e.route(confluencetest.RouteDelPermission)
	annos, err = e.revoke(b, grants[0])
	require.NoError(t, err)
	require.True(t, alreadyRevoked(annos), "a 404 on delete, then a fresh listing without it")
	require.Equal(t, before+1, e.route(confluencetest.RouteDelPermission))

	// b's cache now says "absent", a adds it again: b re-lists before answering.
	_, _, err = e.grant(a, user, readID)
	require.NoError(t, err)
	annos, err = e.revoke(b, grants[0])
	require.NoError(t, err)
	require.False(t, alreadyRevoked(annos))
	now, _ := e.srv.Truth().Space(s.ID)
	require.False(t, holdsAny(now, "user", u.AccountID))
}

func TestSpacePermissionAmbiguousAdd(t *testing.T) {
	t.Parallel()
	e := newProvEnv(t, confluencetest.Small(), nil)
	s, u := e.bareSpace()
	e.srv.SetFaults(confluencetest.Faults{Routes: []string{confluencetest.RouteAddPermission}, FailureRate: 1, LandBeforeFail: true})
	e.srv.ResetStats()
	grants, _, err := e.grant(e.conn, e.res("user", u.AccountID), "space:"+s.ID+":read-space")
	require.NoError(t, err, "the permission landed: a fresh listing shows it")
	require.Len(t, grants, 1)
	require.EqualValues(t, 1, e.route(confluencetest.RouteAddPermission), "never repeated")
	now, _ := e.srv.Truth().Space(s.ID)
	require.True(t, holds(now, "user", u.AccountID, "read", "space"))
}

func TestSpacePermissionRejects(t *testing.T) {
	t.Parallel()
	e := newProvEnv(t, confluencetest.Small(), nil)
	s, u := e.bareSpace()
	ent := e.ent("space:" + s.ID + ":read-space")
	bogus := &v2.Entitlement{Resource: ent.GetResource(), Id: "space:" + s.ID + ":fly-space"}
	_, _, err := e.conn.ResourceSyncers(e.ctx)[2].(interface {
		Grant(ctx context.Context, p *v2.Resource, e *v2.Entitlement) ([]*v2.Grant, annotations.Annotations, error)
	}).Grant(e.ctx, e.res("user", u.AccountID), bogus)
	require.ErrorContains(t, err, "is not a space permission")
	role := &v2.Resource{Id: &v2.ResourceId{ResourceType: "space_role", Resource: "1"}}
	_, _, err = e.grant(e.conn, role, ent.GetId())
	require.ErrorContains(t, err, "only user or group principals")
	require.Zero(t, e.route(confluencetest.RouteAddPermission))
}
