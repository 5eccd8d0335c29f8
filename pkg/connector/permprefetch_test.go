package connector_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"
	"github.com/baton-confluence/baton-confluence/pkg/connector"

	"github.com/baton-confluence/baton-confluence/internal/baton/connectorbuilder"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// prefetchTenant has more spaces than one v2 page.
func prefetchTenant() confluencetest.Config {
	c := confluencetest.Small()
	c.Users, c.Groups, c.MembersPerGroup, c.Spaces, c.PersonalSpaces, c.PermissionsPerSpace = 60, 6, 5, 300, 4, 5
	return c
}

// listSpaces validates conn and lists every space with ctx.
func listSpaces(ctx context.Context, t *testing.T, conn *connector.Connector) (connectorbuilder.ResourceSyncer, []*v2.Resource) {
	t.Helper()
	_, err := conn.Validate(ctx)
	require.NoError(t, err)
	var spaces connectorbuilder.ResourceSyncer
	for _, s := range conn.ResourceSyncers(ctx) {
		if s.ResourceType(ctx).GetId() == "space" {
			spaces = s
		}
	}
	require.NotNil(t, spaces)
	var out []*v2.Resource
	token := ""
	for {
		rs, next, _, err := spaces.List(ctx, nil, token)
		require.NoError(t, err)
		out = append(out, rs...)
		if token = next; token == "" {
			return spaces, out
		}
	}
}

// spaceGrants asks for every page of the grants of each space.
func spaceGrants(ctx context.Context, t *testing.T, spaces connectorbuilder.ResourceSyncer, rs []*v2.Resource) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, r := range rs {
		token := ""
		for {
			gs, next, _, err := spaces.Grants(ctx, r, token)
			require.NoError(t, err)
			for _, g := range gs {
				b, err := proto.MarshalOptions{Deterministic: true}.Marshal(g)
				require.NoError(t, err)
				out[g.GetId()] = b
			}
			if token = next; token == "" {
				break
			}
		}
	}
	return out
}

// TestPermissionsFetchedAhead: in a sync that will ask for grants, the space listing fetches
// the spaces' first permission pages with idle capacity, and Grants uses them: one request per
// space in all, the same grants as without fetching ahead.
func TestPermissionsFetchedAhead(t *testing.T) {
	t.Parallel()
	srv := startSim(t, prefetchTenant())
	ctx := connectorbuilder.WithSyncPlan(t.Context(), connectorbuilder.SyncPlan{ListsGrants: true})
	spaces, rs := listSpaces(ctx, t, newConnector(t, srv, nil))
	require.Greater(t, len(rs), 250, "more than one page of spaces")
	perms := func() int64 { return srv.Stats().Routes[confluencetest.RouteSpacePerms] }
	require.Eventually(t, func() bool { return perms() == int64(len(rs)) }, 10*time.Second, 5*time.Millisecond,
		"every listed space's permissions are fetched ahead")
	got := spaceGrants(ctx, t, spaces, rs)
	require.Equal(t, int64(len(rs)), perms(), "Grants used the pages fetched ahead")

	plainSpaces, plainRs := listSpaces(t.Context(), t, newConnector(t, srv, nil))
	require.Equal(t, int64(len(rs)), perms(), "nothing is fetched ahead without a plan")
	require.Equal(t, spaceGrants(t.Context(), t, plainSpaces, plainRs), got)
}

// TestPermissionsNotFetchedAhead: without a plan that asks for grants nothing is fetched
// ahead; with no free request slot (2 in flight at most, 2 reserved) the spaces stay queued, and
// each Grants takes its space off the queue and asks once.
func TestPermissionsNotFetchedAhead(t *testing.T) {
	t.Parallel()
	srv := startSim(t, prefetchTenant())
	perms := func() int64 { return srv.Stats().Routes[confluencetest.RouteSpacePerms] }
	noGrants := connectorbuilder.WithSyncPlan(t.Context(), connectorbuilder.SyncPlan{ListsGrants: false})
	listSpaces(noGrants, t, newConnector(t, srv, nil))
	time.Sleep(50 * time.Millisecond)
	require.Zero(t, perms(), "the plan says no grants")

	ctx := connectorbuilder.WithSyncPlan(t.Context(), connectorbuilder.SyncPlan{ListsGrants: true})
	spaces, rs := listSpaces(ctx, t, newConnector(t, srv, nil, connector.WithMaxConcurrency(2)))
	time.Sleep(50 * time.Millisecond)
	require.Zero(t, perms(), "no idle slot: nothing fetched ahead")
	spaceGrants(ctx, t, spaces, rs)
	require.Equal(t, int64(len(rs)), perms())
	time.Sleep(50 * time.Millisecond)
	require.Equal(t, int64(len(rs)), perms(), "a space taken off the queue is not fetched later")
}

// TestPermissionsFetchAheadEndsWithTheSync: when the sync's lifetime ends (here before its
// grants phase, as when it fails), nothing more is fetched ahead.
func TestPermissionsFetchAheadEndsWithTheSync(t *testing.T) {
	t.Parallel()
	cfg := prefetchTenant()
	cfg.Faults.Latency = 20 * time.Millisecond
	srv := startSim(t, cfg)
	perms := func() int64 { return srv.Stats().Routes[confluencetest.RouteSpacePerms] }
	life, end := context.WithCancel(context.Background())
	ctx := connectorbuilder.WithSyncPlan(t.Context(), connectorbuilder.SyncPlan{ListsGrants: true, Lifetime: life})
	// 3 slots, 2 reserved: one prefetch at a time, 20 ms each, for about 300 spaces.
	_, rs := listSpaces(ctx, t, newConnector(t, srv, nil, connector.WithMaxConcurrency(3)))
	require.Eventually(t, func() bool { return perms() > 0 }, 5*time.Second, time.Millisecond, "fetching ahead started")
	end()
	time.Sleep(60 * time.Millisecond) // a prefetch in flight ends
	stopped := perms()
	time.Sleep(200 * time.Millisecond)
	require.Equal(t, stopped, perms(), "no prefetch after the sync ended")
	require.Less(t, stopped, int64(len(rs))/2)
}
