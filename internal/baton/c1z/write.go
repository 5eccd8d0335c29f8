package c1z

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

const (
	// batchRows is how many rows one multi-row INSERT carries at most; statements exist for
	// every power of two up to it.
	batchRows = 64
	// commitRows and commitAge bound a write transaction: Put calls accumulate in one
	// transaction (far fewer WAL frames than a commit per page) that is committed once it holds
	// this many rows or is this old, and always by the sync-run operations (StartSync,
	// Checkpoint, MarkSupportsDiff, EndSync), reads of a table with uncommitted rows, Cleanup,
	// ExpandGrants, Save and Close. A crash loses at most the rows since the last commit, which
	// are never covered by a checkpoint token.
	commitRows = 50000
	commitAge  = 2 * time.Second
)

// txControl runs a transaction-control statement; it must not be skipped because the caller's
// context was cancelled.
func (s *Store) txControl(ctx context.Context, stmt string) error {
	_, err := s.wconn.ExecContext(context.WithoutCancel(ctx), stmt)
	return err
}

// begin opens the write transaction if none is open (wmu held).
func (s *Store) begin(ctx context.Context) error {
	if s.inTx {
		return nil
	}
	if err := s.txControl(ctx, "BEGIN IMMEDIATE"); err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	s.inTx, s.txRows, s.txBegan = true, 0, time.Now()
	return nil
}

// commit commits the open write transaction (wmu held). A failed commit poisons the Store: rows
// other callers were told were written are gone, so every later write fails too.
func (s *Store) commit(ctx context.Context) error {
	if !s.inTx {
		return nil
	}
	if err := s.txControl(ctx, "COMMIT"); err != nil {
		_ = s.txControl(ctx, "ROLLBACK")
		s.inTx = false
		s.failed = diskError(err, "commit transaction")
		return s.failed
	}
	s.inTx = false
	clear(s.dirty)
	return nil
}

// rollback abandons the open write transaction (wmu held).
func (s *Store) rollback(ctx context.Context) {
	if s.inTx {
		_ = s.txControl(ctx, "ROLLBACK")
		s.inTx = false
		clear(s.dirty)
	}
}

// writeOpts describe one write for write.
type writeOpts struct {
	tables    []string // tables the write changes
	rows      int
	commitNow bool
}

// write runs fn inside the open transaction, serialised with every other write, and commits
// when wo.commitNow or the batch limits say so. A failing write poisons the Store (see commit):
// SQLite may have rolled back the whole transaction, taking other callers' rows with it.
// Callers validate their input before calling write, so only storage errors end up here.
func (s *Store) write(ctx context.Context, wo writeOpts, fn func(c *sql.Conn) error) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if err := s.usable(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err // nothing was written: no need to give up the transaction
	}
	if err := s.begin(ctx); err != nil {
		return err
	}
	if err := fn(s.wconn); err != nil {
		var nc noChangeError
		if errors.As(err, &nc) {
			return nc.err
		}
		s.rollback(ctx)
		s.failed = fmt.Errorf("an earlier write failed: %w", err)
		return err
	}
	for _, t := range wo.tables {
		s.dirty[t] = true
	}
	s.txRows += wo.rows
	if wo.commitNow || s.txRows >= commitRows || time.Since(s.txBegan) >= commitAge {
		return s.commit(ctx)
	}
	return nil
}

// noChangeError is returned by a write function that failed without changing anything (an
// UPDATE that matched no row): the transaction stays usable.
type noChangeError struct{ err error }

func (e noChangeError) Error() string { return e.err.Error() }

// usable reports why the Store cannot be written to (wmu held).
func (s *Store) usable() error {
	if s.closed {
		return ErrClosed
	}
	return s.failed
}

// read runs fn with the read pool while the Store is open, first committing uncommitted rows of
// the tables fn reads (nil = all tables).
func (s *Store) read(ctx context.Context, tables []string, fn func(db *sql.DB) error) error {
	s.life.RLock()
	defer s.life.RUnlock()
	if s.closed {
		return ErrClosed
	}
	if err := s.flushFor(ctx, tables); err != nil {
		return err
	}
	return fn(s.rdb)
}

// flushFor commits the open transaction if it changed one of tables (nil = any).
func (s *Store) flushFor(ctx context.Context, tables []string) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if !s.inTx || len(s.dirty) == 0 {
		return nil
	}
	if tables != nil && !slices.ContainsFunc(tables, func(t string) bool { return s.dirty[t] }) {
		return nil
	}
	return s.commit(ctx)
}

// upsert describes a multi-row "INSERT ... ON CONFLICT DO UPDATE" into one table.
type upsert struct {
	table    string
	columns  []string
	conflict string // the ON CONFLICT clause
}

func (u upsert) query(n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + u.table + " (" + strings.Join(u.columns, ", ") + ") VALUES ")
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(u.columns)), ", ") + ")"
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	b.WriteString(" " + u.conflict)
	return b.String()
}

var (
	upsertResourceTypes = upsert{"v1_resource_types",
		[]string{"external_id", "data", "sync_id", "discovered_at"},
		"ON CONFLICT (external_id, sync_id) DO UPDATE SET data = excluded.data"}
	upsertResources = upsert{"v1_resources",
		[]string{"resource_type_id", "external_id", "parent_resource_type_id", "parent_resource_id", "data", "sync_id", "discovered_at"},
		"ON CONFLICT (external_id, sync_id) DO UPDATE SET data = excluded.data"}
	upsertEntitlements = upsert{"v1_entitlements",
		[]string{"resource_type_id", "resource_id", "external_id", "data", "sync_id", "discovered_at"},
		"ON CONFLICT (external_id, sync_id) DO UPDATE SET data = excluded.data"}
	// Grants: needs_expansion stays as is when the expansion bytes are unchanged, becomes 1 when
	// they changed and 0 when they became NULL (spec §2.6).
	upsertGrants = upsert{"v1_grants",
		[]string{"resource_type_id", "resource_id", "entitlement_id", "principal_resource_type_id",
			"principal_resource_id", "external_id", "expansion", "needs_expansion", "data", "sync_id", "discovered_at"},
		`ON CONFLICT (external_id, sync_id) DO UPDATE SET data = excluded.data,
			needs_expansion = CASE
				WHEN excluded.expansion IS NULL THEN 0
				WHEN v1_grants.expansion IS NULL OR v1_grants.expansion <> excluded.expansion THEN 1
				ELSE v1_grants.needs_expansion END,
			expansion = excluded.expansion`}
)

// upsertKey names the prepared statement of an upsert for n rows.
type upsertKey struct {
	table string
	n     int
}

// execUpsert runs the upsert u for the rows packed in args (len(args) = n * columns). It talks to
// the driver directly (through sql.Conn.Raw) with statements prepared once per Store: the
// database/sql layer would otherwise convert and check every argument again on each call, which
// is a large share of the writer's time on big syncs (wmu held).
func (s *Store) execUpsert(ctx context.Context, u upsert, n int, args []driver.NamedValue) error {
	return s.execRaw(ctx, ctx, upsertKey{u.table, n}, func() string { return u.query(n) }, args)
}

// execRaw runs the driver statement named k (prepared from query() on first use, with ctx) with
// args, passing execCtx to the driver (wmu held).
func (s *Store) execRaw(ctx, execCtx context.Context, k upsertKey, query func() string, args []driver.NamedValue) error {
	return s.wconn.Raw(func(dc any) error {
		st, ok := s.upserts[k]
		if !ok {
			prep, ok := dc.(driver.ConnPrepareContext)
			if !ok {
				return fmt.Errorf("sqlite driver cannot prepare statements")
			}
			var err error
			if st, err = prep.PrepareContext(ctx, query()); err != nil {
				return fmt.Errorf("prepare %s insert: %w", k.table, err)
			}
			s.upserts[k] = st
		}
		ex, ok := st.(driver.StmtExecContext)
		if !ok {
			return fmt.Errorf("sqlite driver cannot execute statements with a context")
		}
		_, err := ex.ExecContext(execCtx, args)
		return err
	})
}

// prepare returns the writer's prepared statement for query (wmu held).
func (s *Store) prepare(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := s.stmts[query]; ok {
		return st, nil
	}
	st, err := s.wconn.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("prepare statement: %w", err)
	}
	s.stmts[query] = st
	return st, nil
}

// insertRows upserts rows (each one value per column of u, all driver values: string, []byte,
// int64 or nil) in multi-row statements whose sizes are powers of two up to batchRows (wmu held,
// transaction open).
func (s *Store) insertRows(ctx context.Context, u upsert, rows [][]any) error {
	args := make([]driver.NamedValue, 0, batchRows*len(u.columns))
	for len(rows) > 0 {
		n := batchRows
		for n > len(rows) {
			n /= 2
		}
		args = args[:0]
		for _, r := range rows[:n] {
			for _, v := range r {
				args = append(args, driver.NamedValue{Ordinal: len(args) + 1, Value: v})
			}
		}
		if err := s.execUpsert(ctx, u, n, args); err != nil {
			return fmt.Errorf("insert into %s: %w", u.table, err)
		}
		rows = rows[n:]
	}
	return nil
}

// put converts items into rows and upserts them as one write.
func (s *Store) put(ctx context.Context, u upsert, n int, row func(i int) ([]any, error)) error {
	if n == 0 {
		return nil
	}
	rows := make([][]any, n)
	for i := range n {
		r, err := row(i)
		if err != nil {
			return err
		}
		rows[i] = r
	}
	return s.write(ctx, writeOpts{tables: []string{u.table}, rows: n}, func(*sql.Conn) error {
		return s.insertRows(ctx, u, rows)
	})
}
