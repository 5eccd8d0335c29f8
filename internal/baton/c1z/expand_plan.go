package c1z

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// readyNodes returns the nodes with unexpanded outgoing edges none of whose parents still have
// unexpanded outgoing edges, in node order.
func (g *graph) readyNodes() []int32 {
	pending := make([]bool, len(g.nodes))
	for n, out := range g.out {
		pending[n] = slices.ContainsFunc(out, func(e *edge) bool { return !e.expanded })
	}
	blocked := make([]bool, len(g.nodes))
	for n, out := range g.out {
		if pending[n] {
			for _, e := range out {
				blocked[e.dst] = true
			}
		}
	}
	var ready []int32
	for n := range pending {
		if pending[n] && !blocked[n] {
			ready = append(ready, int32(n))
		}
	}
	return ready
}

// inEdge is an edge S -> D as the destination sees it (small: a round holds one per edge and
// destination entitlement).
type inEdge struct {
	src  string
	rank int32 // order of the source in the round: the first source to reach a principal gives the new grant its principal
	e    *edge // shallow, filter
}

// admits reports whether the principal p of the source propagates along the edge, and if so
// with which principal encoding and whether it holds the source directly.
func (in *inEdge) admits(p *srcPrincipal) (principal []byte, direct, ok bool) {
	if in.e.filter != nil && !slices.Contains(in.e.filter, p.ptype) {
		return nil, false, false
	}
	if in.e.shallow {
		return p.firstDirect, true, p.firstDirect != nil
	}
	return p.first, p.firstDirect != nil, true
}

// destPlan is one destination entitlement of a round with its incoming edges.
type destPlan struct {
	id string
	in []inEdge
}

// plan lists the destinations of the unexpanded outgoing edges of the ready nodes in ascending
// id order, each with its incoming edges ranked in source order (ready nodes in node order,
// then each node's entitlements in order), and returns the edges the round covers. No
// destination of a round is one of its sources: every destination node has a pending parent,
// so it is not ready.
func (g *graph) plan(ready []int32) ([]destPlan, []*edge) {
	byDest := make([]int32, len(g.ids)) // entitlement -> 1 + its index in dests
	var dests []destPlan
	var edges []*edge
	var rank int32
	for _, n := range ready {
		for _, e := range g.out[n] {
			if !e.expanded {
				edges = append(edges, e)
			}
		}
		for _, src := range g.nodes[n] {
			for _, e := range g.out[n] {
				if e.expanded {
					continue
				}
				for _, d := range g.nodes[e.dst] {
					if byDest[d] == 0 {
						dests = append(dests, destPlan{id: g.ids[d]})
						byDest[d] = int32(len(dests))
					}
					i := byDest[d] - 1
					dests[i].in = append(dests[i].in, inEdge{src: g.ids[src], rank: rank, e: e})
				}
			}
			rank++
		}
	}
	slices.SortFunc(dests, func(a, b destPlan) int { return strings.Compare(a.id, b.id) })
	return dests, edges
}

// estimateDerived estimates how many grants expanding g writes: for every edge, the grants
// its source entitlements hold now (later rounds may add more), times its destinations.
func estimateDerived(ctx context.Context, db querier, g *graph, syncID string) (int64, error) {
	counts := map[int32]int64{}
	var est int64
	for _, k := range g.order {
		var fromSrc int64
		for _, src := range g.nodes[k.src] {
			n, ok := counts[src]
			if !ok {
				err := db.QueryRowContext(ctx, `SELECT count(*) FROM v1_grants INDEXED BY idx_grants_entitlement_id_principal_id_v1
					WHERE entitlement_id = ? AND sync_id = ?`, g.ids[src], syncID).Scan(&n)
				if err != nil {
					return 0, fmt.Errorf("count grants of %s: %w", g.ids[src], err)
				}
				counts[src] = n
			}
			fromSrc += n
		}
		est += fromSrc * int64(len(g.nodes[k.dst]))
	}
	return est, nil
}
