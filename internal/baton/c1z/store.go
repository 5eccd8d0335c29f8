package c1z

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/baton-confluence/baton-confluence/internal/baton/logging"
	"go.uber.org/zap"
	_ "modernc.org/sqlite" // database/sql driver "sqlite"
)

// Options configure a Store. The zero value is valid.
type Options struct {
	// TempDir is where working directories and their lock files live; "" = os.TempDir().
	TempDir string
	// Now returns the current time (tests); nil = time.Now. Stored times are always UTC.
	Now func() time.Time
	// MaxExpandDepth limits the rounds of grant expansion; 0 = BATON_GRAPH_EXPAND_MAX_DEPTH or 20.
	MaxExpandDepth int
	// GrantIndexes says whether Save keeps the grant indexes in the file (see GrantIndexes).
	GrantIndexes GrantIndexes
}

// Store writes one c1z file. It works on an uncompressed SQLite database in a working
// directory <TempDir>/baton-c1z-<16 hex digits of sha256(absolute output path)>/ and writes the
// output file only on Save.
//
// Lifecycle: Open, then any number of syncs and writes, then exactly one of
//   - Save: compress into the output file (atomically replacing it), remove the working directory;
//   - Close: release the Store without saving, keeping the working directory so that a later Open
//     of the same output resumes it (this is also what survives a crash);
//   - Discard: release the Store and remove the working directory; the output is untouched.
//
// A Store is safe for concurrent use: writes are serialised, each call is one transaction, and
// reads run concurrently with writes. Only one process at a time can hold a Store for a given
// output file (an exclusive lock on the working directory's .lock file).
type Store struct {
	path     string // absolute output path
	opts     Options
	dir      string
	lockPath string
	lock     *os.File

	life    sync.RWMutex // held shared by reads, exclusively by Save/Close/Discard
	wmu     sync.Mutex   // serialises writes; guards everything below
	closed  bool
	wdb     *sql.DB   // pool of exactly one connection: wconn
	wconn   *sql.Conn // the writer; transactions are managed explicitly on it
	rdb     *sql.DB   // read connections
	stmts   map[string]*sql.Stmt
	upserts map[upsertKey]driver.Stmt // driver-level, on wconn's connection
	inTx    bool                      // a write transaction is open on wconn
	txRows  int                       // rows written in it
	txBegan time.Time                 // when it began
	dirty   map[string]bool           // tables with uncommitted rows
	failed  error                     // a commit failed: the Store refuses further writes

	// saveWriter, when set (tests), wraps the writer of <path>.tmp.
	saveWriter func(io.Writer) io.Writer
	// tune, when set (tests), changes how expansion works.
	tune expandTuning
}

// expandTuning changes how expansion works (tests); the zero value means the defaults.
type expandTuning struct {
	pageRows, cacheBytes int  // page size of principal-ordered reads, source cache budget
	noBulk               bool // expand in WAL mode and keep every index
	dropIndexes          bool // drop and rebuild bulkDroppedIndexes however small the expansion
	// omitGrantIndexesFrom replaces OmitGrantIndexesFrom when > 0.
	omitGrantIndexesFrom int64
	// afterDest, when set, runs after each destination.
	afterDest func()
}

// Open opens the output file path for writing (see Store). If a working directory for path
// exists, is complete, its database opens and the output file is unchanged since it was
// created, it is reused: this resumes an interrupted (closed or killed) run. Otherwise any
// stale working directory is removed and a fresh one is created, holding the decoded output
// file when it exists and is not empty (v1 only), or an empty database.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("resolve output path %s: %w", path, err)
	}
	tempDir := opts.TempDir
	if tempDir == "" {
		tempDir = os.TempDir()
	}
	if err := os.MkdirAll(tempDir, 0o700); err != nil {
		return nil, fmt.Errorf("create temp dir %s: %w", tempDir, err)
	}
	s := &Store{path: abs, opts: opts, stmts: map[string]*sql.Stmt{}, upserts: map[upsertKey]driver.Stmt{}, dirty: map[string]bool{}}
	s.dir, s.lockPath = workDirFor(tempDir, abs)
	if strings.ContainsRune(s.dir, '?') {
		return nil, fmt.Errorf("temp dir %s: a '?' in the path is not supported", tempDir)
	}
	if s.lock, err = acquireLock(s.lockPath, abs); err != nil {
		return nil, err
	}
	if err := s.open(ctx); err != nil {
		_ = s.closeDBs() // best-effort cleanup: the open error is the one to report
		_ = os.RemoveAll(s.dir)
		_ = releaseLock(s.lock, s.lockPath, true)
		return nil, err
	}
	return s, nil
}

func (s *Store) open(ctx context.Context) error {
	log := logging.From(ctx)
	if err := os.Remove(s.path + ".tmp"); err == nil {
		log.Info("removed a partial output left by an interrupted save", zap.String("file", s.path+".tmp"))
	}
	if s.tryResume(ctx) {
		log.Info("resuming from working directory", zap.String("dir", s.dir), zap.String("output", s.path))
		return nil
	}
	if err := os.RemoveAll(s.dir); err != nil {
		return fmt.Errorf("remove stale working dir %s: %w", s.dir, err)
	}
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return fmt.Errorf("create working dir %s: %w", s.dir, err)
	}
	state, err := statOutput(s.path, true)
	if err != nil {
		return err
	}
	if !state.Absent && state.Size > 0 {
		if err := decodeFile(ctx, s.path, s.dbPath(), limitsFromEnv()); err != nil {
			return fmt.Errorf("load existing output: %w", err)
		}
	}
	if err := s.openDBs(ctx); err != nil {
		return err
	}
	return writeMeta(s.dir, workMeta{Output: s.path, State: state})
}

// tryResume reopens an existing working directory when it belongs to the current output file.
func (s *Store) tryResume(ctx context.Context) bool {
	m, err := readMeta(s.dir)
	if err != nil {
		return false
	}
	if same, err := sameOutput(m, s.path); err != nil || !same {
		logging.From(ctx).Info("discarding working directory: the output file changed since it was created",
			zap.String("dir", s.dir))
		return false
	}
	if unsyncedSinceBoot(s.dir) {
		logging.From(ctx).Warn("discarding working directory: the system restarted while it held unsynced writes",
			zap.String("dir", s.dir))
		return false
	}
	if err := s.openDBs(ctx); err != nil {
		logging.From(ctx).Warn("discarding working directory that does not open", zap.String("dir", s.dir), zap.Error(err))
		_ = s.closeDBs() // best-effort: the directory is discarded and recreated next
		return false
	}
	return true
}

func (s *Store) dbPath() string { return filepath.Join(s.dir, dbFileName) }

// Page cache sizes, in KiB (SQLite's negative cache_size). modernc's page cache costs more
// resident memory than its size, more so with 16 KiB pages: a 3 MiB writer cache raised the
// peak RSS of the Large sync from 96 to 111 MB, 4 MiB that of Medium from 68 to 95-100 MB, for
// no gain in either. Expansion writes in key order and needs few pages; the writer's cache
// mostly helps random-order upserts of very many grants (BenchmarkWrite1M's 1,000,000: write
// 34 s with 2 MiB, 30 s with 3 MiB, 22 s with 8 MiB). The index builds after a large
// expansion sort in memory chunks sized by the cache: rebuildCacheKiB (-5 MB peak RSS at Large,
// same time). Readers read little: pages of grants, resource lookups; each connection holds
// memory of its own beyond its cache, so the pool is small: with 2 connections instead of 4
// the peak RSS of the Large sync's grants phase fell from 86-90 to 80 MB, and that phase took
// the same time (3.6 s Large, 2.1 s Medium at 50 ms). A smaller reader cache (256 KiB) raised
// Medium's grants phase by 5 MB.
const (
	writerCacheKiB  = 2048
	rebuildCacheKiB = 512
	readerCacheKiB  = 1024
	readPoolSize    = 2
)

// pageSize is the page size of a database this package creates. The reference files use
// SQLite's default of 4096; every reader accepts any page size, and with 16 KiB pages the
// derived grants (about 1 KB each) are written, indexed and read back with a quarter of the
// page operations and system calls: at Medium, expansion -12 %, save -10 %, file -3 %
// (BenchmarkExpandMedium). Larger pages cost more memory than they save time. A database
// loaded from an existing file keeps its page size.
const pageSize = 16384

// openDBs opens the writer (one connection, WAL, synchronous=NORMAL: a killed process never
// corrupts the database) and the read pool, and makes sure the schema is complete.
func (s *Store) openDBs(ctx context.Context) error {
	w, err := sql.Open("sqlite", s.dbPath()+"?_pragma=busy_timeout(30000)&_pragma=journal_mode(wal)&_pragma=synchronous(normal)"+
		"&_pragma=cache_size(-"+strconv.Itoa(writerCacheKiB)+")&_pragma=wal_autocheckpoint(32768)")
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	s.wdb = w
	if s.wconn, err = w.Conn(ctx); err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	if err := setPageSize(ctx, s.wconn); err != nil {
		return err
	}
	if n := s.unbuiltGrantIndexes(ctx); n > 0 {
		logging.From(ctx).Info("building missing grant indexes (for a large file this takes a while)",
			zap.Int("indexes", n), zap.String("file", s.path))
	}
	if err := ensureSchema(ctx, s.wconn); err != nil {
		return fmt.Errorf("prepare database schema: %w", err)
	}
	// Statement journals in memory (they are small, and writing them to temp files costs a
	// syscall per page); set after the schema bootstrap, whose index builds may sort a lot.
	if err := s.setTempStore(ctx, "MEMORY"); err != nil {
		return err
	}
	var n int
	if err := s.wconn.QueryRowContext(ctx, "SELECT count(*) FROM v1_sync_runs").Scan(&n); err != nil {
		return fmt.Errorf("read database: %w", err)
	}
	return s.openReaders()
}

// setPageSize gives a new database (no schema yet) the page size pageSize. In WAL mode the page
// size cannot change, and switching to WAL already wrote the first page: the database is
// switched out of WAL mode, rebuilt with that size by VACUUM (of nothing) and switched back.
func setPageSize(ctx context.Context, c *sql.Conn) error {
	var objects int
	if err := c.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master").Scan(&objects); err != nil {
		return fmt.Errorf("read database: %w", err)
	}
	if objects > 0 {
		return nil
	}
	for _, q := range []string{"PRAGMA journal_mode = DELETE", "PRAGMA page_size = " + strconv.Itoa(pageSize), "VACUUM", "PRAGMA journal_mode = WAL"} {
		if _, err := c.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("create database (%s): %w", q, err)
		}
	}
	return nil
}

// openReaders opens the pool of read-only connections.
func (s *Store) openReaders() error {
	r, err := sql.Open("sqlite", s.dbPath()+"?_pragma=busy_timeout(30000)&_pragma=query_only(1)"+
		"&_pragma=cache_size(-"+strconv.Itoa(readerCacheKiB)+")")
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	r.SetMaxOpenConns(readPoolSize)
	r.SetMaxIdleConns(readPoolSize)
	s.rdb = r
	return nil
}

// closeReaders closes the pool of read-only connections, releasing their page caches; reads
// wait (wmu) until openReaders opens it again.
func (s *Store) closeReaders() error {
	if s.rdb == nil {
		return nil
	}
	err := s.rdb.Close()
	s.rdb = nil
	if err != nil {
		return fmt.Errorf("close read connections: %w", err)
	}
	return nil
}

// setTempStore sets where the writer keeps temporary data: MEMORY while writing, FILE for
// index builds (whose sorts would otherwise grow in memory).
func (s *Store) setTempStore(ctx context.Context, where string) error {
	if _, err := s.wconn.ExecContext(ctx, "PRAGMA temp_store = "+where); err != nil {
		return fmt.Errorf("set temp_store: %w", err)
	}
	return nil
}

func (s *Store) closeDBs() error {
	var errs []error
	errs = append(errs, s.closeStmts())
	if s.rdb != nil {
		errs = append(errs, s.rdb.Close())
		s.rdb = nil
	}
	if s.wconn != nil {
		errs = append(errs, s.wconn.Close())
		s.wconn = nil
	}
	if s.wdb != nil {
		errs = append(errs, s.wdb.Close())
		s.wdb = nil
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	return nil
}

// closeStmts closes every prepared statement.
func (s *Store) closeStmts() error {
	var errs []error
	for _, st := range s.stmts {
		errs = append(errs, st.Close())
	}
	if len(s.upserts) > 0 && s.wconn != nil {
		errs = append(errs, s.wconn.Raw(func(any) error {
			var errs []error
			for _, st := range s.upserts {
				errs = append(errs, st.Close())
			}
			return errors.Join(errs...)
		}))
	}
	clear(s.stmts)
	clear(s.upserts)
	return errors.Join(errs...)
}

// Close releases the Store without saving. Uncommitted rows are committed first, and the
// working directory is kept so that a later Open of the same output file resumes where this one
// stopped (unless the output file changed in the meantime). Closing twice is a no-op.
func (s *Store) Close() error {
	s.life.Lock()
	defer s.life.Unlock()
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	var cerr error
	if s.failed == nil {
		cerr = s.commit(context.Background())
	}
	return errors.Join(cerr, s.closeDBs(), releaseLock(s.lock, s.lockPath, true))
}

// Discard releases the Store and removes its working directory; the output file is untouched.
// After Save or Close it is a no-op (it no longer holds the lock that makes removal safe).
func (s *Store) Discard() error {
	s.life.Lock()
	defer s.life.Unlock()
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.rollback(context.Background())
	return errors.Join(s.closeDBs(), s.removeTemp(), releaseLock(s.lock, s.lockPath, true))
}

// removeTemp removes the working directory and any partial output.
func (s *Store) removeTemp() error {
	var errs []error
	if err := os.Remove(s.path + ".tmp"); err != nil && !errors.Is(err, os.ErrNotExist) {
		errs = append(errs, fmt.Errorf("remove %s.tmp: %w", s.path, err))
	}
	if err := os.RemoveAll(s.dir); err != nil {
		errs = append(errs, fmt.Errorf("remove working dir %s: %w", s.dir, err))
	}
	return errors.Join(errs...)
}

// now is the current time in UTC.
func (s *Store) now() time.Time {
	if s.opts.Now != nil {
		return s.opts.Now().UTC()
	}
	return time.Now().UTC()
}

// Path is the absolute path of the output file.
func (s *Store) Path() string { return s.path }
