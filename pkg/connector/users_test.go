package connector_test

import (
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zapcore"
	"google.golang.org/protobuf/proto"

	"github.com/baton-confluence/baton-confluence/pkg/config"
	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"
	"github.com/baton-confluence/baton-confluence/pkg/connector/connectortest"

	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// TestUsersBulkUnavailable: when users-bulk answers 404 (or 403), accounts without operations
// count as disabled (the canonical connector's rule), users-bulk is asked once, and the rest of
// the sync is unchanged.
func TestUsersBulkUnavailable(t *testing.T) {
	t.Parallel()
	for _, code := range []int{404, 403} {
		ctx, logs := observedCtx(t)
		srv := startSim(t, confluencetest.Small())
		var calls atomic.Int64
		url := overrideSim(t, srv, map[string]http.HandlerFunc{"/wiki/api/v2/users-bulk": func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			status(code, `{"errors":[{"status":404,"title":"Not available"}]}`)(w, r)
		}})
		got := syncContent(ctx, t, newConnector(t, srv, func(c *config.Config) { c.DomainURL = url }))
		truth := srv.Truth()
		want := connectortest.Expected(truth, connectortest.Options{})
		disabledActive := 0
		for _, u := range connectortest.ReachableUsers(truth) {
			withOps := u.Active() && (u.Licensed || u.Guest)
			if u.Active() && !withOps {
				disabledActive++
			}
			want.AddResource(connectortest.UserResourceWithStatus(u, withOps))
		}
		require.Positive(t, disabledActive, "unlicensed active users exist and fall back to disabled")
		requireContent(t, want, got)
		require.EqualValues(t, 1, calls.Load(), "users-bulk is not asked again once unavailable")
		require.Equal(t, 1, logs.FilterLevelExact(zapcore.WarnLevel).FilterMessageSnippet("users-bulk is not available").Len())
	}
}

// TestGroupGrantsWithoutCache: a group's Grants on a connector that did not list users (a
// resumed sync in a new process) pages through the members itself.
func TestGroupGrantsWithoutCache(t *testing.T) {
	t.Parallel()
	cfg := confluencetest.Small()
	cfg.Users, cfg.Groups, cfg.MembersPerGroup = 600, 5, 450
	srv := startSim(t, cfg)
	conn := newConnector(t, srv, nil)
	ctx := t.Context()
	groups := conn.ResourceSyncers(ctx)[1]
	g := srv.Truth().Groups[len(srv.Truth().Groups)-1]
	res := connectortest.GroupResource(g)
	var ids []string
	token, pages := "", 0
	for {
		gs, next, _, err := groups.Grants(ctx, res, token)
		require.NoError(t, err)
		for _, gr := range gs {
			ids = append(ids, gr.GetPrincipal().GetId().GetResource())
			require.Equal(t, "group:"+g.ID+":member", gr.GetEntitlement().GetId())
		}
		pages++
		if next == "" {
			break
		}
		token = next
	}
	var want []string
	for _, id := range g.Members {
		if u, _ := srv.Truth().User(id); u.AccountType == confluencetest.AccountAtlassian {
			want = append(want, id)
		}
	}
	require.Equal(t, want, ids)
	require.Equal(t, 3, pages)
	require.EqualValues(t, 3, srv.Stats().Routes[confluencetest.RouteGroupMembers])
}

// TestRolePrincipalsCounted: space permissions held by role principals are skipped and counted
// in a debug log.
func TestRolePrincipalsCounted(t *testing.T) {
	t.Parallel()
	ctx, logs := observedCtx(t)
	srv := startSim(t, confluencetest.Small())
	syncContent(ctx, t, newConnector(t, srv, nil))
	want := 0
	for _, s := range srv.Truth().Spaces {
		for _, p := range s.Permissions {
			if p.PrincipalType == "role" {
				want++
			}
		}
	}
	require.Positive(t, want)
	counted := 0
	for _, e := range logs.FilterMessageSnippet("skipped space permissions").All() {
		counted += int(e.ContextMap()["role"].(int64))
	}
	require.Equal(t, want, counted)
}

// TestLargeUsersComplete lists the users of the Large tenant (20,000 accounts, half of them past
// the search cap) through the connector alone and compares them with every reachable human.
func TestLargeUsersComplete(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("large tenant")
	}
	srv := startSim(t, confluencetest.Large())
	conn := newConnector(t, srv, nil)
	ctx := t.Context()
	_, err := conn.Validate(ctx)
	require.NoError(t, err)
	users, err := listAll(ctx, conn.ResourceSyncers(ctx)[0], nil)
	require.NoError(t, err)
	got := map[string]*v2.Resource{}
	for _, u := range users {
		_, dup := got[u.GetId().GetResource()]
		require.False(t, dup, "each user once: %s", u.GetId().GetResource())
		got[u.GetId().GetResource()] = u
	}
	truth := srv.Truth()
	want := connectortest.ReachableUsers(truth)
	require.Len(t, got, len(want))
	pastCap := 0
	for _, u := range want {
		r := got[u.AccountID]
		require.NotNil(t, r, u.AccountID)
		require.True(t, proto.Equal(connectortest.UserResource(u), r), u.AccountID)
		if !u.Searchable {
			pastCap++
		}
	}
	require.Greater(t, pastCap, 9000)
}
