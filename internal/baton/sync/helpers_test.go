package sync

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	stdsync "sync"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	"google.golang.org/protobuf/proto"
	_ "modernc.org/sqlite"

	"github.com/baton-confluence/baton-confluence/internal/baton/c1z"
	"github.com/baton-confluence/baton-confluence/internal/baton/logging"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
	"github.com/baton-confluence/baton-confluence/internal/baton/sync/fakeconnector"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(runChild())
	}
	goleak.VerifyTestMain(m)
}

// smallConfig exercises every feature with a few hundred rows.
func smallConfig() fakeconnector.Config {
	return fakeconnector.Config{
		Users: 40, Groups: 6, Spaces: 9, MembersPerGroup: 9, EntitlementsPerSpace: 3,
		UserGrantsPerSpace: 5, GroupGrantsPerSpace: 3, GhostGrants: true,
		RolesPerSpace: 2, PartsPerRole: 2, SkipGrantsEvery: 4, PageSize: 4,
	}
}

// syncFile runs one sync of conn into path (working dirs in tempDir) and saves it; on error the
// store is closed (kept for resume) and the error returned.
func syncFile(ctx context.Context, path, tempDir string, conn *fakeconnector.Connector, opts Options) (*Result, error) {
	store, err := c1z.Open(ctx, path, c1z.Options{TempDir: tempDir})
	if err != nil {
		return nil, err
	}
	res, err := Run(ctx, store, conn, opts)
	if err != nil {
		return nil, errorsJoin(err, store.Close())
	}
	return res, store.Save(ctx)
}

func errorsJoin(err, other error) error {
	if other != nil {
		return fmt.Errorf("%w (close: %w)", err, other)
	}
	return err
}

// noSleep records requested delays instead of sleeping.
type noSleep struct {
	mu     stdsync.Mutex
	delays []time.Duration
}

func (s *noSleep) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.delays = append(s.delays, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *noSleep) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.delays)
}

// openDB decompresses a saved c1z into a temp dir and opens its database.
func openDB(t testing.TB, path string) *sql.DB {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(raw, []byte("C1ZF\x00")), "not a v1 c1z")
	dec, err := zstd.NewReader(bytes.NewReader(raw[5:]))
	require.NoError(t, err)
	defer dec.Close()
	dbPath := filepath.Join(t.TempDir(), "db")
	f, err := os.Create(dbPath)
	require.NoError(t, err)
	_, err = io.Copy(f, dec)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	db, err := sql.Open("sqlite", "file:"+dbPath+"?mode=ro")
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// content is what a saved file holds for its latest finished full (else any) sync: per table,
// the sorted rows (external id, data and, for grants, the expansion columns), independent of
// row order.
type content struct {
	SyncID string
	Type   string
	Tables map[string][]string
}

var contentTables = []string{"v1_resource_types", "v1_resources", "v1_entitlements", "v1_grants"}

func dump(t testing.TB, path string) content {
	t.Helper()
	return dumpType(t, path, "")
}

// dumpType dumps the latest finished sync of type typ ("" = full if any, else any type).
func dumpType(t testing.TB, path, typ string) content {
	t.Helper()
	db := openDB(t, path)
	var c content
	err := db.QueryRow(`SELECT sync_id, sync_type FROM v1_sync_runs WHERE ended_at IS NOT NULL
		AND (? = '' OR sync_type = ?)
		ORDER BY CASE sync_type WHEN 'full' THEN 0 ELSE 1 END, id DESC LIMIT 1`, typ, typ).Scan(&c.SyncID, &c.Type)
	require.NoError(t, err)
	c.Tables = map[string][]string{}
	for _, tbl := range contentTables {
		cols := "external_id, data, ''"
		if tbl == "v1_grants" {
			cols = "external_id, data, quote(expansion) || '/' || needs_expansion"
		}
		rows, err := db.Query("SELECT "+cols+" FROM "+tbl+" WHERE sync_id = ?", c.SyncID)
		require.NoError(t, err)
		for rows.Next() {
			var id, extra string
			var data []byte
			require.NoError(t, rows.Scan(&id, &data, &extra))
			c.Tables[tbl] = append(c.Tables[tbl], id+" "+hex.EncodeToString(data)+" "+extra)
		}
		require.NoError(t, rows.Err())
		require.NoError(t, rows.Close())
		slices.Sort(c.Tables[tbl])
	}
	return c
}

// grants decodes the grants of the dumped sync.
func grantsOf(t testing.TB, path string) map[string]*v2.Grant {
	t.Helper()
	db := openDB(t, path)
	c := dump(t, path)
	rows, err := db.Query("SELECT external_id, data FROM v1_grants WHERE sync_id = ?", c.SyncID)
	require.NoError(t, err)
	defer rows.Close()
	out := map[string]*v2.Grant{}
	for rows.Next() {
		var id string
		var data []byte
		require.NoError(t, rows.Scan(&id, &data))
		g := &v2.Grant{}
		require.NoError(t, proto.Unmarshal(data, g))
		out[id] = g
	}
	require.NoError(t, rows.Err())
	return out
}

// ids returns the external ids of a dumped table.
func (c content) ids(tbl string) []string {
	var out []string
	for _, row := range c.Tables[tbl] {
		out = append(out, row[:bytes.IndexByte([]byte(row), ' ')])
	}
	return out
}

// observed returns ctx with a logger that records entries at info and above.
func observed(ctx context.Context) (context.Context, *observer.ObservedLogs) {
	core, logs := observer.New(zap.InfoLevel)
	return logging.With(ctx, zap.New(core)), logs
}

// requireClean checks that no working dir, lock or temp output remains.
func requireClean(t testing.TB, tempDir, path string) {
	t.Helper()
	entries, err := os.ReadDir(tempDir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	require.Empty(t, names, "leftovers in the temp dir")
	_, err = os.Stat(path + ".tmp")
	require.ErrorIs(t, err, os.ErrNotExist)
}

// hexOf is the hex encoding of s, to look for it inside dumped data.
func hexOf(s string) string { return hex.EncodeToString([]byte(s)) }

// openStore opens a store for path and discards it at the end of the test unless released.
func openStore(t testing.TB, path, tmp string) *c1z.Store {
	t.Helper()
	s, err := c1z.Open(t.Context(), path, c1z.Options{TempDir: tmp})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Discard() })
	return s
}
