package c1z

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/segmentio/ksuid"
)

// Sync types stored in v1_sync_runs.sync_type (spec §2.2).
const (
	SyncTypeFull             = "full"
	SyncTypePartial          = "partial"
	SyncTypeResourcesOnly    = "resources_only"
	SyncTypePartialUpserts   = "partial_upserts"
	SyncTypePartialDeletions = "partial_deletions"
)

// timeLayout is the SDK's datetime text layout (always written in UTC).
const timeLayout = "2006-01-02 15:04:05.999999999"

// SyncRun is one row of v1_sync_runs.
type SyncRun struct {
	ID, Type, ParentID, Token string
	StartedAt                 time.Time
	EndedAt                   time.Time // zero when unfinished
	// SupportsDiff: the sync's grants carry their expansion in the expansion column.
	SupportsDiff bool
}

// Finished reports whether the sync has ended.
func (r *SyncRun) Finished() bool { return !r.EndedAt.IsZero() }

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// parseTime reads the datetime forms readers accept: the SDK layout (no zone, meaning UTC) and
// RFC 3339.
func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{timeLayout, time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("unrecognised datetime %q", s)
}

// syncRunColumns selects a SyncRun; datetimes are cast to text so the driver hands them over
// verbatim.
const syncRunColumns = `sync_id, sync_type, parent_sync_id, sync_token, CAST(started_at AS TEXT),
	CAST(ended_at AS TEXT), supports_diff`

type rowScanner interface{ Scan(dest ...any) error }

func scanSyncRun(sc rowScanner) (*SyncRun, error) {
	var r SyncRun
	var started string
	var ended sql.NullString
	var diff int64
	if err := sc.Scan(&r.ID, &r.Type, &r.ParentID, &r.Token, &started, &ended, &diff); err != nil {
		return nil, err
	}
	var err error
	if r.StartedAt, err = parseTime(started); err != nil {
		return nil, fmt.Errorf("sync %s started_at: %w", r.ID, err)
	}
	if ended.Valid && ended.String != "" {
		if r.EndedAt, err = parseTime(ended.String); err != nil {
			return nil, fmt.Errorf("sync %s ended_at: %w", r.ID, err)
		}
	}
	r.SupportsDiff = diff != 0
	return &r, nil
}

// querier is a *sql.DB, *sql.Conn or *sql.Tx.
type querier interface {
	execer
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// querySyncRun returns the first run the query selects, or nil when there is none.
func querySyncRun(ctx context.Context, q querier, where string, args ...any) (*SyncRun, error) {
	r, err := scanSyncRun(q.QueryRowContext(ctx, "SELECT "+syncRunColumns+" FROM v1_sync_runs "+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return r, err
}

// LatestUnfinishedSync returns the most recently started unfinished sync of syncType started
// within maxAge (no age limit when maxAge <= 0), or nil, nil if there is none.
func (s *Store) LatestUnfinishedSync(ctx context.Context, syncType string, maxAge time.Duration) (*SyncRun, error) {
	var r *SyncRun
	err := s.read(ctx, []string{"v1_sync_runs"}, func(db *sql.DB) error {
		cutoff := ""
		if maxAge > 0 {
			cutoff = formatTime(s.now().Add(-maxAge))
		}
		var err error
		r, err = querySyncRun(ctx, db,
			"WHERE ended_at IS NULL AND sync_type = ? AND CAST(started_at AS TEXT) >= ? ORDER BY started_at DESC, id DESC LIMIT 1",
			syncType, cutoff)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("find unfinished %s sync: %w", syncType, err)
	}
	return r, nil
}

// LatestFinishedSync returns the most recently finished sync of syncType, or nil when there is
// none (a partial sync names it as its parent).
func (s *Store) LatestFinishedSync(ctx context.Context, syncType string) (*SyncRun, error) {
	var r *SyncRun
	err := s.read(ctx, []string{"v1_sync_runs"}, func(db *sql.DB) error {
		var err error
		r, err = querySyncRun(ctx, db,
			"WHERE ended_at IS NOT NULL AND sync_type = ? ORDER BY ended_at DESC, sync_id DESC LIMIT 1", syncType)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("find finished %s sync: %w", syncType, err)
	}
	return r, nil
}

// StartSync inserts a new sync run (KSUID id, started now, empty token, grants_backfilled = 1).
// An empty syncType means full.
func (s *Store) StartSync(ctx context.Context, syncType, parentSyncID string) (*SyncRun, error) {
	if syncType == "" {
		syncType = SyncTypeFull
	}
	now := s.now()
	id, err := ksuid.NewRandomWithTime(now)
	if err != nil {
		return nil, fmt.Errorf("new sync id: %w", err)
	}
	r := &SyncRun{ID: id.String(), Type: syncType, ParentID: parentSyncID, StartedAt: now}
	err = s.write(ctx, syncRunWrite, func(c *sql.Conn) error {
		_, err := c.ExecContext(ctx, `INSERT INTO v1_sync_runs
			(sync_id, started_at, ended_at, sync_token, sync_type, parent_sync_id, linked_sync_id,
			 supports_diff, grants_backfilled, ingest_invariant_generation, ingest_invariant_coverage, ingest_invariant_mode)
			VALUES (?, ?, NULL, '', ?, ?, '', 0, 1, '', '', '')`,
			r.ID, formatTime(now), syncType, parentSyncID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("start %s sync: %w", syncType, err)
	}
	return r, nil
}

// syncRunWrite: sync-run changes commit at once, together with every row written before them,
// so a checkpoint token never refers to rows that a crash could lose.
var syncRunWrite = writeOpts{tables: []string{"v1_sync_runs"}, rows: 1, commitNow: true}

// updateSync runs an UPDATE on one sync run and reports ErrNotFound when it does not exist.
func (s *Store) updateSync(ctx context.Context, syncID, set string, args ...any) error {
	return s.write(ctx, syncRunWrite, func(c *sql.Conn) error {
		// set is a literal assignment from this file's callers; values are bound parameters.
		res, err := c.ExecContext(ctx, "UPDATE v1_sync_runs SET "+set+" WHERE sync_id = ?", append(args, syncID)...) //nolint:gosec // G202: fixed column names only
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err == nil && n == 0 {
			return noChangeError{newFileError(ErrNotFound, nil, "sync %s not found", syncID)}
		}
		return nil
	})
}

// Checkpoint stores the resumable token of a sync.
func (s *Store) Checkpoint(ctx context.Context, syncID, token string) error {
	if err := s.updateSync(ctx, syncID, "sync_token = ?", token); err != nil {
		return fmt.Errorf("checkpoint sync %s: %w", syncID, err)
	}
	return nil
}

// MarkSupportsDiff records that the sync's grants carry their expansion in the expansion column
// (set when a fresh full sync reaches grant expansion).
func (s *Store) MarkSupportsDiff(ctx context.Context, syncID string) error {
	if err := s.updateSync(ctx, syncID, "supports_diff = 1"); err != nil {
		return fmt.Errorf("mark sync %s: %w", syncID, err)
	}
	return nil
}

// EndSync finishes a sync: ended_at = now (unless already set) and the stats JSON of spec §2.11.
func (s *Store) EndSync(ctx context.Context, syncID string) error {
	err := s.write(ctx, syncRunWrite, func(c *sql.Conn) error {
		st, err := countStats(ctx, c, syncID, false)
		if err != nil {
			return noChangeError{err}
		}
		js, err := json.Marshal(st.syncStatsJSON())
		if err != nil {
			return noChangeError{fmt.Errorf("encode stats: %w", err)}
		}
		res, err := c.ExecContext(ctx,
			"UPDATE v1_sync_runs SET ended_at = COALESCE(ended_at, ?), stats = ? WHERE sync_id = ?",
			formatTime(s.now()), string(js), syncID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err == nil && n == 0 {
			return noChangeError{newFileError(ErrNotFound, nil, "sync %s not found", syncID)}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("end sync %s: %w", syncID, err)
	}
	return nil
}

// Sync returns one sync run, or an error matching ErrNotFound.
func (s *Store) Sync(ctx context.Context, syncID string) (*SyncRun, error) {
	var r *SyncRun
	err := s.read(ctx, []string{"v1_sync_runs"}, func(db *sql.DB) error {
		var err error
		r, err = querySyncRun(ctx, db, "WHERE sync_id = ?", syncID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read sync %s: %w", syncID, err)
	}
	if r == nil {
		return nil, newFileError(ErrNotFound, nil, "sync %s not found", syncID)
	}
	return r, nil
}
