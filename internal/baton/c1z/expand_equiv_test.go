package c1z

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// randomSync is a small random sync for expansion: users, groups (with member and admin
// entitlements), roles and spaces; direct grants with varied sources and principal copies,
// duplicate grants of one principal, and expandable grants forming random multi-level graphs
// with cycles, shallow edges, type filters, missing sources and missing destinations.
type randomSync struct {
	r      *rand.Rand
	ents   map[string]*v2.Entitlement // stored entitlements
	all    []*v2.Entitlement          // stored ones and a few that are not
	res    []*v2.Resource
	grants []*v2.Grant
	ids    map[string]bool
}

var randomTypes = []*v2.ResourceType{userRT, groupRT, spaceRT, {Id: "role", DisplayName: "Role"}}

func newRandomSync(seed uint64) *randomSync {
	rs := &randomSync{r: rand.New(rand.NewPCG(seed, seed^0x5eed)), ents: map[string]*v2.Entitlement{}, ids: map[string]bool{}}
	r := rs.r
	nu, ng, nr, ns := 3+r.IntN(10), 1+r.IntN(5), r.IntN(3), 1+r.IntN(3)
	for i := range nu {
		rs.res = append(rs.res, &v2.Resource{Id: rid("user", fmt.Sprintf("u%d", i)), DisplayName: fmt.Sprintf("User %d", i)})
	}
	owners := []*v2.Resource{}
	for i := range ng {
		g := groupRes(fmt.Sprintf("g%d", i))
		rs.res, owners = append(rs.res, g), append(owners, g)
		rs.addEnt(ent(g, "member", userRT, groupRT), true)
		rs.addEnt(ent(g, "admin", userRT), r.IntN(2) == 0)
	}
	for i := range nr {
		ro := &v2.Resource{Id: rid("role", fmt.Sprintf("r%d", i)), DisplayName: fmt.Sprintf("Role %d", i)}
		rs.res, owners = append(rs.res, ro), append(owners, ro)
		rs.addEnt(ent(ro, "assigned", userRT, groupRT), true)
	}
	for i := range ns {
		sp := spaceRes(fmt.Sprintf("s%d", i))
		rs.res = append(rs.res, sp)
		rs.addEnt(ent(sp, "read", userRT, groupRT), true)
		rs.addEnt(ent(sp, "write", userRT, groupRT), r.IntN(4) != 0)
	}
	rs.directGrants()
	rs.expandableGrants(owners)
	return rs
}

func (rs *randomSync) addEnt(e *v2.Entitlement, stored bool) {
	rs.all = append(rs.all, e)
	if stored {
		rs.ents[e.GetId()] = e
	}
}

// principal returns a principal message for r: its id, sometimes with a display name that
// tells apart the copies stored in different grants.
func (rs *randomSync) principal(r *v2.Resource) *v2.Resource {
	p := &v2.Resource{Id: proto.CloneOf(r.GetId())}
	if rs.r.IntN(3) == 0 {
		p.DisplayName = fmt.Sprintf("copy %d", rs.r.IntN(1000))
	}
	return p
}

func (rs *randomSync) add(g *v2.Grant) {
	if rs.ids[g.GetId()] {
		g.Id = fmt.Sprintf("%s#%d", g.GetId(), len(rs.grants))
	}
	rs.ids[g.GetId()] = true
	rs.grants = append(rs.grants, g)
}

// directGrants gives random principals (mostly users) every entitlement, some several times.
func (rs *randomSync) directGrants() {
	r := rs.r
	for _, e := range rs.all {
		for _, p := range rs.res {
			if p.GetId().GetResourceType() == "space" || r.IntN(3) != 0 {
				continue
			}
			for range 1 + r.IntN(2)*r.IntN(3) {
				g := grant(e, p.GetId())
				g.Principal = rs.principal(p)
				switch r.IntN(5) {
				case 0:
					g.Sources = &v2.GrantSources{Sources: map[string]*v2.GrantSources_GrantSource{e.GetId(): {}}}
				case 1:
					g.Sources = &v2.GrantSources{Sources: map[string]*v2.GrantSources_GrantSource{"elsewhere": {IsDirect: true}}}
				}
				rs.add(g)
			}
		}
	}
}

// expandableGrants adds random edges S -> D: D any entitlement (stored or not), S one or two
// entitlements of one owner (the grant's principal), sometimes with a missing or blank id.
func (rs *randomSync) expandableGrants(owners []*v2.Resource) {
	r := rs.r
	filters := [][]string{nil, nil, {"user"}, {"user", "group"}, {"nonexistent"}, {"nonexistent", "group"}}
	for range 1 + r.IntN(8) {
		d := rs.all[r.IntN(len(rs.all))]
		o := owners[r.IntN(len(owners))]
		var srcs []string
		for _, e := range rs.all {
			if proto.Equal(e.GetResource().GetId(), o.GetId()) && (len(srcs) == 0 || r.IntN(2) == 0) {
				srcs = append(srcs, e.GetId())
			}
		}
		switch r.IntN(6) {
		case 0:
			srcs = append(srcs, "group:missing:member")
		case 1:
			srcs = append(srcs, " ")
		}
		ge := &v2.GrantExpandable{EntitlementIds: srcs, Shallow: r.IntN(4) == 0, ResourceTypeIds: filters[r.IntN(len(filters))]}
		rs.add(grant(d, o.GetId(), ge))
	}
}

// refRows is the input of the reference expander: the rows as the Store keeps them.
func (rs *randomSync) refRows(t *testing.T) []*refGrant {
	t.Helper()
	var out []*refGrant
	for _, g := range rs.grants {
		data, expansion, err := encodeGrant(g)
		require.NoError(t, err)
		rg := &refGrant{g: &v2.Grant{}}
		require.NoError(t, proto.Unmarshal(data, rg.g))
		if expansion != nil {
			rg.expansion = &v2.GrantExpandable{}
			require.NoError(t, proto.Unmarshal(expansion, rg.expansion))
		}
		out = append(out, rg)
	}
	return out
}

func (rs *randomSync) store(t *testing.T, s *Store) string {
	t.Helper()
	ctx := t.Context()
	run, err := s.StartSync(ctx, SyncTypeFull, "")
	require.NoError(t, err)
	require.NoError(t, s.PutResourceTypes(ctx, run.ID, randomTypes...))
	require.NoError(t, s.PutResources(ctx, run.ID, rs.res...))
	var ents []*v2.Entitlement
	for _, e := range rs.all {
		if rs.ents[e.GetId()] != nil {
			ents = append(ents, e)
		}
	}
	require.NoError(t, s.PutEntitlements(ctx, run.ID, ents...))
	for chunk := range slices.Chunk(rs.grants, 7) {
		require.NoError(t, s.PutGrants(ctx, run.ID, chunk...))
	}
	return run.ID
}

// storedRow is a grant row as compared by the equivalence test.
type storedRow struct {
	entitlementID, resourceType, resourceID, principalType, principalID string
	data, expansion                                                     []byte
	needs                                                               int
}

func storedRows(t *testing.T, s *Store, syncID string) map[string]storedRow {
	t.Helper()
	out := map[string]storedRow{}
	require.NoError(t, s.read(t.Context(), nil, func(db *sql.DB) error {
		rows, err := db.Query(`SELECT external_id, entitlement_id, resource_type_id, resource_id, principal_resource_type_id,
			principal_resource_id, data, expansion, needs_expansion FROM v1_grants WHERE sync_id = ?`, syncID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			var r storedRow
			if err := rows.Scan(&id, &r.entitlementID, &r.resourceType, &r.resourceID, &r.principalType, &r.principalID,
				&r.data, &r.expansion, &r.needs); err != nil {
				return err
			}
			out[id] = r
		}
		return rows.Err()
	}))
	return out
}

// TestExpandMatchesReference expands random syncs and compares every grant row (columns and
// data bytes) and the counters with the brute-force reference expander: in bulk mode, in WAL
// mode, and in bulk mode with dropped indexes, tiny pages and a tiny source cache (every page
// boundary, streamed sources). A second expansion changes nothing.
func TestExpandMatchesReference(t *testing.T) {
	t.Parallel()
	seeds := uint64(50) // 230 derived grants, 270 merges, 17 multi-round graphs, 3 with cycles
	if testing.Short() {
		seeds = 10
	}
	for seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			rs := newRandomSync(seed)
			var types []string
			for _, rt := range randomTypes {
				types = append(types, rt.GetId())
			}
			want := refExpand(rs.ents, types, rs.refRows(t))
			for _, tune := range []expandTuning{
				{},
				{noBulk: true, pageRows: 1 + int(seed%3)},
				{dropIndexes: true, pageRows: 1 + int(seed%3), cacheBytes: int(seed%4) * 300},
			} {
				s, _ := newStore(t, Options{MaxExpandDepth: 100})
				s.tune = tune
				syncID := rs.store(t, s)
				st, err := s.ExpandGrants(t.Context(), syncID)
				require.NoError(t, err)
				require.Equal(t, want.created, st.Created, "created")
				require.Equal(t, want.updated, st.Updated, "updated")
				require.Equal(t, want.droppedEdges, st.DroppedEdges, "dropped edges")
				require.Equal(t, want.rounds, st.Rounds, "rounds")
				got := storedRows(t, s, syncID)
				requireRowsMatch(t, rs, want.grants, got)
				requireAllIndexes(t, s)
				var cache int
				require.NoError(t, s.wconn.QueryRowContext(t.Context(), "PRAGMA cache_size").Scan(&cache))
				require.Equal(t, -writerCacheKiB, cache, "the writer's cache size is restored after index builds")

				again, err := s.ExpandGrants(t.Context(), syncID)
				require.NoError(t, err)
				require.Zero(t, again.Created+again.Updated, "a second expansion changes nothing")
				require.Equal(t, got, storedRows(t, s, syncID))
			}
		})
	}
}

func requireRowsMatch(t *testing.T, rs *randomSync, want []*refGrant, got map[string]storedRow) {
	t.Helper()
	require.Len(t, got, len(want))
	for _, w := range want {
		id := w.g.GetId()
		g, ok := got[id]
		require.True(t, ok, "grant %s missing", id)
		require.Equal(t, mustMarshal(t, w.g), g.data, "data of %s", id)
		eid := rs.ents[w.g.GetEntitlement().GetId()].GetResource().GetId()
		if eid == nil { // a grant of an entitlement that is not stored
			eid = w.g.GetEntitlement().GetResource().GetId()
		}
		wantRow := storedRow{entitlementID: w.g.GetEntitlement().GetId(), resourceType: eid.GetResourceType(), resourceID: eid.GetResource(),
			principalType: w.g.GetPrincipal().GetId().GetResourceType(), principalID: w.g.GetPrincipal().GetId().GetResource()}
		if w.expansion != nil {
			wantRow.expansion, wantRow.needs = mustMarshal(t, w.expansion), 1
		}
		g.data = nil
		require.Equal(t, wantRow, g, "columns of %s", id)
	}
}

// requireAllIndexes checks that the database has every index of the schema.
func requireAllIndexes(t *testing.T, s *Store) {
	t.Helper()
	have := map[string]bool{}
	require.NoError(t, s.read(t.Context(), nil, func(db *sql.DB) error {
		rows, err := db.Query("SELECT name FROM sqlite_schema WHERE type = 'index' AND name NOT LIKE 'sqlite_%'")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				return err
			}
			have[n] = true
		}
		return rows.Err()
	}))
	for _, ix := range indexes {
		require.True(t, have[ix.name], "index %s", ix.name)
	}
	require.Len(t, have, len(indexes))
}
