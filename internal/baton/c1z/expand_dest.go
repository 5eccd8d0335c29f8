package c1z

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"

	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// contribution is one source reaching a principal of the destination being processed.
type contribution struct {
	src       string
	rank      int32
	direct    bool
	principal []byte
}

// expandDest gives destination d every principal of its sources: the merged, principal-ordered
// streams of the sources are joined with d's own grants (also read in principal order); a
// principal without a grant of d receives a new one (written in principal order, hence in
// external id order), the existing grants of one that has are given the sources.
func (x *expander) expandDest(ctx context.Context, d destPlan) error {
	ent, ok, err := x.entitlement(ctx, d.id)
	if err != nil {
		return err
	}
	if !ok {
		x.st.DroppedEdges += int64(len(d.in))
		return nil
	}
	x.heap = x.heap[:0]
	for i := range d.in {
		in := &d.in[i]
		ok, err := x.stored(ctx, in.src)
		if err != nil {
			return err
		}
		if !ok {
			x.st.DroppedEdges++
			continue
		}
		s, err := x.openSource(ctx, in)
		if err != nil {
			return err
		}
		if err := x.heap.add(ctx, x, s); err != nil {
			return err
		}
	}
	if len(x.heap) == 0 {
		return nil
	}
	if x.ent, err = appendEntitlementField(x.ent[:0], ent); err != nil {
		return fmt.Errorf("encode entitlement %s: %w", d.id, err)
	}
	rid := ent.GetResource().GetId()
	x.w.setDest(rid.GetResourceType(), rid.GetResource(), d.id, x.ent)
	existing := &existingCursor{p: x.newPager(d.id)}
	for len(x.heap) > 0 {
		if err := x.nextPrincipal(ctx, d.id, existing); err != nil {
			return err
		}
	}
	n, err := x.w.flush(ctx)
	x.st.Created += int64(n)
	x.writes += n
	return err
}

// nextPrincipal handles the smallest principal at the head of the source streams.
func (x *expander) nextPrincipal(ctx context.Context, dest string, existing *existingCursor) error {
	top := x.heap[0].head
	ptype, pid := top.ptype, top.pid
	cs := x.contribs[:0]
	for len(x.heap) > 0 && x.heap[0].head.ptype == ptype && x.heap[0].head.pid == pid {
		s := x.heap[0].s
		if principal, direct, ok := s.in.admits(x.heap[0].head); ok {
			cs = append(cs, contribution{src: s.in.src, rank: s.in.rank, direct: direct, principal: principal})
		}
		s.pos++
		if err := x.heap.advance(ctx, x); err != nil {
			return err
		}
	}
	x.contribs = cs
	if len(cs) == 0 {
		return nil
	}
	have, err := existing.take(ctx, ptype, pid)
	if err != nil {
		return err
	}
	if len(have) > 0 {
		for _, r := range have {
			if err := x.mergeInto(ctx, dest, r, cs); err != nil {
				return err
			}
		}
		return nil
	}
	first := cs[0]
	for _, c := range cs[1:] {
		if c.rank < first.rank {
			first = c
		}
	}
	slices.SortFunc(cs, func(a, b contribution) int { return strings.Compare(a.src, b.src) })
	return x.w.add(ctx, ptype, pid, first.principal, cs)
}

// mergeInto adds the sources in cs to the sources of r, an existing grant of dest.
func (x *expander) mergeInto(ctx context.Context, dest string, r storedGrant, cs []contribution) error {
	g := &v2.Grant{}
	if err := proto.Unmarshal(r.data, g); err != nil {
		return fmt.Errorf("decode grant row %d: %w", r.id, err)
	}
	changed := false
	for _, c := range cs {
		changed = mergeSources(g, dest, c.src, c.direct) || changed
	}
	if !changed {
		return nil
	}
	out, err := marshal.Marshal(g)
	if err != nil {
		return fmt.Errorf("encode grant %s: %w", g.GetId(), err)
	}
	if err := x.w.update(ctx, r.id, out); err != nil {
		return fmt.Errorf("update grant %s: %w", g.GetId(), err)
	}
	x.st.Updated++
	x.writes++
	return nil
}

// existingCursor walks the grants of the destination in principal order.
type existingCursor struct {
	p    *pager
	rows []storedGrant
	pos  int
	done bool
}

// take returns the grants held by principal ptype:pid (skipping smaller principals); their
// memory is valid until the next call.
func (c *existingCursor) take(ctx context.Context, ptype, pid string) ([]storedGrant, error) {
	for !c.done {
		for c.pos < len(c.rows) && comparePrincipal(c.rows[c.pos].ptype, c.rows[c.pos].pid, ptype, pid) < 0 {
			c.pos++
		}
		if c.pos < len(c.rows) {
			break
		}
		rows, err := c.p.next(ctx)
		if err != nil {
			return nil, err
		}
		c.rows, c.pos, c.done = rows, 0, rows == nil
	}
	start := c.pos
	for c.pos < len(c.rows) && c.rows[c.pos].ptype == ptype && c.rows[c.pos].pid == pid {
		c.pos++
	}
	return c.rows[start:c.pos], nil
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

// streamHeap is a min-heap of source streams by their head principal, then by rank.
type streamHeap []heapItem

type heapItem struct {
	s    *srcStream
	head *srcPrincipal
}

func (h streamHeap) less(i, j int) bool {
	a, b := h[i].head, h[j].head
	if c := comparePrincipal(a.ptype, a.pid, b.ptype, b.pid); c != 0 {
		return c < 0
	}
	return h[i].s.in.rank < h[j].s.in.rank
}

// add pushes s unless it is empty.
func (h *streamHeap) add(ctx context.Context, x *expander, s *srcStream) error {
	head, err := s.head(ctx, x)
	if err != nil || head == nil {
		return err
	}
	*h = append(*h, heapItem{s: s, head: head})
	h.up(len(*h) - 1)
	return nil
}

// advance refreshes the top after its stream moved on, dropping it when exhausted.
func (h *streamHeap) advance(ctx context.Context, x *expander) error {
	head, err := (*h)[0].s.head(ctx, x)
	if err != nil {
		return err
	}
	if head == nil {
		last := len(*h) - 1
		(*h)[0] = (*h)[last]
		*h = (*h)[:last]
	} else {
		(*h)[0].head = head
	}
	h.down(0)
	return nil
}

func (h streamHeap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(i, p) {
			return
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

func (h streamHeap) down(i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && h.less(r, l) {
			m = r
		}
		if !h.less(m, i) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}
