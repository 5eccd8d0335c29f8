package c1z

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// lookupBatch is the largest IN list of one existing-grants lookup.
const lookupBatch = 256

// existingGrant is a stored grant of a destination entitlement.
type existingGrant struct {
	id   int64
	data []byte
}

func principalKey(id *v2.ResourceId) string { return id.GetResourceType() + "\x00" + id.GetResource() }

// applyPage gives every principal of page the destinations ds via source src: a new derived
// grant, or src merged into the sources of the grants of the destination it already has.
// Derived grants are written in (source grant, destination) order.
func (x *expander) applyPage(ctx context.Context, src string, ds []dest, page []sourceGrant) error {
	have := make([]map[string][]*existingGrant, len(ds))
	for i, d := range ds {
		m, err := x.existing(ctx, d.id, page)
		if err != nil {
			return err
		}
		have[i] = m
	}
	for _, sg := range page {
		key := principalKey(sg.principal.GetId())
		for i, d := range ds {
			if d.shallow && !sg.direct {
				continue
			}
			if p, ok := x.pending[d.id+"\x00"+key]; ok {
				mergeSources(p, d.id, src, sg.direct)
				continue
			}
			if ex := have[i][key]; len(ex) > 0 {
				for _, e := range ex {
					if err := x.merge(ctx, e, d.id, src, sg.direct); err != nil {
						return err
					}
				}
				continue
			}
			x.create(d, src, sg, key)
		}
	}
	return x.flush(ctx)
}

// existing returns the stored grants of entitlement dst held by the principals of page, keyed
// by principalKey, in row order.
func (x *expander) existing(ctx context.Context, dst string, page []sourceGrant) (map[string][]*existingGrant, error) {
	byType := map[string][]string{}
	seen := map[string]bool{}
	for _, sg := range page {
		id := sg.principal.GetId()
		if k := principalKey(id); !seen[k] {
			seen[k] = true
			byType[id.GetResourceType()] = append(byType[id.GetResourceType()], id.GetResource())
		}
	}
	out := map[string][]*existingGrant{}
	for typ, ids := range byType {
		for start := 0; start < len(ids); start += lookupBatch {
			part := ids[start:min(start+lookupBatch, len(ids))]
			if err := x.lookup(ctx, dst, typ, part, out); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// lookup reads the grants of dst held by principals typ:ids into out. The IN list is padded to a
// power of two so few statements are prepared.
func (x *expander) lookup(ctx context.Context, dst, typ string, ids []string, out map[string][]*existingGrant) error {
	n := 1
	for n < len(ids) {
		n *= 2
	}
	st, err := x.stmt(ctx, qGrantsFor+"("+strings.TrimSuffix(strings.Repeat("?,", n), ",")+") ORDER BY id")
	if err != nil {
		return err
	}
	args := make([]any, 0, 3+n)
	args = append(args, dst, x.syncID, typ)
	for i := range n {
		args = append(args, ids[min(i, len(ids)-1)])
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return fmt.Errorf("look up grants of %s: %w", dst, err)
	}
	defer rows.Close()
	for rows.Next() {
		var e existingGrant
		var pid string
		if err := rows.Scan(&e.id, &pid, &e.data); err != nil {
			return fmt.Errorf("look up grants of %s: %w", dst, err)
		}
		k := typ + "\x00" + pid
		out[k] = append(out[k], &e)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("look up grants of %s: %w", dst, err)
	}
	return nil
}

// create queues the derived grant of d for sg's principal; flush writes it.
func (x *expander) create(d dest, src string, sg sourceGrant, key string) {
	pid := sg.principal.GetId()
	g := &v2.Grant{
		Entitlement: d.ent,
		Principal:   sg.principal,
		Id:          d.id + ":" + pid.GetResourceType() + ":" + pid.GetResource(),
		Sources:     &v2.GrantSources{Sources: map[string]*v2.GrantSources_GrantSource{src: {IsDirect: sg.direct}}},
		Annotations: []*anypb.Any{immutableAny},
	}
	x.pending[d.id+"\x00"+key] = g
	x.order = append(x.order, g)
}

// flush writes the queued derived grants.
func (x *expander) flush(ctx context.Context) error {
	if len(x.order) == 0 {
		return nil
	}
	now := formatTime(x.s.now())
	rows := make([][]any, len(x.order))
	for i, g := range x.order {
		data, err := marshal.Marshal(g)
		if err != nil {
			return fmt.Errorf("encode grant %s: %w", g.GetId(), err)
		}
		rows[i] = grantArgs(g, data, nil, x.syncID, now)
	}
	if err := x.s.begin(ctx); err != nil {
		return err
	}
	if err := x.s.insertRows(ctx, upsertGrants, rows); err != nil {
		return err
	}
	x.st.Created += int64(len(rows))
	clear(x.pending)
	x.order = x.order[:0]
	return x.wrote(ctx, len(rows))
}

// merge adds src to the sources of the existing grant e of entitlement dst.
func (x *expander) merge(ctx context.Context, e *existingGrant, dst, src string, direct bool) error {
	g := &v2.Grant{}
	if err := proto.Unmarshal(e.data, g); err != nil {
		return fmt.Errorf("decode grant row %d: %w", e.id, err)
	}
	if !mergeSources(g, dst, src, direct) {
		return nil
	}
	out, err := marshal.Marshal(g)
	if err != nil {
		return fmt.Errorf("encode grant %s: %w", g.GetId(), err)
	}
	st, err := x.stmt(ctx, qUpdateGrantData)
	if err != nil {
		return err
	}
	if _, err := st.ExecContext(ctx, out, e.id); err != nil {
		return fmt.Errorf("update grant %s: %w", g.GetId(), err)
	}
	e.data = out
	x.st.Updated++
	return x.wrote(ctx, 1)
}

// stmt returns the writer's prepared statement for query, inside the expansion transaction.
func (x *expander) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if err := x.s.begin(ctx); err != nil {
		return nil, err
	}
	return x.s.prepare(ctx, query)
}

// wrote counts writes and commits once expandCommitEvery accumulated.
func (x *expander) wrote(ctx context.Context, n int) error {
	x.writes += n
	if x.writes >= expandCommitEvery {
		x.writes = 0
		return x.s.commit(ctx)
	}
	return nil
}
