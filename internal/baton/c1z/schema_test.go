package c1z

import (
	"database/sql"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/internal/baton/fixture"
)

// colSpec is one column as PRAGMA table_info reports it.
type colSpec struct {
	name, typ string
	notNull   bool
	dflt      string // "" = no default
	pk        bool
}

// wantTables is spec §2.12, written out independently of schema.go.
var wantTables = map[string][]colSpec{
	"v1_resource_types": {{"id", "integer", false, "", true}, {"external_id", "text", true, "", false}, {"data", "blob", true, "", false},
		{"sync_id", "text", true, "", false}, {"discovered_at", "datetime", true, "", false}},
	"v1_resources": {{"id", "integer", false, "", true}, {"resource_type_id", "text", true, "", false}, {"external_id", "text", true, "", false},
		{"parent_resource_type_id", "text", false, "", false}, {"parent_resource_id", "text", false, "", false}, {"data", "blob", true, "", false},
		{"sync_id", "text", true, "", false}, {"discovered_at", "datetime", true, "", false}},
	"v1_entitlements": {{"id", "integer", false, "", true}, {"resource_type_id", "text", true, "", false}, {"resource_id", "text", true, "", false},
		{"external_id", "text", true, "", false}, {"data", "blob", true, "", false}, {"sync_id", "text", true, "", false},
		{"discovered_at", "datetime", true, "", false}},
	"v1_sync_runs": {{"id", "integer", false, "", true}, {"sync_id", "text", true, "", false}, {"started_at", "datetime", true, "", false},
		{"ended_at", "datetime", false, "", false}, {"sync_token", "text", true, "", false}, {"sync_type", "text", true, "'full'", false},
		{"parent_sync_id", "text", true, "''", false}, {"linked_sync_id", "text", true, "''", false}, {"supports_diff", "integer", true, "0", false},
		{"grants_backfilled", "integer", true, "0", false}, {"stats", "text", false, "", false},
		{"ingest_invariant_generation", "text", true, "''", false}, {"ingest_invariant_coverage", "text", true, "''", false},
		{"ingest_invariant_mode", "text", true, "''", false}},
	"v1_grants": {{"id", "integer", false, "", true}, {"resource_type_id", "text", true, "", false}, {"resource_id", "text", true, "", false},
		{"entitlement_id", "text", true, "", false}, {"principal_resource_type_id", "text", true, "", false},
		{"principal_resource_id", "text", true, "", false}, {"external_id", "text", true, "", false}, {"expansion", "blob", false, "", false},
		{"needs_expansion", "integer", true, "0", false}, {"data", "blob", true, "", false}, {"sync_id", "text", true, "", false},
		{"discovered_at", "datetime", true, "", false}},
	"v1_assets": {{"id", "integer", false, "", true}, {"external_id", "text", true, "", false}, {"content_type", "text", true, "", false},
		{"data", "blob", true, "", false}, {"sync_id", "text", true, "", false}, {"discovered_at", "datetime", true, "", false}},
	"v1_connector_sessions": {{"id", "integer", false, "", true}, {"sync_id", "text", true, "", false}, {"key", "text", true, "", false},
		{"value", "blob", true, "", false}},
}

// ixSpec is one index: table, uniqueness, columns and partial predicate.
type ixSpec struct {
	table   string
	unique  bool
	columns []string
	where   string
}

var wantIndexes = map[string]ixSpec{
	"idx_resource_types_external_sync_v1":        {"v1_resource_types", true, []string{"external_id", "sync_id"}, ""},
	"idx_resources_resource_type_id_v1":          {"v1_resources", false, []string{"resource_type_id"}, ""},
	"idx_resources_external_sync_v1":             {"v1_resources", false, []string{"parent_resource_type_id", "parent_resource_id"}, ""},
	"idx_resources_parent_resource_id_v1":        {"v1_resources", true, []string{"external_id", "sync_id"}, ""},
	"idx_entitlements_resource_id_v1":            {"v1_entitlements", false, []string{"resource_type_id", "resource_id"}, ""},
	"idx_entitlements_external_sync_v1":          {"v1_entitlements", true, []string{"external_id", "sync_id"}, ""},
	"idx_sync_runs_sync_id_v1":                   {"v1_sync_runs", true, []string{"sync_id"}, ""},
	"idx_grants_resource_type_id_resource_id_v1": {"v1_grants", false, []string{"resource_type_id", "resource_id"}, ""},
	"idx_grants_principal_id_v1":                 {"v1_grants", false, []string{"principal_resource_type_id", "principal_resource_id"}, ""},
	"idx_grants_entitlement_id_principal_id_v1":  {"v1_grants", false, []string{"entitlement_id", "principal_resource_type_id", "principal_resource_id"}, ""},
	"idx_grants_external_sync_v1":                {"v1_grants", true, []string{"external_id", "sync_id"}, ""},
	"idx_grants_entitlement_sync_grant_v1":       {"v1_grants", false, []string{"entitlement_id", "sync_id", "id"}, ""},
	"idx_grants_sync_expansion_v1":               {"v1_grants", false, []string{"sync_id"}, "expansion is not null"},
	"idx_grants_sync_needs_expansion_v1":         {"v1_grants", false, []string{"sync_id"}, "needs_expansion = 1"},
	"idx_assets_external_sync_v1":                {"v1_assets", true, []string{"external_id", "sync_id"}, ""},
	"idx_session_store_sync_key_v1":              {"v1_connector_sessions", true, []string{"sync_id", "key"}, ""},
}

// savedEmptyFile writes a file with one finished, empty sync and opens the database inside.
func savedEmptyFile(t *testing.T) *sql.DB {
	t.Helper()
	s, out := newStore(t, Options{})
	run, err := s.StartSync(t.Context(), "", "")
	require.NoError(t, err)
	require.NoError(t, s.EndSync(t.Context(), run.ID))
	require.NoError(t, s.Save(t.Context()))
	return openRaw(t, out)
}

// TestSchemaMatchesSpec checks tables, columns, types, defaults, NOT NULL and the 16 indexes of a
// saved file with plain database/sql.
func TestSchemaMatchesSpec(t *testing.T) {
	t.Parallel()
	db := savedEmptyFile(t)
	var names []string
	rows, err := db.Query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
	require.NoError(t, err)
	for rows.Next() {
		var n string
		require.NoError(t, rows.Scan(&n))
		names = append(names, n)
	}
	require.NoError(t, rows.Close())
	var want []string
	for n := range wantTables {
		want = append(want, n)
	}
	slices.Sort(want)
	require.Equal(t, want, names)
	for table, cols := range wantTables {
		var got []colSpec
		rows, err := db.Query("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?) ORDER BY cid", table)
		require.NoError(t, err)
		for rows.Next() {
			var c colSpec
			var dflt sql.NullString
			require.NoError(t, rows.Scan(&c.name, &c.typ, &c.notNull, &dflt, &c.pk))
			c.typ, c.dflt = strings.ToLower(c.typ), dflt.String
			got = append(got, c)
		}
		require.NoError(t, rows.Close())
		require.Equal(t, cols, got, table)
	}
	got := map[string]ixSpec{}
	irows, err := db.Query("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
	require.NoError(t, err)
	var ixs [][3]string
	for irows.Next() {
		var ix [3]string
		require.NoError(t, irows.Scan(&ix[0], &ix[1], &ix[2]))
		ixs = append(ixs, ix)
	}
	require.NoError(t, irows.Close())
	for _, ix := range ixs {
		got[ix[0]] = indexSpec(t, db, ix[0], ix[1], ix[2])
	}
	require.Len(t, got, 16)
	require.Equal(t, wantIndexes, got)

	var gotPageSize int
	require.NoError(t, db.QueryRow("PRAGMA page_size").Scan(&gotPageSize))
	// The reference files use 4096; ours use pageSize (see its comment), which any reader
	// accepts.
	require.Equal(t, 16384, gotPageSize)
	var mode string
	require.NoError(t, db.QueryRow("PRAGMA journal_mode").Scan(&mode))
	require.Equal(t, "delete", mode, "saved in rollback-journal mode")
}

var wherePart = regexp.MustCompile(`(?i)\bwhere\s+(.*)$`)

func indexSpec(t *testing.T, db *sql.DB, name, table, ddl string) ixSpec {
	t.Helper()
	s := ixSpec{table: table}
	var unique, partial int
	require.NoError(t, db.QueryRow("SELECT \"unique\", partial FROM pragma_index_list(?) WHERE name = ?", table, name).Scan(&unique, &partial))
	s.unique = unique == 1
	rows, err := db.Query("SELECT name FROM pragma_index_info(?) ORDER BY seqno", name)
	require.NoError(t, err)
	defer rows.Close()
	for rows.Next() {
		var c string
		require.NoError(t, rows.Scan(&c))
		s.columns = append(s.columns, c)
	}
	if partial == 1 {
		m := wherePart.FindStringSubmatch(ddl)
		require.NotNil(t, m, ddl)
		s.where = normalizeSQL(m[1])
	}
	return s
}

var (
	sqlComment = regexp.MustCompile(`--[^\n]*`)
	sqlSpace   = regexp.MustCompile(`\s+`)
)

// normalizeSQL drops comments and makes whitespace uniform.
func normalizeSQL(s string) string {
	s = sqlComment.ReplaceAllString(s, "")
	s = sqlSpace.ReplaceAllString(s, " ")
	s = strings.ReplaceAll(s, "( ", "(")
	s = strings.ReplaceAll(s, " )", ")")
	return strings.TrimSpace(s)
}

// TestSchemaMatchesReferenceFile compares every CREATE statement with the reference
// `sqlite3 .schema` of a file the upstream SDK wrote, whitespace and comments aside.
func TestSchemaMatchesReferenceFile(t *testing.T) {
	t.Parallel()
	want := referenceSchema(t)
	require.Len(t, want, 7+16)
	require.ElementsMatch(t, want, schemaSQL(t, savedEmptyFile(t)))
}

// referenceSchema returns the normalized CREATE statements of the reference file.
func referenceSchema(t *testing.T) []string {
	t.Helper()
	ref := string(fixture.Read(t, "reference-small.schema.sql"))
	var want []string
	for _, stmt := range strings.Split(sqlComment.ReplaceAllString(ref, ""), ";") {
		if s := normalizeSQL(stmt); s != "" {
			want = append(want, s)
		}
	}
	return want
}

// schemaSQL returns the normalized CREATE statements of db.
func schemaSQL(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL")
	require.NoError(t, err)
	defer rows.Close()
	var got []string
	for rows.Next() {
		var s string
		require.NoError(t, rows.Scan(&s))
		got = append(got, normalizeSQL(s))
	}
	require.NoError(t, rows.Err())
	return got
}
