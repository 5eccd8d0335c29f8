package c1z

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"

	"github.com/baton-confluence/baton-confluence/internal/baton/logging"
	"go.uber.org/zap"
)

// defaultKeepSyncs is how many finished full syncs cleanup keeps (BATON_KEEP_SYNC_COUNT).
const defaultKeepSyncs = 2

// cleanupRun is what cleanup needs to know about a sync run.
type cleanupRun struct {
	SyncRun
	linked string
}

// Cleanup deletes old syncs, as the SDK does at the end of a sync (spec §5.6): it keeps the
// newest N finished full syncs (N = BATON_KEEP_SYNC_COUNT, default 2; one less while syncID is
// still open, so that with it there are N), deletes older full syncs, partial and
// resources_only syncs that ended before the oldest kept full sync started, unfinished syncs
// (other than syncID) that started before it, and every diff sync except the newest one and
// its linked twin. syncID itself is never deleted. VACUUM runs only if something was deleted.
// BATON_SKIP_CLEANUP=true disables it.
func (s *Store) Cleanup(ctx context.Context, syncID string) error {
	if skip, _ := strconv.ParseBool(os.Getenv("BATON_SKIP_CLEANUP")); skip {
		return nil
	}
	keep := defaultKeepSyncs
	if n, err := strconv.Atoi(os.Getenv("BATON_KEEP_SYNC_COUNT")); err == nil && n > 0 {
		keep = n
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if err := s.usable(); err != nil {
		return err
	}
	if err := s.commit(ctx); err != nil {
		return fmt.Errorf("cleanup: %w", err)
	}
	runs, err := s.cleanupRuns(ctx)
	if err != nil {
		return fmt.Errorf("cleanup: %w", err)
	}
	doomed := planCleanup(runs, syncID, keep)
	if len(doomed) == 0 {
		return nil
	}
	if err := s.deleteSyncs(ctx, doomed); err != nil {
		return fmt.Errorf("cleanup: %w", err)
	}
	logging.From(ctx).Info("deleted old syncs", zap.Strings("sync_ids", doomed))
	// VACUUM rebuilds the whole database in a temporary copy: on disk, not in memory.
	if err := s.setTempStore(ctx, "FILE"); err != nil {
		return fmt.Errorf("cleanup: %w", err)
	}
	_, err = s.wconn.ExecContext(ctx, "VACUUM")
	if terr := s.setTempStore(ctx, "MEMORY"); terr != nil && err == nil {
		return fmt.Errorf("cleanup: %w", terr)
	}
	if err != nil {
		return diskError(err, "cleanup: vacuum")
	}
	return nil
}

// deleteSyncs removes the rows of every sync in ids from every table, in one transaction (wmu
// held, no transaction open).
func (s *Store) deleteSyncs(ctx context.Context, ids []string) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	for _, id := range ids {
		for _, t := range tables {
			// t.name comes from the fixed schema tables list; the sync id is a bound parameter.
			if _, err := s.wconn.ExecContext(ctx, "DELETE FROM "+t.name+" WHERE sync_id = ?", id); err != nil { //nolint:gosec // G202: fixed table names only
				s.rollback(ctx)
				return fmt.Errorf("delete sync %s from %s: %w", id, t.name, err)
			}
		}
	}
	return s.commit(ctx)
}

func (s *Store) cleanupRuns(ctx context.Context) ([]cleanupRun, error) {
	rows, err := s.wconn.QueryContext(ctx, "SELECT "+syncRunColumns+", linked_sync_id FROM v1_sync_runs ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("list syncs: %w", err)
	}
	defer rows.Close()
	var runs []cleanupRun
	for rows.Next() {
		var linked string
		r, err := scanSyncRun(scanFunc(func(dest ...any) error { return rows.Scan(append(dest, &linked)...) }))
		if err != nil {
			return nil, fmt.Errorf("list syncs: %w", err)
		}
		runs = append(runs, cleanupRun{SyncRun: *r, linked: linked})
	}
	return runs, rows.Err()
}

// scanFunc adapts a function to rowScanner.
type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

// planCleanup returns the ids of the syncs to delete; runs are in row (chronological) order.
func planCleanup(runs []cleanupRun, current string, keep int) []string {
	var fulls []cleanupRun
	var cur *cleanupRun
	for i, r := range runs {
		if r.ID == current {
			cur = &runs[i]
		}
		if r.ID != current && r.Type == SyncTypeFull && r.Finished() {
			fulls = append(fulls, r)
		}
	}
	slices.SortStableFunc(fulls, func(a, b cleanupRun) int {
		return cmp.Or(b.EndedAt.Compare(a.EndedAt), cmp.Compare(b.ID, a.ID))
	})
	if cur != nil && cur.Type == SyncTypeFull {
		keep-- // the current full sync counts as one of the kept ones
	}
	keep = max(keep, 0)
	doomed := map[string]bool{}
	kept := fulls[:min(keep, len(fulls))]
	for _, r := range fulls[len(kept):] {
		doomed[r.ID] = true
	}
	var oldest *SyncRun
	for _, r := range kept {
		if oldest == nil || r.StartedAt.Before(oldest.StartedAt) {
			oldest = &r.SyncRun
		}
	}
	if cur != nil && cur.Type == SyncTypeFull && (oldest == nil || cur.StartedAt.Before(oldest.StartedAt)) {
		oldest = &cur.SyncRun
	}
	markStale(runs, current, oldest, doomed)
	out := make([]string, 0, len(doomed))
	for _, r := range runs {
		if doomed[r.ID] && r.ID != current {
			out = append(out, r.ID)
		}
	}
	return out
}

// markStale marks partial/resources_only syncs that ended, and unfinished syncs that started,
// before oldest started, and every diff sync but the newest and its twin.
func markStale(runs []cleanupRun, current string, oldest *SyncRun, doomed map[string]bool) {
	newestDiff := -1
	for i, r := range runs {
		if r.Type == SyncTypePartialUpserts || r.Type == SyncTypePartialDeletions {
			newestDiff = i
		}
	}
	for i, r := range runs {
		if r.ID == current {
			continue
		}
		switch {
		case r.Type == SyncTypePartialUpserts || r.Type == SyncTypePartialDeletions:
			nd := runs[newestDiff]
			if i != newestDiff && r.ID != nd.linked && r.linked != nd.ID {
				doomed[r.ID] = true
			}
		case oldest == nil:
		case !r.Finished():
			if r.StartedAt.Before(oldest.StartedAt) {
				doomed[r.ID] = true
			}
		case r.Type == SyncTypePartial || r.Type == SyncTypeResourcesOnly:
			if r.EndedAt.Before(oldest.StartedAt) {
				doomed[r.ID] = true
			}
		}
	}
}
