package c1z

import (
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/require"

	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// oldStyleFile writes a c1z the way older SDKs did: base columns only (no expansion columns, no
// assets or session tables), GrantExpandable left inside the grant data, WAL header flag, zstd
// without content size or checksum.
func oldStyleFile(t *testing.T) (string, *v2.Grant) {
	t.Helper()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "db")
	db, err := sql.Open("sqlite", dbPath+"?_pragma=journal_mode(wal)")
	require.NoError(t, err)
	for _, q := range []string{
		"CREATE TABLE v1_resource_types (id integer primary key, external_id text not null, data blob not null, sync_id text not null, discovered_at datetime not null)",
		"CREATE TABLE v1_resources (id integer primary key, resource_type_id text not null, external_id text not null, parent_resource_type_id text, parent_resource_id text, data blob not null, sync_id text not null, discovered_at datetime not null)",
		"CREATE TABLE v1_entitlements (id integer primary key, resource_type_id text not null, resource_id text not null, external_id text not null, data blob not null, sync_id text not null, discovered_at datetime not null)",
		"CREATE TABLE v1_grants (id integer primary key, resource_type_id text not null, resource_id text not null, entitlement_id text not null, principal_resource_type_id text not null, principal_resource_id text not null, external_id text not null, data blob not null, sync_id text not null, discovered_at datetime not null)",
		"CREATE TABLE v1_sync_runs (id integer primary key, sync_id text not null, started_at datetime not null, ended_at datetime, sync_token text not null)",
	} {
		_, err := db.Exec(q)
		require.NoError(t, err)
	}
	sp := spaceRes("1")
	read := ent(sp, "read-space")
	g := grant(read, rid("group", "g1"), expandable("group:g1:member"))
	now := "2025-01-02 03:04:05"
	_, err = db.Exec("INSERT INTO v1_sync_runs (sync_id, started_at, ended_at, sync_token) VALUES ('old', ?, ?, '')", now, now)
	require.NoError(t, err)
	_, err = db.Exec("INSERT INTO v1_resources (resource_type_id, external_id, data, sync_id, discovered_at) VALUES ('space', 'space:1', ?, 'old', ?)", mustMarshal(t, sp), now)
	require.NoError(t, err)
	_, err = db.Exec("INSERT INTO v1_entitlements (resource_type_id, resource_id, external_id, data, sync_id, discovered_at) VALUES ('space', '1', ?, ?, 'old', ?)", read.GetId(), mustMarshal(t, read), now)
	require.NoError(t, err)
	_, err = db.Exec(`INSERT INTO v1_grants (resource_type_id, resource_id, entitlement_id, principal_resource_type_id, principal_resource_id,
		external_id, data, sync_id, discovered_at) VALUES ('space', '1', ?, 'group', 'g1', ?, ?, 'old', ?)`, read.GetId(), g.GetId(), mustMarshal(t, g), now)
	require.NoError(t, err)
	_, err = db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	require.NoError(t, err)
	require.NoError(t, db.Close())
	raw, err := os.ReadFile(dbPath)
	require.NoError(t, err)
	require.Equal(t, []byte{2, 2}, raw[18:20], "WAL header flag, as older SDK files have")
	out := filepath.Join(dir, "old.c1z")
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderCRC(false))
	require.NoError(t, err)
	var comp []byte
	comp = enc.EncodeAll(raw, comp)
	require.NoError(t, enc.Close())
	require.NoError(t, os.WriteFile(out, append([]byte("C1ZF\x00"), comp...), 0o644))
	return out, g
}

// TestReadsOlderFiles: a file in the older layout opens, migrates in the temp copy, and keeps
// the GrantExpandable it stored inside the grant data.
func TestReadsOlderFiles(t *testing.T) {
	t.Parallel()
	path, g := oldStyleFile(t)
	before, err := os.ReadFile(path)
	require.NoError(t, err)
	r, err := OpenReader(t.Context(), path, ReaderOptions{TempDir: t.TempDir()})
	require.NoError(t, err)
	require.Equal(t, "old", r.Sync().ID)
	grants := collect(t, r.Grants(t.Context(), GrantFilter{}))
	require.Len(t, grants, 1)
	requireSameBytes(t, g, grants[0])
	st, err := r.Stats(t.Context())
	require.NoError(t, err)
	require.Equal(t, int64(1), st.GrantsByType["space"])
	require.NoError(t, r.Close())
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, before, after, "a reader never rewrites the file")
}

// TestAppendsToOlderFile: a Store opened on an older file completes the schema and appends (in
// the file's own page size).
func TestAppendsToOlderFile(t *testing.T) {
	t.Parallel()
	path, _ := oldStyleFile(t)
	s, err := Open(t.Context(), path, Options{TempDir: t.TempDir()})
	require.NoError(t, err)
	run := writeSync(t, s, "new-user")
	require.NoError(t, s.Save(t.Context()))
	db := openRaw(t, path)
	var n int
	require.NoError(t, db.QueryRow("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name LIKE 'idx_%'").Scan(&n))
	require.Equal(t, 16, n)
	var mode string
	require.NoError(t, db.QueryRow("PRAGMA journal_mode").Scan(&mode))
	require.Equal(t, "delete", mode)
	var size int
	require.NoError(t, db.QueryRow("PRAGMA page_size").Scan(&size))
	require.Equal(t, 4096, size, "a loaded database keeps its page size")
	r, err := OpenReader(t.Context(), path, ReaderOptions{TempDir: t.TempDir()})
	require.NoError(t, err)
	defer r.Close()
	require.Equal(t, run.ID, r.Sync().ID)
	syncs, err := r.Syncs(t.Context())
	require.NoError(t, err)
	require.Len(t, syncs, 2, "appended, and the old sync is kept (cleanup was not asked for)")
}
