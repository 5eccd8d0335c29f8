package c1z

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
)

const (
	// bulkDropMinRows is how many derived grants an expansion must be expected to write before
	// it drops (and rebuilds) the indexes listed in bulkDroppedIndexes.
	bulkDropMinRows = 20000
)

// bulkDroppedIndexes are the grant indexes a large expansion drops and rebuilds afterwards.
// Derived grants, written destination by destination, would land at random places in the
// principal index; the other two receive them in key order, but building them anew costs
// about the same as maintaining them and stores each contiguously, which compresses better
// (-8% file size at Medium). The remaining grant indexes are needed while expanding: the
// unique one by the upserts, the (entitlement, principal) one for reading in principal order;
// the two partial ones receive no derived grant.
var bulkDroppedIndexes = []string{
	"idx_grants_principal_id_v1",
	"idx_grants_resource_type_id_resource_id_v1",
	"idx_grants_entitlement_sync_grant_v1",
}

// bulkMode is the state of a Store while expansion writes: the database in rollback-journal
// mode without syncing and without read connections, so that new pages are written once, into
// the database file (in WAL mode every page is written to the WAL and copied again by
// checkpoints), and, for a large expansion, some indexes dropped.
//
// Crash safety: a killed process leaves the database and its hot journal (rolled back by the
// next Open, which also switches back to WAL and rebuilds missing indexes: see ensureSchema),
// and an expansion that simply runs again. What is not synced is the working database, and
// only that: after a restart of the system the next Open discards it (see bulkMarkName).
type bulkMode struct {
	s       *Store
	journal bool    // switched to rollback journal (the read pool is closed)
	dropped []index // indexes to rebuild
}

// enterBulk prepares the Store (wmu held, no transaction open, read pool closed: expansion
// reads through the writer) for an expansion expected to write est rows: rollback journal
// without syncing, and the indexes of bulkDroppedIndexes dropped when the expansion is large
// compared to the grants already stored. Where the journal mode cannot be changed it writes
// in WAL mode. The returned bulkMode is never nil: end it, whatever the error.
func (s *Store) enterBulk(ctx context.Context, est int64) (*bulkMode, error) {
	b := &bulkMode{s: s}
	if s.tune.noBulk {
		return b, nil
	}
	if err := markUnsynced(s.dir); err != nil {
		return b, err
	}
	var mode string
	if err := s.wconn.QueryRowContext(ctx, "PRAGMA journal_mode = DELETE").Scan(&mode); err == nil && mode == "delete" {
		b.journal = true
		if _, err := s.wconn.ExecContext(ctx, "PRAGMA synchronous = OFF"); err != nil {
			return b, fmt.Errorf("prepare bulk writes: %w", err)
		}
	}
	if !s.tune.dropIndexes {
		if est < bulkDropMinRows {
			return b, nil
		}
		total, err := s.grantRows(ctx)
		if err != nil || !dropIndexesFor(est, total) {
			return b, err
		}
	}
	return b, b.drop(ctx)
}

// dropIndexesFor reports whether an expansion expected to write est grants into a table of
// total grants should drop bulkDroppedIndexes: rebuilding them sorts every grant of the
// table (all syncs), maintaining them costs per derived grant; rebuilding wins once the new
// grants are not few compared to the table.
func dropIndexesFor(est, total int64) bool {
	return est >= bulkDropMinRows && est*2 >= total
}

// grantRows approximates the number of rows of v1_grants (all syncs).
func (s *Store) grantRows(ctx context.Context) (int64, error) {
	var n sql.NullInt64
	if err := s.wconn.QueryRowContext(ctx, "SELECT max(id) FROM v1_grants").Scan(&n); err != nil {
		return 0, fmt.Errorf("count grants: %w", err)
	}
	return n.Int64, nil
}

func (b *bulkMode) drop(ctx context.Context) error {
	b.dropped = indexesWhere(func(ix index) bool { return slices.Contains(bulkDroppedIndexes, ix.name) })
	return b.s.dropIndexes(ctx, b.dropped)
}

// dropIndexes drops those of ixs that exist, in one transaction (wmu held, no transaction
// open).
func (s *Store) dropIndexes(ctx context.Context, ixs []index) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	for _, ix := range ixs {
		if _, err := s.wconn.ExecContext(ctx, "DROP INDEX IF EXISTS "+ix.name); err != nil {
			s.rollback(ctx)
			return fmt.Errorf("drop index %s: %w", ix.name, err)
		}
	}
	return s.commit(ctx)
}

// end rebuilds the dropped indexes and restores WAL mode, also when ctx is done (the Store must
// stay complete: the next reads use these indexes; ExpandGrants reopens the read pool). A failure here
// poisons the Store; the next Open repairs the working database.
func (b *bulkMode) end(ctx context.Context) error {
	s := b.s
	bg := context.WithoutCancel(ctx)
	var errs []error
	if len(b.dropped) > 0 {
		errs = append(errs, b.rebuild(bg))
	}
	if b.journal {
		// synchronous stays OFF: the marker written by enterBulk lasts as long as the working
		// directory, which a restart of the system discards anyway, so syncing what follows
		// (end of sync, checkpoint before saving) would protect nothing and cost a flush of
		// the whole database to disk.
		var mode string
		err := s.wconn.QueryRowContext(bg, "PRAGMA journal_mode = WAL").Scan(&mode)
		if err == nil && mode != "wal" {
			err = fmt.Errorf("journal mode is still %q", mode)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("restore WAL mode: %w", err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		s.failed = fmt.Errorf("finish expansion: %w", err)
		return s.failed
	}
	return nil
}

// setCacheKiB sets the writer's page cache size.
func (s *Store) setCacheKiB(ctx context.Context, kib int) error {
	if _, err := s.wconn.ExecContext(ctx, "PRAGMA cache_size = -"+strconv.Itoa(kib)); err != nil {
		return fmt.Errorf("set cache size: %w", err)
	}
	return nil
}

// rebuild creates the dropped indexes again, sorting on disk. When the saved file will leave
// the grant indexes out anyway (Store.omitGrantIndexes), only the one the sync's statistics
// count with is rebuilt: the others would be dropped again by Save, and a Save that decides to
// keep them after all (a cleanup deleted enough grants) creates them.
func (b *bulkMode) rebuild(ctx context.Context) error {
	s := b.s
	build := b.dropped
	if omit, err := s.omitGrantIndexes(ctx); err != nil {
		return err
	} else if omit {
		build = slices.DeleteFunc(slices.Clone(build), func(ix index) bool { return ix.name != statsIndex })
	}
	if err := s.setTempStore(ctx, "FILE"); err != nil {
		return err
	}
	defer func() { _ = s.setTempStore(ctx, "MEMORY") }()
	// One helper thread sorts while the table is scanned (the sorter's memory is bounded by
	// the cache size, per thread).
	if _, err := s.wconn.ExecContext(ctx, "PRAGMA threads = 1"); err != nil {
		return fmt.Errorf("set sorter threads: %w", err)
	}
	defer func() { _, _ = s.wconn.ExecContext(ctx, "PRAGMA threads = 0") }()
	if err := s.setCacheKiB(ctx, rebuildCacheKiB); err != nil {
		return err
	}
	defer func() { _ = s.setCacheKiB(ctx, writerCacheKiB) }()
	if err := s.begin(ctx); err != nil {
		return err
	}
	for _, ix := range build {
		if _, err := s.wconn.ExecContext(ctx, ix.createSQL()); err != nil {
			s.rollback(ctx)
			return diskError(err, "create index %s", ix.name)
		}
	}
	return s.commit(ctx)
}
