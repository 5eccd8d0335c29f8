package c1z

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// derivedByProto is the derived grant appendDerivedGrant must encode, built as a message.
func derivedByProto(e *v2.Entitlement, principal *v2.Resource, dest string, srcs []sourceRef) *v2.Grant {
	pid := principal.GetId()
	g := &v2.Grant{Entitlement: e, Principal: principal, Id: dest + ":" + pid.GetResourceType() + ":" + pid.GetResource(),
		Annotations: []*anypb.Any{immutableAny}, Sources: &v2.GrantSources{Sources: map[string]*v2.GrantSources_GrantSource{}}}
	for _, s := range srcs {
		g.Sources.Sources[s.id] = &v2.GrantSources_GrantSource{IsDirect: s.direct}
	}
	return g
}

// encodeDerived encodes like the expander does.
func encodeDerived(t testing.TB, e *v2.Entitlement, principal *v2.Resource, dest string, srcs []sourceRef) []byte {
	t.Helper()
	ent, err := appendEntitlementField(nil, e)
	require.NoError(t, err)
	p := mustMarshal(t, principal)
	srcs = slices.Clone(srcs)
	slices.SortFunc(srcs, func(a, b sourceRef) int { return strings.Compare(a.id, b.id) })
	return appendDerivedGrant([]byte("prefix"), ent, p, dest, principal.GetId().GetResourceType(), principal.GetId().GetResource(), srcs)[len("prefix"):]
}

func TestAppendDerivedGrantMatchesMarshal(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 300) // lengths needing two-byte varints
	sp := spaceRes("100")
	sp.Description = long
	tests := []struct {
		name      string
		ent       *v2.Entitlement
		principal *v2.Resource
		dest      string
		srcs      []sourceRef
	}{
		{"confluence", ent(sp, "read-space", userRT, groupRT), &v2.Resource{Id: rid("user", "712020:abc")}, "space:100:read-space",
			[]sourceRef{{"group:g1:member", true}}},
		{"not direct", ent(groupRes("g"), "member"), &v2.Resource{Id: rid("user", "u")}, "group:g:member", []sourceRef{{"group:h:member", false}}},
		{"many sources", ent(groupRes("g"), "member"), userRes("u9"), "group:g:member",
			[]sourceRef{{"z", true}, {"a", false}, {"", true}, {"m" + long, false}, {"é", true}}},
		{"empty entitlement and principal", &v2.Entitlement{}, &v2.Resource{}, "", []sourceRef{{"s", true}}},
		{"long ids", ent(spaceRes(long), long), &v2.Resource{Id: rid(long, long), DisplayName: "p"}, long + ":" + long, []sourceRef{{long, true}}},
		{"annotated principal", ent(sp, "x"), &v2.Resource{Id: rid("user", "u"), Annotations: annotations.New(&v2.UserTrait{Login: "l"})}, "d",
			[]sourceRef{{"b", false}, {"a", true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			want := mustMarshal(t, derivedByProto(tt.ent, tt.principal, tt.dest, tt.srcs))
			require.Equal(t, want, encodeDerived(t, tt.ent, tt.principal, tt.dest, tt.srcs))
		})
	}
}

// FuzzDerivedGrantEncoding checks appendDerivedGrant against deterministic proto marshalling
// for arbitrary ids and sources.
func FuzzDerivedGrantEncoding(f *testing.F) {
	f.Add("space:1:read", "user", "u1", "User 1", "group:g:member", uint8(1))
	f.Add("", "", "", "", "", uint8(0))
	f.Add("d", "group", "g", "", "a,b,,c", uint8(5))
	f.Add(strings.Repeat("d", 200), "t", strings.Repeat("p", 130), "n", strings.Repeat("s", 140)+",x", uint8(2))
	f.Fuzz(func(t *testing.T, dest, ptype, pid, name, sources string, direct uint8) {
		for _, s := range []string{dest, ptype, pid, name, sources} {
			if !utf8.ValidString(s) {
				t.Skip("ids are valid UTF-8: they come from decoded messages")
			}
		}
		var srcs []sourceRef
		for i, id := range slices.Compact(slices.Sorted(slices.Values(strings.Split(sources, ",")))) {
			srcs = append(srcs, sourceRef{id: id, direct: direct>>(i%8)&1 == 1})
		}
		e := ent(spaceRes("1"), "read")
		p := &v2.Resource{Id: rid(ptype, pid), DisplayName: name}
		want := mustMarshal(t, derivedByProto(e, p, dest, srcs))
		require.Equal(t, want, encodeDerived(t, e, p, dest, srcs))
	})
}

func TestParseSourceGrant(t *testing.T) {
	t.Parallel()
	e := ent(groupRes("g"), "member")
	withSources := func(m map[string]bool) *v2.Grant {
		g := grant(e, rid("user", "u"))
		g.Principal.DisplayName = "U"
		if m != nil {
			g.Sources = &v2.GrantSources{Sources: map[string]*v2.GrantSources_GrantSource{}}
			for k, v := range m {
				g.Sources.Sources[k] = &v2.GrantSources_GrantSource{IsDirect: v}
			}
		}
		return g
	}
	principal := mustMarshal(t, &v2.Resource{Id: rid("user", "u"), DisplayName: "U"})
	// Two principal fields merge when decoded: the second one's display name wins.
	twice := append(mustMarshal(t, withSources(nil)), protowire.AppendBytes(protowire.AppendTag(nil, 2, protowire.BytesType),
		mustMarshal(t, &v2.Resource{DisplayName: "V"}))...)
	tests := []struct {
		name      string
		data      []byte
		direct    bool
		principal []byte
	}{
		{"no sources: direct", mustMarshal(t, withSources(nil)), true, principal},
		{"empty sources: direct", mustMarshal(t, withSources(map[string]bool{})), true, principal},
		{"names the source", mustMarshal(t, withSources(map[string]bool{"S": false})), true, principal},
		{"other sources only", mustMarshal(t, withSources(map[string]bool{"X": true, "": true})), false, principal},
		{"no principal", mustMarshal(t, &v2.Grant{Id: "x"}), true, nil},
		{"principal twice", twice, true, mustMarshal(t, &v2.Resource{Id: rid("user", "u"), DisplayName: "V"})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ps, err := parseSourceGrant(tt.data, "S")
			require.NoError(t, err)
			require.Equal(t, tt.direct, ps.direct)
			require.Equal(t, tt.principal, ps.principal)
		})
	}
	_, err := parseSourceGrant([]byte{0x12, 0x05, 0x01}, "S")
	require.ErrorIs(t, err, errMalformedGrant)
}

// FuzzParseSourceGrant checks that parseSourceGrant agrees with decoding the whole grant on
// every input the proto library accepts, and never panics.
func FuzzParseSourceGrant(f *testing.F) {
	f.Add(mustMarshal(f, grant(ent(groupRes("g"), "member"), rid("user", "u"))), "group:g:member")
	f.Add(mustMarshal(f, &v2.Grant{Sources: &v2.GrantSources{Sources: map[string]*v2.GrantSources_GrantSource{"S": {}}}}), "S")
	f.Add([]byte{0x12, 0x00, 0x12, 0x02, 0x1a, 0x00}, "")
	f.Add([]byte{0x2a, 0x04, 0x0a, 0x02, 0x0a, 0x00}, "")
	f.Fuzz(func(t *testing.T, data []byte, src string) {
		ps, perr := parseSourceGrant(data, src)
		g := &v2.Grant{}
		if err := proto.Unmarshal(data, g); err != nil {
			return // the fast path may be more lenient; it only has to not panic
		}
		require.NoError(t, perr)
		srcs := g.GetSources().GetSources()
		_, has := srcs[src]
		require.Equal(t, len(srcs) == 0 || has, ps.direct, "direct")
		if g.GetPrincipal() == nil {
			require.Nil(t, ps.principal)
			return
		}
		require.Equal(t, mustMarshal(t, g.GetPrincipal()), ps.principal)
	})
}

func TestDropIndexesFor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		est, total int64
		want       bool
	}{
		{"fresh medium sync", 690000, 35000, true},
		{"small expansion", bulkDropMinRows - 1, 100, false},
		{"appended to a much larger file", 100000, 1000000, false},
		{"half the table", 500000, 1000000, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, dropIndexesFor(tt.est, tt.total))
		})
	}
}

func TestSourceCacheEvictsLeastRecentlyUsed(t *testing.T) {
	t.Parallel()
	c := newSourceCache(100)
	entries := func(n int) []srcPrincipal { return make([]srcPrincipal, n) }
	c.put("a", entries(1), 40)
	c.put("b", entries(2), 40)
	_, ok := c.get("a") // a is now the most recently used
	require.True(t, ok)
	c.put("c", entries(3), 40) // evicts b
	_, ok = c.get("b")
	require.False(t, ok)
	got, ok := c.get("a")
	require.True(t, ok)
	require.Len(t, got, 1)
	require.Equal(t, 80, c.used)
	c.clear()
	_, ok = c.get("c")
	require.False(t, ok)
	require.Zero(t, c.used)
}
