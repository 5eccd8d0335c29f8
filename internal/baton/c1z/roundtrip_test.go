package c1z

import (
	"database/sql"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// fakeClock returns a fixed time that tests advance by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time          { return c.t }
func (c *fakeClock) Advance(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 11, 28, 14, 51, 52, 50625250, time.UTC)}
}
func requireSameBytes(t *testing.T, want, got proto.Message, msgAndArgs ...any) {
	t.Helper()
	require.Equal(t, mustMarshal(t, want), mustMarshal(t, got), msgAndArgs...)
}

type roundTripData struct {
	rts   []*v2.ResourceType
	res   []*v2.Resource
	ents  []*v2.Entitlement
	grts  []*v2.Grant
	wantG []*v2.Grant // grants as a reader gives them back
}

func newRoundTripData(t *testing.T) roundTripData {
	t.Helper()
	sraRT := &v2.ResourceType{Id: "space_role_assignment", DisplayName: "Space Role Assignment",
		Traits: []v2.ResourceType_Trait{v2.ResourceType_TRAIT_SCOPE_BINDING}, Annotations: annotations.New(&v2.SkipEntitlements{}, &v2.OptInRequired{})}
	u1, u2, g1, sp := userRes("u1"), userRes("712020:abc-def"), groupRes("g1"), spaceRes("100")
	sp.Annotations = annotations.New(&v2.ChildResourceType{ResourceTypeId: "space_role_assignment"})
	sra := &v2.Resource{Id: rid("space_role_assignment", "100:r1"), ParentResourceId: rid("space", "100"), DisplayName: "Admin on Space 100",
		Annotations: annotations.New(&v2.ScopeBindingTrait{RoleId: rid("space_role", "r1"), ScopeResourceId: rid("space", "100")})}
	member, read, assigned := ent(g1, "member", userRT), ent(sp, "read-space", groupRT), ent(sra, "assigned", userRT, groupRT)

	plain := grant(member, u1.GetId())
	expand := grant(read, g1.GetId(), expandable("group:g1:member"))
	withSources := grant(read, u2.GetId())
	withSources.Sources = &v2.GrantSources{Sources: map[string]*v2.GrantSources_GrantSource{
		"space:100:read-space": {IsDirect: true}, "group:g1:member": {IsDirect: false}, "a": {IsDirect: true}}}
	blank := grant(assigned, g1.GetId(), &v2.GrantMetadata{}, expandable("", " "))
	blankWant := grant(assigned, g1.GetId(), &v2.GrantMetadata{})
	shallow := grant(assigned, u1.GetId(), &v2.GrantExpandable{EntitlementIds: []string{"group:g1:member"}, Shallow: true, ResourceTypeIds: []string{"user"}})
	return roundTripData{
		rts:   []*v2.ResourceType{userRT, groupRT, spaceRT, sraRT},
		res:   []*v2.Resource{u1, u2, g1, sp, sra},
		ents:  []*v2.Entitlement{member, read, assigned},
		grts:  []*v2.Grant{plain, expand, withSources, blank, shallow},
		wantG: []*v2.Grant{plain, expand, withSources, blankWant, shallow},
	}
}

// TestRoundTrip: Store -> Save -> OpenReader gives back byte-identical messages for every table.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	clock := newClock()
	s, out := newStore(t, Options{Now: clock.Now})
	d := newRoundTripData(t)
	run, err := s.StartSync(ctx, SyncTypeFull, "")
	require.NoError(t, err)
	require.Len(t, run.ID, 27)
	require.NoError(t, s.PutResourceTypes(ctx, run.ID, d.rts...))
	require.NoError(t, s.PutResources(ctx, run.ID, d.res...))
	require.NoError(t, s.PutEntitlements(ctx, run.ID, d.ents...))
	require.NoError(t, s.PutGrants(ctx, run.ID, d.grts...))
	require.NoError(t, s.Checkpoint(ctx, run.ID, `{"version":1}`))
	clock.Advance(90 * time.Second)
	require.NoError(t, s.MarkSupportsDiff(ctx, run.ID))
	require.NoError(t, s.EndSync(ctx, run.ID))
	require.NoError(t, s.Save(ctx))

	r, err := OpenReader(ctx, out, ReaderOptions{TempDir: t.TempDir()})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, r.Close()) })
	require.Equal(t, run.ID, r.Sync().ID)
	require.Equal(t, `{"version":1}`, r.Sync().Token)
	require.Equal(t, clock.Now().Add(-90*time.Second), r.Sync().StartedAt)
	require.Equal(t, clock.Now(), r.Sync().EndedAt)
	require.True(t, r.Sync().SupportsDiff)

	rts, err := r.ResourceTypes(ctx)
	require.NoError(t, err)
	require.Len(t, rts, len(d.rts))
	for i := range rts {
		requireSameBytes(t, d.rts[i], rts[i])
	}
	checkAll(t, d.res, collect(t, r.Resources(ctx, ResourceFilter{})))
	checkAll(t, d.ents, collect(t, r.Entitlements(ctx, EntitlementFilter{})))
	checkAll(t, d.wantG, collect(t, r.Grants(ctx, GrantFilter{})))
	for _, want := range d.wantG {
		got, err := r.Grant(ctx, want.GetId())
		require.NoError(t, err)
		requireSameBytes(t, want, got, want.GetId())
	}
	for _, want := range d.res {
		got, err := r.Resource(ctx, want.GetId())
		require.NoError(t, err)
		requireSameBytes(t, want, got)
	}
	e, err := r.Entitlement(ctx, d.ents[1].GetId())
	require.NoError(t, err)
	requireSameBytes(t, d.ents[1], e)

	checkRawRows(t, openRaw(t, out), d)
}

func checkAll[M proto.Message](t *testing.T, want, got []M) {
	t.Helper()
	require.Len(t, got, len(want))
	for i := range want {
		requireSameBytes(t, want[i], got[i], "row %d", i)
	}
}

// checkRawRows checks the columns a reader relies on, with plain SQL.
func checkRawRows(t *testing.T, db *sql.DB, d roundTripData) {
	t.Helper()
	rows, err := db.Query("SELECT external_id, parent_resource_type_id, parent_resource_id FROM v1_resources ORDER BY id")
	require.NoError(t, err)
	defer rows.Close()
	parents := map[string][2]sql.NullString{}
	for rows.Next() {
		var id string
		var pt, pid sql.NullString
		require.NoError(t, rows.Scan(&id, &pt, &pid))
		parents[id] = [2]sql.NullString{pt, pid}
	}
	require.Equal(t, [2]sql.NullString{{String: "space", Valid: true}, {String: "100", Valid: true}}, parents["space_role_assignment:100:r1"])
	require.Equal(t, [2]sql.NullString{}, parents["user:u1"], "no parent -> NULL columns")
	require.Contains(t, parents, "user:712020:abc-def")

	wantExp := map[string][]byte{
		d.grts[1].GetId(): mustMarshal(t, expandable("group:g1:member")),
		d.grts[4].GetId(): mustMarshal(t, &v2.GrantExpandable{EntitlementIds: []string{"group:g1:member"}, Shallow: true, ResourceTypeIds: []string{"user"}}),
	}
	grows, err := db.Query("SELECT external_id, expansion, needs_expansion, data FROM v1_grants ORDER BY id")
	require.NoError(t, err)
	defer grows.Close()
	n := 0
	for grows.Next() {
		var id string
		var exp, data []byte
		var needs int
		require.NoError(t, grows.Scan(&id, &exp, &needs, &data))
		require.Equal(t, wantExp[id], exp, id)
		require.Equal(t, exp != nil, needs == 1, id)
		require.NotContains(t, string(data), grantExpandableURL, "GrantExpandable stays out of data")
		n++
	}
	require.Equal(t, len(d.grts), n)
	var diff, backfilled int
	var gen, cov, mode string
	require.NoError(t, db.QueryRow(`SELECT supports_diff, grants_backfilled, ingest_invariant_generation,
		ingest_invariant_coverage, ingest_invariant_mode FROM v1_sync_runs`).Scan(&diff, &backfilled, &gen, &cov, &mode))
	require.Equal(t, []any{1, 1, "", "", ""}, []any{diff, backfilled, gen, cov, mode})
	var started, ended string
	require.NoError(t, db.QueryRow("SELECT CAST(started_at AS TEXT), CAST(ended_at AS TEXT) FROM v1_sync_runs").Scan(&started, &ended))
	require.Equal(t, "2026-11-28 14:51:52.05062525", started, "SDK layout, UTC, trailing zeros trimmed")
	require.Equal(t, "2026-11-28 14:53:22.05062525", ended)
}
