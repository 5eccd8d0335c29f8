package c1z

import (
	"database/sql"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// scenario is a small sync for expansion tests: users, groups, one space.
type scenario struct {
	t    *testing.T
	s    *Store
	sync string
}

func newScenario(t *testing.T, opts Options) *scenario {
	t.Helper()
	s, _ := newStore(t, opts)
	run, err := s.StartSync(t.Context(), SyncTypeFull, "")
	require.NoError(t, err)
	require.NoError(t, s.PutResourceTypes(t.Context(), run.ID, userRT, groupRT, spaceRT))
	return &scenario{t: t, s: s, sync: run.ID}
}

func (sc *scenario) put(es []*v2.Entitlement, gs ...*v2.Grant) {
	sc.t.Helper()
	ctx := sc.t.Context()
	for _, e := range es {
		require.NoError(sc.t, sc.s.PutResources(ctx, sc.sync, e.GetResource()))
	}
	for _, g := range gs {
		if g.GetPrincipal().GetId().GetResourceType() == "user" {
			require.NoError(sc.t, sc.s.PutResources(ctx, sc.sync, userRes(g.GetPrincipal().GetId().GetResource())))
		}
	}
	require.NoError(sc.t, sc.s.PutEntitlements(ctx, sc.sync, es...))
	require.NoError(sc.t, sc.s.PutGrants(ctx, sc.sync, gs...))
}

func (sc *scenario) expand() ExpandStats {
	sc.t.Helper()
	st, err := sc.s.ExpandGrants(sc.t.Context(), sc.sync)
	require.NoError(sc.t, err)
	return st
}

// grants returns the stored grants of the sync by id.
func (sc *scenario) grants() map[string]*v2.Grant {
	sc.t.Helper()
	out := map[string]*v2.Grant{}
	err := sc.s.read(sc.t.Context(), nil, func(db *sql.DB) error {
		rows, err := db.Query("SELECT external_id, data FROM v1_grants WHERE sync_id = ? ORDER BY id", sc.sync)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			var data []byte
			if err := rows.Scan(&id, &data); err != nil {
				return err
			}
			g := &v2.Grant{}
			if err := proto.Unmarshal(data, g); err != nil {
				return err
			}
			out[id] = g
		}
		return rows.Err()
	})
	require.NoError(sc.t, err)
	return out
}

func encodeAll(t *testing.T, gs map[string]*v2.Grant) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for k, g := range gs {
		out[k] = mustMarshal(t, g)
	}
	return out
}

func sources(g *v2.Grant) map[string]bool {
	if g == nil {
		return nil
	}
	out := map[string]bool{}
	for k, v := range g.GetSources().GetSources() {
		out[k] = v.GetIsDirect()
	}
	return out
}

func immutable(g *v2.Grant) bool {
	return slices.ContainsFunc(g.GetAnnotations(), func(a *anypb.Any) bool {
		return a.GetTypeUrl() == immutableAny.GetTypeUrl()
	})
}

func TestExpandMergesExistingGrant(t *testing.T) {
	t.Parallel()
	sc := newScenario(t, Options{})
	g1, sp := groupRes("g1"), spaceRes("100")
	member, read := ent(g1, "member", userRT), ent(sp, "read-space", groupRT)
	read.DisplayName, read.Description = "Can read-space", "full entitlement is copied"
	sc.put([]*v2.Entitlement{member, read},
		grant(member, rid("user", "u1")), grant(member, rid("user", "u2")),
		grant(read, rid("group", "g1"), expandable(member.GetId())),
		grant(read, rid("user", "u2")))
	st := sc.expand()
	require.Equal(t, ExpandStats{Nodes: 2, Edges: 1, Rounds: 1, SourceGrants: 2, Created: 1, Updated: 1}, st)

	gs := sc.grants()
	require.Len(t, gs, 5)
	u1 := gs["space:100:read-space:user:u1"]
	require.True(t, immutable(u1))
	require.Equal(t, map[string]bool{"group:g1:member": true}, sources(u1))
	requireSameBytes(t, read, u1.GetEntitlement(), "derived grant carries the full stored entitlement")
	requireSameBytes(t, &v2.Resource{Id: rid("user", "u1")}, u1.GetPrincipal(), "principal as stored in the source grant")
	u2 := gs["space:100:read-space:user:u2"]
	require.False(t, immutable(u2))
	require.Equal(t, map[string]bool{"group:g1:member": true, "space:100:read-space": true}, sources(u2))
	require.Empty(t, sources(gs["space:100:read-space:group:g1"]), "the expandable grant itself is unchanged")

	again := sc.expand()
	require.Zero(t, again.Created+again.Updated, "expansion is idempotent")
	require.Equal(t, encodeAll(t, gs), encodeAll(t, sc.grants()))
}

func TestExpandCyclesTerminate(t *testing.T) {
	t.Parallel()
	sc := newScenario(t, Options{})
	ga, gb, sp := groupRes("a"), groupRes("b"), spaceRes("1")
	a, b, d := ent(ga, "member"), ent(gb, "member"), ent(sp, "read-space")
	sc.put([]*v2.Entitlement{a, b, d},
		grant(a, rid("user", "ua")), grant(b, rid("user", "ub")),
		grant(b, rid("group", "a"), expandable(a.GetId())), // a -> b
		grant(a, rid("group", "b"), expandable(b.GetId())), // b -> a: cycle
		grant(a, rid("group", "a"), expandable(a.GetId())), // self loop
		grant(d, rid("group", "b"), expandable(b.GetId())), // {a,b} -> d
	)
	st := sc.expand()
	require.Equal(t, 1, st.Cycles)
	require.Equal(t, 2, st.Nodes)
	require.Equal(t, 1, st.Edges)
	gs := sc.grants()
	require.Contains(t, gs, "space:1:read-space:user:ua")
	require.Contains(t, gs, "space:1:read-space:user:ub")
	require.Equal(t, map[string]bool{"group:a:member": true}, sources(gs["space:1:read-space:user:ua"]))
	require.NotContains(t, gs, "group:b:member:user:ua", "edges inside a collapsed cycle are deleted")
	require.NotContains(t, gs, "group:a:member:user:ub")
}

func TestExpandShallowAndDepth(t *testing.T) {
	t.Parallel()
	gx, gy, sp := groupRes("x"), groupRes("y"), spaceRes("1")
	x, y, d := ent(gx, "member"), ent(gy, "member"), ent(sp, "read-space")
	grants := []*v2.Grant{
		grant(x, rid("user", "u1")), grant(y, rid("user", "u3")),
		grant(y, rid("group", "x"), expandable(x.GetId())), // x members are y members
		grant(d, rid("group", "y"), &v2.GrantExpandable{EntitlementIds: []string{y.GetId()}, Shallow: true}),
	}
	sc := newScenario(t, Options{})
	sc.put([]*v2.Entitlement{x, y, d}, grants...)
	st := sc.expand()
	require.Equal(t, 2, st.Rounds, "x -> y first, then y -> d")
	gs := sc.grants()
	require.Contains(t, gs, "group:y:member:user:u1", "u1 is an indirect member of y")
	require.Contains(t, gs, "space:1:read-space:user:u3", "direct on y")
	require.Contains(t, gs, "space:1:read-space:group:x", "the grant of y to group x is direct on y")
	require.NotContains(t, gs, "space:1:read-space:user:u1", "shallow: u1 holds y only through x")

	shallow := newScenario(t, Options{MaxExpandDepth: 1})
	shallow.put([]*v2.Entitlement{x, y, d}, grants...)
	_, err := shallow.s.ExpandGrants(t.Context(), shallow.sync)
	require.ErrorIs(t, err, ErrExpansion)
	require.ErrorContains(t, err, "deeper than 1 rounds")
}

func TestExpandResourceTypeFilter(t *testing.T) {
	t.Parallel()
	g1, g2, sp := groupRes("g1"), groupRes("g2"), spaceRes("1")
	member, read, write := ent(g1, "member"), ent(sp, "read-space"), ent(sp, "write-space")
	sc := newScenario(t, Options{})
	sc.put([]*v2.Entitlement{member, read, write, ent(g2, "member")},
		grant(member, rid("user", "u1")), grant(member, rid("group", "g2")),
		grant(read, rid("group", "g1"), &v2.GrantExpandable{EntitlementIds: []string{member.GetId()}, ResourceTypeIds: []string{"user", "nonexistent"}}),
		grant(write, rid("group", "g1"), &v2.GrantExpandable{EntitlementIds: []string{member.GetId()}, ResourceTypeIds: []string{"nonexistent"}}))
	sc.expand()
	gs := sc.grants()
	require.Contains(t, gs, "space:1:read-space:user:u1")
	require.NotContains(t, gs, "space:1:read-space:group:g2", "only users propagate")
	require.NotContains(t, gs, "space:1:write-space:user:u1", "no listed type is in the sync: nothing propagates")
}

// TestExpandWithoutEdges: the read pool, closed before the graph is loaded, is open again when
// there turns out to be nothing to expand (and after a failure: see
// TestExpandMismatchedPrincipalFails).
func TestExpandWithoutEdges(t *testing.T) {
	t.Parallel()
	sc := newScenario(t, Options{})
	member := ent(groupRes("g1"), "member", userRT)
	sc.put([]*v2.Entitlement{member}, grant(member, rid("user", "u1")))
	require.Equal(t, ExpandStats{Nodes: 0}, sc.expand())
	require.NotNil(t, sc.s.rdb, "read pool reopened")
	require.Len(t, sc.grants(), 1)
}

func TestExpandMissingEntitlements(t *testing.T) {
	t.Parallel()
	g1, sp := groupRes("g1"), spaceRes("1")
	member, read, gone := ent(g1, "member"), ent(sp, "read-space"), ent(sp, "gone")
	sc := newScenario(t, Options{})
	sc.put([]*v2.Entitlement{member, read},
		grant(member, rid("user", "u1")),
		grant(read, rid("group", "g1"), expandable("group:missing:member", member.GetId())),
		grant(gone, rid("group", "g1"), expandable(member.GetId()))) // destination not stored
	st := sc.expand()
	require.Equal(t, int64(1), st.DroppedSources)
	require.Equal(t, int64(1), st.DroppedEdges)
	gs := sc.grants()
	require.Contains(t, gs, "space:1:read-space:user:u1")
	require.NotContains(t, gs, "space:1:gone:user:u1")
}

func TestExpandMismatchedPrincipalFails(t *testing.T) {
	t.Parallel()
	g1, g2, sp := groupRes("g1"), groupRes("g2"), spaceRes("1")
	m2, read := ent(g2, "member"), ent(sp, "read-space")
	sc := newScenario(t, Options{})
	sc.put([]*v2.Entitlement{ent(g1, "member"), m2, read},
		grant(m2, rid("user", "u1")),
		grant(read, rid("group", "g1"), expandable(m2.GetId())))
	_, err := sc.s.ExpandGrants(t.Context(), sc.sync)
	require.ErrorIs(t, err, ErrExpansion)
	require.ErrorContains(t, err, "source entitlement resource id did not match grant principal id")
	require.NotContains(t, sc.grants(), "space:1:read-space:user:u1")
}

func TestMergeSources(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		have    map[string]bool
		direct  bool
		want    map[string]bool
		changed bool
	}{
		{"empty gets destination first", nil, false, map[string]bool{"D": true, "S": false}, true},
		{"adds source", map[string]bool{"X": true}, true, map[string]bool{"X": true, "S": true}, true},
		{"upgrades to direct", map[string]bool{"S": false}, true, map[string]bool{"S": true}, true},
		{"never downgrades", map[string]bool{"S": true}, false, map[string]bool{"S": true}, false},
		{"no change", map[string]bool{"S": false}, false, map[string]bool{"S": false}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := &v2.Grant{}
			if tt.have != nil {
				g.Sources = &v2.GrantSources{Sources: map[string]*v2.GrantSources_GrantSource{}}
				for k, v := range tt.have {
					g.Sources.Sources[k] = &v2.GrantSources_GrantSource{IsDirect: v}
				}
			}
			require.Equal(t, tt.changed, mergeSources(g, "D", "S", tt.direct))
			require.Equal(t, tt.want, sources(g))
		})
	}
}

func TestStronglyConnected(t *testing.T) {
	t.Parallel()
	// 0 -> 1 -> 2 -> 0, 2 -> 3, 3 -> 4 -> 3, 5 alone; a long chain must not overflow.
	adj := [][]int32{{1}, {2}, {0, 3}, {4}, {3}, {}}
	comp := stronglyConnected(len(adj), adj)
	require.Equal(t, comp[0], comp[1])
	require.Equal(t, comp[1], comp[2])
	require.Equal(t, comp[3], comp[4])
	require.NotEqual(t, comp[0], comp[3])
	require.NotEqual(t, comp[5], comp[0])
	const n = 200000
	chain := make([][]int32, n)
	for i := range n - 1 {
		chain[i] = []int32{int32(i + 1)}
	}
	chain[n-1] = []int32{0}
	comp = stronglyConnected(n, chain)
	require.Equal(t, comp[0], comp[n-1], "one big cycle")
}

// TestPutGrantExpansionColumns checks the §2.6 rules for expansion/needs_expansion on insert
// and re-upsert.
func TestPutGrantExpansionColumns(t *testing.T) {
	t.Parallel()
	sc := newScenario(t, Options{})
	g1, sp := groupRes("g1"), spaceRes("1")
	read := ent(sp, "read-space")
	state := func() ([]byte, int) {
		t.Helper()
		var exp []byte
		var needs int
		err := sc.s.read(t.Context(), nil, func(db *sql.DB) error {
			return db.QueryRow("SELECT expansion, needs_expansion FROM v1_grants WHERE external_id = ?", "space:1:read-space:group:g1").Scan(&exp, &needs)
		})
		require.NoError(t, err)
		return exp, needs
	}
	setNeeds := func(v int) {
		t.Helper()
		require.NoError(t, sc.s.write(t.Context(), writeOpts{commitNow: true}, func(c *sql.Conn) error {
			_, err := c.ExecContext(t.Context(), "UPDATE v1_grants SET needs_expansion = ?", v)
			return err
		}))
	}
	putG := func(annos ...proto.Message) {
		t.Helper()
		sc.put([]*v2.Entitlement{read}, grant(read, g1.GetId(), annos...))
	}
	e1, e2 := mustMarshal(t, expandable("group:g1:member")), mustMarshal(t, expandable("group:g2:member"))

	putG(expandable("group:g1:member"))
	exp, needs := state()
	require.Equal(t, e1, exp)
	require.Equal(t, 1, needs)

	setNeeds(0)
	putG(expandable("group:g1:member"))
	_, needs = state()
	require.Equal(t, 0, needs, "unchanged expansion keeps needs_expansion")

	putG(expandable("group:g2:member"))
	exp, needs = state()
	require.Equal(t, e2, exp)
	require.Equal(t, 1, needs, "changed expansion sets needs_expansion")

	putG()
	exp, needs = state()
	require.Nil(t, exp, "SQL NULL, not an empty blob")
	require.Equal(t, 0, needs)

	putG(expandable("", "  "))
	exp, needs = state()
	require.Nil(t, exp, "only blank ids: not expandable")
	require.Equal(t, 0, needs)
	_ = g1
}
