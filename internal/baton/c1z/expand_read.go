package c1z

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"

	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// defaultPageRows is how many grants one principal-ordered read returns at most.
const defaultPageRows = 1024

// Principal-ordered reads of the grants of one entitlement, through the index on (entitlement,
// principal type, principal id), whose entries are ordered by row id within a principal.
const (
	qByPrincipal = `SELECT id, principal_resource_type_id, principal_resource_id, data FROM v1_grants
		INDEXED BY idx_grants_entitlement_id_principal_id_v1 WHERE entitlement_id = ? AND sync_id = ?`
	qGrantsFirst  = qByPrincipal + ` ORDER BY principal_resource_type_id, principal_resource_id, id LIMIT ?`
	qGrantsAfter  = qByPrincipal + ` AND (principal_resource_type_id, principal_resource_id) > (?, ?) ORDER BY principal_resource_type_id, principal_resource_id, id LIMIT ?`
	qGrantsOfOne  = qByPrincipal + ` AND principal_resource_type_id = ? AND principal_resource_id = ? ORDER BY id`
	qEntitlement  = "SELECT data FROM v1_entitlements WHERE external_id = ? AND sync_id = ?"
	qUpdateGrant  = "UPDATE v1_grants SET data = ? WHERE id = ?"
	qCountEntRows = "SELECT count(*) FROM v1_entitlements WHERE external_id = ? AND sync_id = ?"
)

// storedGrant is a stored grant of one entitlement.
type storedGrant struct {
	id         int64
	ptype, pid string
	data       []byte
}

// comparePrincipal orders principals as the index does: by type, then id (bytewise).
func comparePrincipal(aType, aID, bType, bID string) int {
	return cmp.Or(strings.Compare(aType, bType), strings.Compare(aID, bID))
}

// pager reads the grants of one entitlement in principal order, a page at a time; a page
// always holds every grant of each principal in it.
type pager struct {
	x                *expander
	ent              string
	started, done    bool
	lastType, lastID string
	rows             []storedGrant
}

func (x *expander) newPager(ent string) *pager { return &pager{x: x, ent: ent} }

// next returns the next page (reusing the previous page's memory), or nil at the end.
func (p *pager) next(ctx context.Context) ([]storedGrant, error) {
	if p.done {
		return nil, nil
	}
	var err error
	if !p.started {
		p.rows, err = p.x.queryRows(ctx, p.rows[:0], qGrantsFirst, p.ent, p.x.syncID, p.x.pageRows)
	} else {
		p.rows, err = p.x.queryRows(ctx, p.rows[:0], qGrantsAfter, p.ent, p.x.syncID, p.lastType, p.lastID, p.x.pageRows)
	}
	if err != nil {
		return nil, fmt.Errorf("read grants of %s: %w", p.ent, err)
	}
	p.started = true
	rows := p.rows
	if len(rows) < p.x.pageRows {
		p.done = true
		if len(rows) == 0 {
			return nil, nil
		}
		return rows, nil
	}
	// A full page: the grants of its last principal may go on; leave them to the next page.
	last := rows[len(rows)-1]
	cut := len(rows) - 1
	for cut > 0 && rows[cut-1].ptype == last.ptype && rows[cut-1].pid == last.pid {
		cut--
	}
	if cut == 0 { // one principal fills the page: read all of its grants
		if p.rows, err = p.x.queryRows(ctx, p.rows[:0], qGrantsOfOne, p.ent, p.x.syncID, last.ptype, last.pid); err != nil {
			return nil, fmt.Errorf("read grants of %s: %w", p.ent, err)
		}
		rows, cut = p.rows, len(p.rows)
	}
	p.lastType, p.lastID = rows[cut-1].ptype, rows[cut-1].pid
	return rows[:cut], nil
}

// stmt returns the statement for query prepared on the writer.
func (x *expander) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := x.stmts[query]; ok {
		return st, nil
	}
	st, err := x.s.wconn.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("prepare statement: %w", err)
	}
	x.stmts[query] = st
	return st, nil
}

// queryRows appends the grant rows query returns to rows.
func (x *expander) queryRows(ctx context.Context, rows []storedGrant, query string, args ...any) ([]storedGrant, error) {
	st, err := x.stmt(ctx, query)
	if err != nil {
		return rows, err
	}
	// Reads are not interrupted midway (the driver would start a watcher per call); the
	// expansion loop checks ctx between destinations.
	res, err := st.QueryContext(context.WithoutCancel(ctx), args...)
	if err != nil {
		return rows, err
	}
	defer res.Close()
	for res.Next() {
		var r storedGrant
		if err := res.Scan(&r.id, &r.ptype, &r.pid, &r.data); err != nil {
			return rows, err
		}
		rows = append(rows, r)
	}
	return rows, res.Err()
}

// entitlement loads a stored entitlement of the sync; ok is false when it is not stored.
func (x *expander) entitlement(ctx context.Context, id string) (*v2.Entitlement, bool, error) {
	st, err := x.stmt(ctx, qEntitlement)
	if err != nil {
		return nil, false, err
	}
	var data []byte
	err = st.QueryRowContext(context.WithoutCancel(ctx), id, x.syncID).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		x.exists[id] = false
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("look up entitlement %s: %w", id, err)
	}
	x.exists[id] = true
	e := &v2.Entitlement{}
	if err := proto.Unmarshal(data, e); err != nil {
		return nil, false, fmt.Errorf("decode entitlement %s: %w", id, err)
	}
	return e, true, nil
}

// stored reports whether entitlement id is stored in the sync (remembered for the expansion).
func (x *expander) stored(ctx context.Context, id string) (bool, error) {
	if ok, known := x.exists[id]; known {
		return ok, nil
	}
	st, err := x.stmt(ctx, qCountEntRows)
	if err != nil {
		return false, err
	}
	var n int
	if err := st.QueryRowContext(context.WithoutCancel(ctx), id, x.syncID).Scan(&n); err != nil {
		return false, fmt.Errorf("look up entitlement %s: %w", id, err)
	}
	x.exists[id] = n > 0
	return n > 0, nil
}

// srcPrincipal is one principal holding a source entitlement, as expansion needs it.
type srcPrincipal struct {
	ptype, pid string
	// first is the principal as stored in its first grant on the source (row order),
	// firstDirect in its first grant direct on the source (nil: no direct grant).
	first, firstDirect []byte
}

// size estimates the memory an entry holds.
func (p *srcPrincipal) size() int {
	n := 96 + len(p.ptype) + len(p.pid) + len(p.first)
	if len(p.firstDirect) > 0 && &p.firstDirect[0] != &p.first[0] {
		n += len(p.firstDirect)
	}
	return n
}

// appendPrincipals turns a page of grants on src into one entry per principal (grants without
// a principal are skipped).
func appendPrincipals(out []srcPrincipal, src string, rows []storedGrant) ([]srcPrincipal, error) {
	for i := 0; i < len(rows); {
		j := i + 1
		for j < len(rows) && rows[j].ptype == rows[i].ptype && rows[j].pid == rows[i].pid {
			j++
		}
		e := srcPrincipal{ptype: rows[i].ptype, pid: rows[i].pid}
		for _, r := range rows[i:j] {
			ps, err := parseSourceGrant(r.data, src)
			if err != nil {
				return out, fmt.Errorf("decode grant row %d: %w", r.id, err)
			}
			if ps.principal == nil {
				continue
			}
			// ps.principal points into the row's whole grant data: entries keep copies, or
			// the source cache would hold every source grant (entitlement and all) while
			// counting only its principal.
			var principal []byte
			if e.first == nil {
				principal = bytes.Clone(ps.principal)
				e.first = principal
			}
			if ps.direct && e.firstDirect == nil {
				if principal == nil {
					principal = bytes.Clone(ps.principal)
				}
				e.firstDirect = principal
			}
		}
		if e.first != nil {
			out = append(out, e)
		}
		i = j
	}
	return out, nil
}
