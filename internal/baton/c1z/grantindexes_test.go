package c1z

import (
	"database/sql"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	"google.golang.org/protobuf/proto"

	"github.com/baton-confluence/baton-confluence/internal/baton/logging"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// indexNames returns the names of the indexes of the database inside the c1z at path.
func indexNames(t *testing.T, path string) []string {
	t.Helper()
	rows, err := openRaw(t, path).Query("SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name")
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		require.NoError(t, rows.Scan(&n))
		out = append(out, n)
	}
	require.NoError(t, rows.Err())
	return out
}

func allIndexNames() []string {
	var out []string
	for _, ix := range indexes {
		out = append(out, ix.name)
	}
	slices.Sort(out)
	return out
}

// writeSite syncs a small site (groups holding space permissions, expanded) into a new c1z
// with opts and tune, and returns its path and the sync id.
func writeSite(t *testing.T, opts Options, tune expandTuning) (string, string) {
	t.Helper()
	ctx := t.Context()
	dir := t.TempDir()
	opts.TempDir = filepath.Join(dir, "tmp")
	out := filepath.Join(dir, "out.c1z")
	s, err := Open(ctx, out, opts)
	require.NoError(t, err)
	s.tune = tune
	run, err := s.StartSync(ctx, SyncTypeFull, "")
	require.NoError(t, err)
	require.NoError(t, s.PutResourceTypes(ctx, run.ID, userRT, groupRT, spaceRT))
	var ents []*v2.Entitlement
	var grants []*v2.Grant
	members := map[string]*v2.Entitlement{}
	for g := range 3 {
		gr := groupRes(fmt.Sprintf("g%d", g))
		require.NoError(t, s.PutResources(ctx, run.ID, gr))
		members[gr.GetId().GetResource()] = ent(gr, "member", userRT)
		ents = append(ents, members[gr.GetId().GetResource()])
	}
	for u := range 40 {
		id := fmt.Sprintf("u%02d", u)
		require.NoError(t, s.PutResources(ctx, run.ID, userRes(id)))
		grants = append(grants, grant(members[fmt.Sprintf("g%d", u%3)], rid("user", id)))
	}
	for sp := range 4 {
		space := spaceRes(fmt.Sprintf("%d", 100+sp))
		require.NoError(t, s.PutResources(ctx, run.ID, space))
		for _, slug := range []string{"read-space", "create-page"} {
			e := ent(space, slug, userRT, groupRT)
			ents = append(ents, e)
			g := fmt.Sprintf("g%d", sp%3)
			grants = append(grants, grant(e, rid("group", g), expandable(members[g].GetId())),
				grant(e, rid("user", fmt.Sprintf("u%02d", 30+sp))))
		}
	}
	require.NoError(t, s.PutEntitlements(ctx, run.ID, ents...))
	require.NoError(t, s.PutGrants(ctx, run.ID, grants...))
	_, err = s.ExpandGrants(ctx, run.ID)
	require.NoError(t, err)
	require.NoError(t, s.EndSync(ctx, run.ID))
	require.NoError(t, s.Save(ctx))
	return out, run.ID
}

// readerView is everything a Reader answers about a file, for comparing two files.
type readerView struct {
	stats                                  Stats
	all, byPrincipal, byEntitlement, byRes []string
	keys                                   []string
	one                                    []byte
}

func viewOf(t *testing.T, r *Reader) readerView {
	ctx := t.Context()
	t.Helper()
	ids := func(f GrantFilter) []string {
		var out []string
		for _, g := range collect(t, r.Grants(ctx, f)) {
			b, err := proto.MarshalOptions{Deterministic: true}.Marshal(g)
			require.NoError(t, err)
			out = append(out, string(b))
		}
		return out
	}
	var v readerView
	var err error
	v.stats, err = r.Stats(ctx)
	require.NoError(t, err)
	v.all = ids(GrantFilter{})
	v.byPrincipal = ids(GrantFilter{Principal: rid("user", "u07")})
	v.byEntitlement = ids(GrantFilter{EntitlementID: "space:101:read-space"})
	v.byRes = ids(GrantFilter{Resource: rid("space", "102")})
	v.keys = collect(t, r.KeysSorted(ctx, TableGrants))
	g, err := r.Grant(ctx, "space:101:read-space:user:u01")
	require.NoError(t, err)
	v.one, err = proto.MarshalOptions{Deterministic: true}.Marshal(g)
	require.NoError(t, err)
	require.NotEmpty(t, v.byPrincipal)
	require.NotEmpty(t, v.byEntitlement)
	require.NotEmpty(t, v.byRes)
	return v
}

// TestSaveOmitsGrantIndexes: a file saved without the grant indexes carries every other index,
// and readers answer exactly as they do from the file with all of them, building only the
// indexes a query needs.
func TestSaveOmitsGrantIndexes(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	kept, _ := writeSite(t, Options{GrantIndexes: GrantIndexesKeep}, expandTuning{dropIndexes: true})
	omitted, _ := writeSite(t, Options{GrantIndexes: GrantIndexesOmit}, expandTuning{dropIndexes: true})

	require.Equal(t, allIndexNames(), indexNames(t, kept))
	var want []string
	for _, n := range allIndexNames() {
		if !grantLookupIndexes[n] {
			want = append(want, n)
		}
	}
	require.Equal(t, want, indexNames(t, omitted))
	require.Len(t, want, 11)
	require.Contains(t, want, "idx_grants_sync_expansion_v1", "the partial grant indexes stay")

	var check string
	require.NoError(t, openRaw(t, omitted).QueryRow("PRAGMA integrity_check").Scan(&check))
	require.Equal(t, "ok", check)

	rk, err := OpenReader(ctx, kept, ReaderOptions{TempDir: t.TempDir()})
	require.NoError(t, err)
	defer rk.Close()
	ro, err := OpenReader(ctx, omitted, ReaderOptions{TempDir: t.TempDir()})
	require.NoError(t, err)
	defer ro.Close()
	require.Empty(t, rk.unbuilt)
	require.Len(t, ro.unbuilt, 5)
	collect(t, ro.Resources(ctx, ResourceFilter{}))
	collect(t, ro.Grants(ctx, GrantFilter{}))
	require.Len(t, ro.unbuilt, 5, "listing resources or all grants builds no index")
	collect(t, ro.Grants(ctx, GrantFilter{Principal: rid("user", "u01")}))
	require.NotContains(t, ro.unbuilt, "idx_grants_principal_id_v1")
	require.Len(t, ro.unbuilt, 4, "a query builds the index it needs, only that one")
	_, err = ro.Stats(ctx)
	require.NoError(t, err)
	require.Len(t, ro.unbuilt, 4, "statistics scan the table rather than build indexes")

	require.Equal(t, viewOf(t, rk), viewOf(t, ro))
}

// TestGrantIndexesAuto: auto leaves the indexes out from the threshold on, and keeps them below.
func TestGrantIndexesAuto(t *testing.T) {
	t.Parallel()
	def, _ := writeSite(t, Options{}, expandTuning{})
	require.Equal(t, allIndexNames(), indexNames(t, def), "a small file keeps them by default")
	var grants int64
	require.NoError(t, openRaw(t, def).QueryRow("SELECT count(*) FROM v1_grants").Scan(&grants))
	require.Greater(t, grants, int64(100))
	below, _ := writeSite(t, Options{}, expandTuning{omitGrantIndexesFrom: grants + 1})
	require.Equal(t, allIndexNames(), indexNames(t, below))
	at, _ := writeSite(t, Options{}, expandTuning{omitGrantIndexesFrom: grants})
	require.Len(t, indexNames(t, at), 11)
	for _, n := range indexNames(t, at) {
		require.False(t, grantLookupIndexes[n], n)
	}
}

// TestExpansionSkipsRebuildWhenOmitting: a large expansion that drops indexes rebuilds only the
// one its statistics need when the file will leave them out; the statistics are the same.
func TestExpansionSkipsRebuildWhenOmitting(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	for _, mode := range []GrantIndexes{GrantIndexesKeep, GrantIndexesOmit} {
		sc := newScenario(t, Options{GrantIndexes: mode})
		sc.s.tune.dropIndexes = true
		g1, sp := groupRes("g1"), spaceRes("100")
		member, read := ent(g1, "member", userRT), ent(sp, "read-space", groupRT)
		sc.put([]*v2.Entitlement{member, read}, grant(member, rid("user", "u1")), grant(member, rid("user", "u2")),
			grant(read, rid("group", "g1"), expandable(member.GetId())))
		sc.expand()
		var names []string
		require.NoError(t, sc.s.read(ctx, nil, func(db *sql.DB) error {
			m, err := missingIndexes(ctx, db, grantLookupIndexes)
			names = slices.Sorted(maps.Keys(m))
			return err
		}))
		if mode == GrantIndexesKeep {
			require.Empty(t, names)
		} else {
			require.Equal(t, []string{"idx_grants_entitlement_sync_grant_v1", "idx_grants_principal_id_v1"}, names)
		}
		st, err := sc.s.Counts(ctx, sc.sync)
		require.NoError(t, err)
		require.Equal(t, int64(5), st.Grants)
		require.Equal(t, map[string]int64{"group": 2, "space": 3}, st.GrantsByType)
	}
}

// TestOpenRestoresGrantIndexes: the next sync into a file without grant indexes has them all
// again (the unique one keeps grant ids unique), and saves them when asked to keep them.
func TestOpenRestoresGrantIndexes(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path, _ := writeSite(t, Options{GrantIndexes: GrantIndexesOmit}, expandTuning{})
	core, logs := observer.New(zap.InfoLevel)
	s, err := Open(logging.With(ctx, zap.New(core)), path, Options{TempDir: t.TempDir(), GrantIndexes: GrantIndexesKeep})
	require.NoError(t, err)
	defer s.Close()
	require.Equal(t, 1, logs.FilterMessageSnippet("building missing grant indexes").Len(), "a long step is announced")
	fresh, err := Open(logging.With(ctx, zap.New(core)), filepath.Join(t.TempDir(), "new.c1z"), Options{TempDir: t.TempDir()})
	require.NoError(t, err)
	require.NoError(t, fresh.Close())
	require.Equal(t, 1, logs.FilterMessageSnippet("building missing grant indexes").Len(), "not for a new file")
	require.NoError(t, s.read(ctx, nil, func(db *sql.DB) error {
		m, err := missingIndexes(ctx, db, grantLookupIndexes)
		require.Empty(t, m)
		return err
	}))
	require.NoError(t, s.Save(ctx))
	require.Equal(t, allIndexNames(), indexNames(t, path))
}

func TestParseGrantIndexes(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]GrantIndexes{"": GrantIndexesAuto, "auto": GrantIndexesAuto, " Keep ": GrantIndexesKeep, "OMIT": GrantIndexesOmit} {
		got, err := ParseGrantIndexes(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
		if in != "" {
			require.Equal(t, want, must(ParseGrantIndexes(got.String())))
		}
	}
	_, err := ParseGrantIndexes("none")
	require.EqualError(t, err, `"none" is not one of auto, keep, omit`)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestOmittedIndexesAfterReaderBootstrap: the schema bootstrap of the SDK readers (every CREATE
// INDEX of the reference file, IF NOT EXISTS) turns a file saved without the grant indexes
// into exactly the reference schema, and the unique index builds (no duplicate grant ids).
func TestOmittedIndexesAfterReaderBootstrap(t *testing.T) {
	t.Parallel()
	path, _ := writeSite(t, Options{GrantIndexes: GrantIndexesOmit}, expandTuning{dropIndexes: true})
	db := openRaw(t, path)
	want := referenceSchema(t)
	for _, s := range want {
		if idx, ok := strings.CutPrefix(s, "CREATE UNIQUE INDEX "); ok {
			s = "CREATE UNIQUE INDEX IF NOT EXISTS " + idx
		} else if idx, ok := strings.CutPrefix(s, "CREATE INDEX "); ok {
			s = "CREATE INDEX IF NOT EXISTS " + idx
		} else {
			continue
		}
		_, err := db.Exec(s)
		require.NoError(t, err, s)
	}
	require.Len(t, want, 7+16)
	require.ElementsMatch(t, want, schemaSQL(t, db))
	var check string
	require.NoError(t, db.QueryRow("PRAGMA integrity_check").Scan(&check))
	require.Equal(t, "ok", check)
}
