package c1z

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

const (
	qSourceGrants = `SELECT id, principal_resource_type_id, data FROM v1_grants
		INDEXED BY idx_grants_entitlement_sync_grant_v1
		WHERE entitlement_id = ? AND sync_id = ? AND id > ? ORDER BY id LIMIT ?`
	// qGrantsFor is completed with an IN list of principal ids.
	qGrantsFor = `SELECT id, principal_resource_id, data FROM v1_grants INDEXED BY idx_grants_entitlement_id_principal_id_v1
		WHERE entitlement_id = ? AND sync_id = ? AND principal_resource_type_id = ? AND principal_resource_id IN `
	qEntitlement     = "SELECT data FROM v1_entitlements WHERE external_id = ? AND sync_id = ?"
	qUpdateGrantData = "UPDATE v1_grants SET data = ? WHERE id = ?"
)

// immutableAny is the GrantImmutable{} marker every derived grant carries.
var immutableAny = &anypb.Any{TypeUrl: "type.googleapis.com/" + string((&v2.GrantImmutable{}).ProtoReflect().Descriptor().FullName())}

// sourceGrant is one grant on the source entitlement, as far as expansion needs it.
type sourceGrant struct {
	principal *v2.Resource
	direct    bool
}

// expandChunk propagates the grants of entitlement src to up to destsPerRead destinations.
func (x *expander) expandChunk(ctx context.Context, src string, filter []string, ds []dest) error {
	if _, ok, err := x.entitlement(ctx, src); err != nil || !ok {
		x.st.DroppedEdges += int64(len(ds))
		return err
	}
	live := ds[:0:0]
	for _, d := range ds {
		ent, ok, err := x.entitlement(ctx, d.id)
		if err != nil {
			return err
		}
		if !ok {
			x.st.DroppedEdges++
			continue
		}
		d.ent = ent
		live = append(live, d)
	}
	if len(live) == 0 {
		return nil
	}
	var after int64
	for {
		page, last, err := x.sourcePage(ctx, src, filter, after)
		if err != nil {
			return err
		}
		if err := x.applyPage(ctx, src, live, page); err != nil {
			return err
		}
		if last == 0 {
			return nil
		}
		after = last
	}
}

// sourcePage reads the next page of grants on src (principal type in filter, when set). It
// returns the row id to continue after, 0 when this was the last page.
func (x *expander) sourcePage(ctx context.Context, src string, filter []string, after int64) ([]sourceGrant, int64, error) {
	st, err := x.stmt(ctx, qSourceGrants)
	if err != nil {
		return nil, 0, err
	}
	rows, err := st.QueryContext(ctx, src, x.syncID, after, expandPage)
	if err != nil {
		return nil, 0, fmt.Errorf("read grants of %s: %w", src, err)
	}
	defer rows.Close()
	var out []sourceGrant
	var n int
	var last int64
	for rows.Next() {
		var ptype string
		var data []byte
		if err := rows.Scan(&last, &ptype, &data); err != nil {
			return nil, 0, fmt.Errorf("read grants of %s: %w", src, err)
		}
		n++
		x.st.SourceGrants++
		if filter != nil && !slices.Contains(filter, ptype) {
			continue
		}
		g := &v2.Grant{}
		if err := proto.Unmarshal(data, g); err != nil {
			return nil, 0, fmt.Errorf("decode grant row %d: %w", last, err)
		}
		if g.GetPrincipal() == nil {
			continue
		}
		srcs := g.GetSources().GetSources()
		_, has := srcs[src]
		out = append(out, sourceGrant{principal: g.GetPrincipal(), direct: len(srcs) == 0 || has})
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("read grants of %s: %w", src, err)
	}
	if n < expandPage {
		last = 0
	}
	return out, last, nil
}

// mergeSources records that g (a grant of dst) also comes from src, and reports whether g changed.
func mergeSources(g *v2.Grant, dst, src string, direct bool) bool {
	changed := false
	if len(g.GetSources().GetSources()) == 0 {
		g.Sources = &v2.GrantSources{Sources: map[string]*v2.GrantSources_GrantSource{dst: {IsDirect: true}}}
		changed = true
	}
	m := g.Sources.Sources
	switch cur, ok := m[src]; {
	case !ok:
		m[src] = &v2.GrantSources_GrantSource{IsDirect: direct}
		changed = true
	case direct && !cur.GetIsDirect():
		m[src] = &v2.GrantSources_GrantSource{IsDirect: true}
		changed = true
	}
	return changed
}

// entitlement loads an entitlement of the sync (inside the transaction).
func (x *expander) entitlement(ctx context.Context, id string) (*v2.Entitlement, bool, error) {
	st, err := x.stmt(ctx, qEntitlement)
	if err != nil {
		return nil, false, err
	}
	var data []byte
	err = st.QueryRowContext(ctx, id, x.syncID).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("look up entitlement %s: %w", id, err)
	}
	e := &v2.Entitlement{}
	if err := proto.Unmarshal(data, e); err != nil {
		return nil, false, fmt.Errorf("decode entitlement %s: %w", id, err)
	}
	return e, true, nil
}
