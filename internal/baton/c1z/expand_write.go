package c1z

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strings"

	"google.golang.org/protobuf/types/known/anypb"

	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// immutableAny is the GrantImmutable{} marker every derived grant carries.
var immutableAny = &anypb.Any{TypeUrl: "type.googleapis.com/" + string((&v2.GrantImmutable{}).ProtoReflect().Descriptor().FullName())}

// derivedInsert is the upsert of n derived grants of one destination. Each row binds only its
// principal type, principal id and data (anonymous parameters, numbered 6, 7, ... in order);
// the external id is built by SQLite.
func derivedInsert(n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO v1_grants (" + strings.Join(upsertGrants.columns, ", ") + ") SELECT ?1, ?2, ?3, column1, column2, " +
		"?3 || ':' || column1 || ':' || column2, NULL, 0, column3, ?4, ?5 FROM (VALUES ")
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?)")
	}
	// WHERE true: without it the parser would take ON CONFLICT for a join constraint.
	b.WriteString(") WHERE true " + upsertGrants.conflict)
	return b.String()
}

// derivedRow is a buffered derived grant: its data is w.data[start:end].
type derivedRow struct {
	ptype, pid string
	start, end int
}

// derivedWriter buffers the derived grants of one destination and writes them in multi-row
// upserts through the driver (wmu held, the caller's transaction open).
type derivedWriter struct {
	s                *Store
	syncID, now      string
	rtype, rid, dest string
	ent              []byte // field 1 of every grant of the destination
	rows             []derivedRow
	data             []byte
	args             []driver.NamedValue
	written          int // rows flushed since the last flush call returned
}

func newDerivedWriter(s *Store, syncID, now string) *derivedWriter {
	return &derivedWriter{s: s, syncID: syncID, now: now}
}

// setDest starts the rows of a new destination (flush the previous one first).
func (w *derivedWriter) setDest(rtype, rid, dest string, ent []byte) {
	w.rtype, w.rid, w.dest, w.ent = rtype, rid, dest, ent
}

// add buffers the derived grant of the destination for principal ptype:pid.
func (w *derivedWriter) add(ctx context.Context, ptype, pid string, principal []byte, cs []contribution) error {
	srcs := make([]sourceRef, 0, len(cs))
	for _, c := range cs {
		srcs = append(srcs, sourceRef{id: c.src, direct: c.direct})
	}
	start := len(w.data)
	w.data = appendDerivedGrant(w.data, w.ent, principal, w.dest, ptype, pid, srcs)
	w.rows = append(w.rows, derivedRow{ptype: ptype, pid: pid, start: start, end: len(w.data)})
	if len(w.rows) < batchRows {
		return nil
	}
	return w.write(ctx)
}

// flush writes the buffered rows and returns how many rows the destination got.
func (w *derivedWriter) flush(ctx context.Context) (int, error) {
	err := w.write(ctx)
	n := w.written
	w.written = 0
	return n, err
}

// write sends the buffered rows, batchRows per statement (a destination's rows usually fit
// in one: a statement per row count is prepared, up to batchRows of them).
func (w *derivedWriter) write(ctx context.Context) error {
	if len(w.rows) == 0 {
		return nil
	}
	if err := w.s.begin(ctx); err != nil {
		return err
	}
	rows := w.rows
	for len(rows) > 0 {
		n := min(len(rows), batchRows)
		w.args = append(w.args[:0],
			driver.NamedValue{Ordinal: 1, Value: w.rtype}, driver.NamedValue{Ordinal: 2, Value: w.rid},
			driver.NamedValue{Ordinal: 3, Value: w.dest}, driver.NamedValue{Ordinal: 4, Value: w.syncID},
			driver.NamedValue{Ordinal: 5, Value: w.now})
		for _, r := range rows[:n] {
			k := len(w.args)
			w.args = append(w.args, driver.NamedValue{Ordinal: k + 1, Value: r.ptype},
				driver.NamedValue{Ordinal: k + 2, Value: r.pid}, driver.NamedValue{Ordinal: k + 3, Value: w.data[r.start:r.end]})
		}
		if err := w.s.execDerived(ctx, n, w.args); err != nil {
			return fmt.Errorf("insert derived grants of %s: %w", w.dest, err)
		}
		rows = rows[n:]
		w.written += n
	}
	w.rows, w.data = w.rows[:0], w.data[:0]
	return nil
}

// update rewrites the data of an existing grant.
func (w *derivedWriter) update(ctx context.Context, id int64, data []byte) error {
	if err := w.s.begin(ctx); err != nil {
		return err
	}
	st, err := w.s.prepare(ctx, qUpdateGrant)
	if err != nil {
		return err
	}
	_, err = st.ExecContext(context.WithoutCancel(ctx), data, id)
	return err
}

// execDerived runs the insert of n derived grants with a statement prepared once per Store on
// the writer's driver connection. The context is not passed down: the driver would start a
// watcher goroutine per call; expansion checks ctx between destinations.
func (s *Store) execDerived(ctx context.Context, n int, args []driver.NamedValue) error {
	return s.execRaw(ctx, context.Background(), upsertKey{"v1_grants derived", n}, func() string { return derivedInsert(n) }, args)
}
