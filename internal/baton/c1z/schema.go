package c1z

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// column is one column of a v1 table: its name and its declaration (type and constraints).
type column struct {
	name string
	decl string
}

// table is one of the seven v1 tables with its columns in declaration order.
type table struct {
	name    string
	columns []column
}

// tables is the schema of spec §2.12 (the baton-sdk v0.25.0 table set), in creation order.
var tables = []table{
	{"v1_resource_types", []column{
		{"id", "integer primary key"},
		{"external_id", "text not null"},
		{"data", "blob not null"},
		{"sync_id", "text not null"},
		{"discovered_at", "datetime not null"},
	}},
	{"v1_resources", []column{
		{"id", "integer primary key"},
		{"resource_type_id", "text not null"},
		{"external_id", "text not null"},
		{"parent_resource_type_id", "text"},
		{"parent_resource_id", "text"},
		{"data", "blob not null"},
		{"sync_id", "text not null"},
		{"discovered_at", "datetime not null"},
	}},
	{"v1_entitlements", []column{
		{"id", "integer primary key"},
		{"resource_type_id", "text not null"},
		{"resource_id", "text not null"},
		{"external_id", "text not null"},
		{"data", "blob not null"},
		{"sync_id", "text not null"},
		{"discovered_at", "datetime not null"},
	}},
	{"v1_sync_runs", []column{
		{"id", "integer primary key"},
		{"sync_id", "text not null"},
		{"started_at", "datetime not null"},
		{"ended_at", "datetime"},
		{"sync_token", "text not null"},
		{"sync_type", "text not null default 'full'"},
		{"parent_sync_id", "text not null default ''"},
		{"linked_sync_id", "text not null default ''"},
		{"supports_diff", "integer not null default 0"},
		{"grants_backfilled", "integer not null default 0"},
		{"stats", "text"},
		{"ingest_invariant_generation", "text not null default ''"},
		{"ingest_invariant_coverage", "text not null default ''"},
		{"ingest_invariant_mode", "text not null default ''"},
	}},
	{"v1_grants", []column{
		{"id", "integer primary key"},
		{"resource_type_id", "text not null"},
		{"resource_id", "text not null"},
		{"entitlement_id", "text not null"},
		{"principal_resource_type_id", "text not null"},
		{"principal_resource_id", "text not null"},
		{"external_id", "text not null"},
		{"expansion", "blob"},
		{"needs_expansion", "integer not null default 0"},
		{"data", "blob not null"},
		{"sync_id", "text not null"},
		{"discovered_at", "datetime not null"},
	}},
	{"v1_assets", []column{
		{"id", "integer primary key"},
		{"external_id", "text not null"},
		{"content_type", "text not null"},
		{"data", "blob not null"},
		{"sync_id", "text not null"},
		{"discovered_at", "datetime not null"},
	}},
	{"v1_connector_sessions", []column{
		{"id", "integer primary key"},
		{"sync_id", "text NOT NULL"},
		{"key", "TEXT NOT NULL"},
		{"value", "BLOB NOT NULL"},
	}},
}

// index is one of the 16 indexes of spec §2.12. Two v1_resources index names are swapped
// relative to their columns; that is how the SDK names them and readers expect these names.
type index struct {
	name    string
	unique  bool
	table   string
	columns string
	where   string
}

var indexes = []index{
	{"idx_resource_types_external_sync_v1", true, "v1_resource_types", "external_id, sync_id", ""},
	{"idx_resources_resource_type_id_v1", false, "v1_resources", "resource_type_id", ""},
	{"idx_resources_external_sync_v1", false, "v1_resources", "parent_resource_type_id, parent_resource_id", ""},
	{"idx_resources_parent_resource_id_v1", true, "v1_resources", "external_id, sync_id", ""},
	{"idx_entitlements_resource_id_v1", false, "v1_entitlements", "resource_type_id, resource_id", ""},
	{"idx_entitlements_external_sync_v1", true, "v1_entitlements", "external_id, sync_id", ""},
	{"idx_sync_runs_sync_id_v1", true, "v1_sync_runs", "sync_id", ""},
	{"idx_grants_resource_type_id_resource_id_v1", false, "v1_grants", "resource_type_id, resource_id", ""},
	{"idx_grants_principal_id_v1", false, "v1_grants", "principal_resource_type_id, principal_resource_id", ""},
	{"idx_grants_entitlement_id_principal_id_v1", false, "v1_grants", "entitlement_id, principal_resource_type_id, principal_resource_id", ""},
	{"idx_grants_external_sync_v1", true, "v1_grants", "external_id, sync_id", ""},
	{"idx_grants_entitlement_sync_grant_v1", false, "v1_grants", "entitlement_id, sync_id, id", ""},
	{"idx_grants_sync_expansion_v1", false, "v1_grants", "sync_id", "expansion is not null"},
	{"idx_grants_sync_needs_expansion_v1", false, "v1_grants", "sync_id", "needs_expansion = 1"},
	{"idx_assets_external_sync_v1", true, "v1_assets", "external_id, sync_id", ""},
	{"idx_session_store_sync_key_v1", true, "v1_connector_sessions", "sync_id, key", ""},
}

func (t table) createSQL() string {
	var b strings.Builder
	b.WriteString("CREATE TABLE IF NOT EXISTS " + t.name + " (\n")
	for i, c := range t.columns {
		b.WriteString("    " + c.name + " " + c.decl)
		if i < len(t.columns)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString(")")
	return b.String()
}

func (ix index) createSQL() string {
	kw := "INDEX"
	if ix.unique {
		kw = "UNIQUE INDEX"
	}
	s := fmt.Sprintf("CREATE %s IF NOT EXISTS %s on %s (%s)", kw, ix.name, ix.table, ix.columns)
	if ix.where != "" {
		s += " where " + ix.where
	}
	return s
}

// execer is what ensureSchema needs: a *sql.DB, *sql.Conn or *sql.Tx.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// indexesWhere returns the indexes of the schema for which keep is true, in schema order.
func indexesWhere(keep func(index) bool) []index {
	var out []index
	for _, ix := range indexes {
		if keep(ix) {
			out = append(out, ix)
		}
	}
	return out
}

// ensureSchema creates every missing table and index and adds every missing column, the way
// baton readers bootstrap a file they open: older files gain the newer columns with their
// defaults, and nothing that exists is changed.
func ensureSchema(ctx context.Context, db execer) error {
	return ensureSchemaWithout(ctx, db, nil)
}

// ensureSchemaWithout is ensureSchema creating no index named in skip.
func ensureSchemaWithout(ctx context.Context, db execer, skip map[string]bool) error {
	for _, t := range tables {
		if _, err := db.ExecContext(ctx, t.createSQL()); err != nil {
			return fmt.Errorf("create table %s: %w", t.name, err)
		}
		have, err := tableColumns(ctx, db, t.name)
		if err != nil {
			return err
		}
		for _, c := range t.columns {
			if have[c.name] {
				continue
			}
			q := "ALTER TABLE " + t.name + " ADD COLUMN " + c.name + " " + c.decl
			if _, err := db.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("add column %s.%s: %w", t.name, c.name, err)
			}
		}
	}
	for _, ix := range indexes {
		if skip[ix.name] {
			continue
		}
		if _, err := db.ExecContext(ctx, ix.createSQL()); err != nil {
			return fmt.Errorf("create index %s: %w", ix.name, err)
		}
	}
	return nil
}

// tableColumns returns the names of the columns table has.
func tableColumns(ctx context.Context, db execer, name string) (map[string]bool, error) {
	rows, err := db.QueryContext(ctx, "SELECT name FROM pragma_table_info(?)", name)
	if err != nil {
		return nil, fmt.Errorf("list columns of %s: %w", name, err)
	}
	defer rows.Close()
	have := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("list columns of %s: %w", name, err)
		}
		have[n] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list columns of %s: %w", name, err)
	}
	return have, nil
}
