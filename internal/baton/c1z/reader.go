package c1z

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// ReaderOptions configure OpenReader. The zero value is valid.
type ReaderOptions struct {
	// TempDir is where the decompressed copy lives; "" = os.TempDir().
	TempDir string
	// SyncID selects the sync to show; "" = the readers' rule (spec §2.10): the latest finished
	// full sync, else the latest unfinished sync started within 7 days, else no sync filter.
	SyncID string
	// RequireFinished makes OpenReader fail with ErrNoFinishedSync, instead of falling back to
	// an unfinished sync or to no filter, when SyncID is "" and no full sync has finished.
	RequireFinished bool
	// Now returns the current time (tests); nil = time.Now.
	Now func() time.Time
}

// unfinishedMaxAge is how old an unfinished sync readers still show.
const unfinishedMaxAge = 7 * 24 * time.Hour

// Reader reads a c1z file: it decompresses it into a temporary copy (removed by Close), runs
// the readers' schema bootstrap on the copy, and shows one sync. It never modifies the file.
// A Reader is safe for concurrent use.
type Reader struct {
	path string
	dir  string
	db   *sql.DB
	sync *SyncRun // nil: no sync filter
	// pinned: the sync was chosen explicitly (ReaderOptions.SyncID).
	pinned bool
	closed bool

	idxMu sync.Mutex
	// unbuilt: grant indexes the file does not carry and no query has needed yet.
	unbuilt map[string]bool
}

// OpenReader opens the c1z at path for reading. Errors match ErrEmptyFile, ErrNotC1Z,
// ErrV3Unsupported, ErrCorrupt, ErrTooLarge, ErrNotSQLite, ErrNotFound (an explicit SyncID that
// is not in the file) or ErrNoFinishedSync (with RequireFinished).
func OpenReader(ctx context.Context, path string, opts ReaderOptions) (*Reader, error) {
	tempDir := opts.TempDir
	if tempDir == "" {
		tempDir = os.TempDir()
	}
	if err := os.MkdirAll(tempDir, 0o700); err != nil {
		return nil, fmt.Errorf("create temp dir %s: %w", tempDir, err)
	}
	dir, err := os.MkdirTemp(tempDir, "baton-c1z-reader-")
	if err != nil {
		return nil, fmt.Errorf("create temp dir: %w", err)
	}
	r := &Reader{path: path, dir: dir, pinned: opts.SyncID != ""}
	if err := r.open(ctx, opts); err != nil {
		_ = r.Close()
		return nil, err
	}
	return r, nil
}

func (r *Reader) open(ctx context.Context, opts ReaderOptions) error {
	if strings.ContainsRune(r.dir, '?') {
		return fmt.Errorf("temp dir %s: a '?' in the path is not supported", r.dir)
	}
	dbPath := filepath.Join(r.dir, dbFileName)
	if err := decodeFile(ctx, r.path, dbPath, limitsFromEnv()); err != nil {
		return err
	}
	db, err := sql.Open("sqlite", dbPath+"?_pragma=busy_timeout(30000)&_pragma=journal_mode(off)&_pragma=synchronous(off)")
	if err != nil {
		return fmt.Errorf("open %s: %w", r.path, err)
	}
	db.SetMaxOpenConns(4)
	r.db = db
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master").Scan(&n); err != nil {
		return newFileError(ErrNotSQLite, err, "%s: the decompressed data is not a usable SQLite database", r.path)
	}
	// The grant indexes a file may leave out (see GrantIndexes) are built when a query needs
	// one: listing resources, or all grants, needs none of them.
	if err := ensureSchemaWithout(ctx, db, grantLookupIndexes); err != nil {
		return newFileError(ErrNotSQLite, err, "%s: the database inside does not have the c1z tables", r.path)
	}
	if r.unbuilt, err = missingIndexes(ctx, db, grantLookupIndexes); err != nil {
		return newFileError(ErrNotSQLite, err, "%s: the database inside does not have the c1z tables", r.path)
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	r.sync, err = chooseSync(ctx, db, opts.SyncID, now().UTC())
	if err != nil {
		return fmt.Errorf("%s: %w", r.path, err)
	}
	if opts.SyncID == "" && opts.RequireFinished && !r.sync.finishedFull() {
		return newFileError(ErrNoFinishedSync, nil, "no finished sync in %s", r.path)
	}
	return nil
}

func (s *SyncRun) finishedFull() bool {
	return s != nil && s.Finished() && s.Type == SyncTypeFull
}

// chooseSync applies the readers' rule of spec §2.10.
func chooseSync(ctx context.Context, db *sql.DB, explicit string, now time.Time) (*SyncRun, error) {
	if explicit != "" {
		run, err := querySyncRun(ctx, db, "WHERE sync_id = ?", explicit)
		if err != nil {
			return nil, fmt.Errorf("read sync %s: %w", explicit, err)
		}
		if run == nil {
			return nil, newFileError(ErrNotFound, nil, "sync %s not found", explicit)
		}
		return run, nil
	}
	run, err := querySyncRun(ctx, db,
		"WHERE ended_at IS NOT NULL AND sync_type = 'full' ORDER BY CAST(ended_at AS TEXT) DESC, sync_id DESC LIMIT 1")
	if err != nil || run != nil {
		return run, err
	}
	return querySyncRun(ctx, db,
		"WHERE ended_at IS NULL AND CAST(started_at AS TEXT) >= ? ORDER BY CAST(started_at AS TEXT) DESC, id DESC LIMIT 1",
		formatTime(now.Add(-unfinishedMaxAge)))
}

// Close releases the Reader and removes its temporary copy.
func (r *Reader) Close() error {
	var errs []error
	if r.db != nil && !r.closed {
		errs = append(errs, r.db.Close()) // later calls fail with "sql: database is closed"
	}
	r.closed = true
	if r.dir != "" {
		errs = append(errs, os.RemoveAll(r.dir))
		r.dir = ""
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close reader of %s: %w", r.path, err)
	}
	return nil
}

// Sync returns the sync being shown, nil when the file has no sync the rule selects (then every
// row of every sync is shown).
func (r *Reader) Sync() *SyncRun { return r.sync }

// Syncs returns every sync run in row (chronological) order.
func (r *Reader) Syncs(ctx context.Context) ([]*SyncRun, error) {
	rows, err := r.db.QueryContext(ctx, "SELECT "+syncRunColumns+" FROM v1_sync_runs ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("list syncs of %s: %w", r.path, err)
	}
	defer rows.Close()
	var out []*SyncRun
	for rows.Next() {
		run, err := scanSyncRun(rows)
		if err != nil {
			return nil, fmt.Errorf("list syncs of %s: %w", r.path, err)
		}
		out = append(out, run)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list syncs of %s: %w", r.path, err)
	}
	return out, nil
}

// Stats counts the shown sync. Like `baton stats`, it fails with ErrNoFinishedSync when the
// reader fell back to an unfinished sync or to no filter because nothing has finished.
func (r *Reader) Stats(ctx context.Context) (Stats, error) {
	if r.sync == nil || !r.sync.Finished() && !r.pinned {
		return Stats{}, newFileError(ErrNoFinishedSync, nil, "no finished sync in %s", r.path)
	}
	// Without the grant indexes, one scan of the table counts faster than building them.
	r.idxMu.Lock()
	scan := r.unbuilt[statsIndex] || r.unbuilt["idx_grants_external_sync_v1"]
	r.idxMu.Unlock()
	st, err := countStats(ctx, r.db, r.sync.ID, scan)
	if err != nil {
		return Stats{}, fmt.Errorf("count %s: %w", r.path, err)
	}
	return st, nil
}

// needIndexes builds those of names the file did not carry (once each; readers of the SDK build
// them all when they open a file).
func (r *Reader) needIndexes(ctx context.Context, names ...string) error {
	r.idxMu.Lock()
	defer r.idxMu.Unlock()
	for _, ix := range indexesWhere(func(ix index) bool { return r.unbuilt[ix.name] && slices.Contains(names, ix.name) }) {
		if _, err := r.db.ExecContext(ctx, ix.createSQL()); err != nil {
			return diskError(err, "%s: build index %s", r.path, ix.name)
		}
		delete(r.unbuilt, ix.name)
	}
	return nil
}

// missingIndexes returns which of names db has no index of.
func missingIndexes(ctx context.Context, db querier, names map[string]bool) (map[string]bool, error) {
	rows, err := db.QueryContext(ctx, "SELECT name FROM sqlite_master WHERE type = 'index'")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	missing := maps.Clone(names)
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		delete(missing, n)
	}
	return missing, rows.Err()
}
