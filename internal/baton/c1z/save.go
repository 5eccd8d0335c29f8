package c1z

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/baton-confluence/baton-confluence/internal/baton/logging"
	"go.uber.org/zap"
)

// Save writes the output file and releases the Store: the database is checkpointed and switched
// to rollback-journal mode, compressed as "C1ZF\x00" + one zstd frame into <path>.tmp (mode
// 0644), fsynced, renamed over <path>, and the directory is fsynced; then the working directory
// and lock are removed.
//
// Errors do not repeat <path> (the caller says what it was saving). On error the previous <path>
// is untouched, <path>.tmp is removed and so is the working directory (the Store is released
// either way). A full disk is reported as ErrDiskFull.
func (s *Store) Save(ctx context.Context) (err error) {
	s.life.Lock()
	defer s.life.Unlock()
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.closed {
		return ErrClosed
	}
	s.closed = true
	if s.failed != nil {
		err = s.failed
		s.rollback(ctx)
		_ = s.closeDBs()
		return errors.Join(err, s.removeTemp(), releaseLock(s.lock, s.lockPath, true))
	}
	defer func() {
		cerr := s.closeDBs()
		if err == nil {
			err = cerr
		}
		if err != nil {
			err = errors.Join(err, s.removeTemp())
		} else if rerr := os.RemoveAll(s.dir); rerr != nil {
			logging.From(ctx).Warn("could not remove working directory", zap.String("dir", s.dir), zap.Error(rerr))
		}
		if lerr := releaseLock(s.lock, s.lockPath, true); lerr != nil && err == nil {
			err = lerr
		}
	}()
	if err := s.finalizeDB(ctx); err != nil {
		return err
	}
	if err := s.writeOutput(ctx); err != nil {
		return err
	}
	return nil
}

// finalizeDB moves everything into the main database file: no data may live only in a -wal file.
func (s *Store) finalizeDB(ctx context.Context) error {
	if err := s.closeReaders(); err != nil {
		return err
	}
	if err := s.commit(ctx); err != nil {
		return err
	}
	omit, err := s.omitGrantIndexes(ctx)
	if err != nil {
		return err
	}
	var skip map[string]bool
	if omit {
		skip = grantLookupIndexes
	}
	// Indexes an interrupted expansion dropped are rebuilt (sorting on disk): the file
	// carries all of them, but for the grant indexes it leaves out.
	if err := s.setTempStore(ctx, "FILE"); err != nil {
		return err
	}
	if err := ensureSchemaWithout(ctx, s.wconn, skip); err != nil {
		return fmt.Errorf("complete database schema: %w", err)
	}
	if omit {
		if err := s.dropGrantIndexes(ctx); err != nil {
			return err
		}
	}
	var busy, logFrames, done int
	if err := s.wconn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &done); err != nil {
		return fmt.Errorf("checkpoint database: %w", err)
	}
	if busy != 0 {
		return fmt.Errorf("checkpoint database: the database is busy")
	}
	var mode string
	if err := s.wconn.QueryRowContext(ctx, "PRAGMA journal_mode=DELETE").Scan(&mode); err != nil {
		return fmt.Errorf("switch database to rollback journal: %w", err)
	}
	if mode != "delete" {
		return fmt.Errorf("switch database to rollback journal: journal mode is still %q", mode)
	}
	_ = s.closeStmts()
	if err := s.wconn.Close(); err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	s.wconn = nil
	if err := s.wdb.Close(); err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	s.wdb = nil
	if st, err := os.Stat(s.dbPath() + "-wal"); err == nil && st.Size() > 0 {
		return fmt.Errorf("refusing to save: %d bytes of data remain in %s-wal", st.Size(), s.dbPath())
	}
	return nil
}

// writeOutput compresses the database into <path>.tmp and renames it over <path>.
func (s *Store) writeOutput(ctx context.Context) error {
	tmp := s.path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644) //nolint:gosec // G302: the spec requires the c1z output to be 0644
	if err != nil {
		return fmt.Errorf("create %s: %w", tmp, err)
	}
	defer f.Close() // second close after success is harmless
	if err := f.Chmod(0o644); err != nil {
		return fmt.Errorf("chmod %s: %w", tmp, err)
	}
	var w io.Writer = f
	if s.saveWriter != nil {
		w = s.saveWriter(f)
	}
	if err := encodeTo(ctx, w, s.dbPath()); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	// The database is no longer needed whatever happens next (Save releases the working
	// directory either way): unlinking it (a second or so for gigabytes) overlaps the flush of
	// the output. Save removes the rest of the directory.
	unlinked := make(chan struct{})
	go func() {
		defer close(unlinked)
		_ = os.Remove(s.dbPath())
	}()
	defer func() { <-unlinked }()
	if err := f.Sync(); err != nil {
		return diskError(err, "sync %s", tmp)
	}
	if err := f.Close(); err != nil {
		return diskError(err, "close %s", tmp)
	}
	if err := os.Rename(tmp, s.path); err != nil {
		return fmt.Errorf("rename %s to %s: %w", tmp, s.path, err)
	}
	return syncDir(filepath.Dir(s.path))
}
