package c1z

import (
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// refGrant is one grant row of the reference expander.
type refGrant struct {
	g         *v2.Grant // stored data (GrantExpandable removed)
	expansion *v2.GrantExpandable
}

// refResult is what the reference expander ends with.
type refResult struct {
	grants           []*refGrant // in row order
	created, updated int64
	droppedEdges     int64
	rounds           int
}

// refEdge is an edge of the reference graph.
type refEdge struct {
	shallow bool
	filter  []string // nil = all
}

func (e refEdge) merge(o refEdge) refEdge {
	e.shallow = e.shallow && o.shallow
	if e.filter == nil || o.filter == nil {
		e.filter = nil
		return e
	}
	for _, t := range o.filter {
		if !slices.Contains(e.filter, t) {
			e.filter = append(slices.Clone(e.filter), t)
		}
	}
	return e
}

// refExpand is a brute-force, in-memory implementation of spec §4.2–4.3 written independently
// of the Store: it follows the SDK's processing order literally (rounds; ready components in
// order of their first entitlement; each source entitlement; each edge; every source grant in
// row order) with linear scans everywhere. ents holds the stored entitlements, types the
// resource types of the sync.
func refExpand(ents map[string]*v2.Entitlement, types []string, rows []*refGrant) refResult {
	res := refResult{grants: rows}
	members, edges := refGraph(ents, types, rows)
	expanded := map[[2]int]bool{}
	for {
		ready := refReady(len(members), edges, expanded)
		if len(ready) == 0 {
			return res
		}
		res.rounds++
		existing := map[*refGrant]bool{}
		for _, g := range res.grants {
			existing[g] = true
		}
		changed := map[*refGrant]bool{}
		for _, c := range ready {
			var outs [][2]int
			for k := range edges {
				if k[0] == c && !expanded[k] {
					outs = append(outs, k)
				}
			}
			slices.SortFunc(outs, func(a, b [2]int) int { return a[1] - b[1] })
			for _, src := range members[c] {
				for _, k := range outs {
					for _, dst := range members[k[1]] {
						res.expandEdge(ents, src, dst, edges[k], existing, changed)
					}
				}
			}
			for _, k := range outs {
				expanded[k] = true
			}
		}
		res.updated += int64(len(changed))
	}
}

// expandEdge propagates the grants of src to dst (spec §4.3 step 4).
func (r *refResult) expandEdge(ents map[string]*v2.Entitlement, src, dst string, e refEdge, existing, changed map[*refGrant]bool) {
	if ents[src] == nil || ents[dst] == nil {
		r.droppedEdges++
		return
	}
	for _, sg := range slices.Clone(r.grants) {
		g := sg.g
		if g.GetEntitlement().GetId() != src || g.GetPrincipal() == nil {
			continue
		}
		pid := g.GetPrincipal().GetId()
		if e.filter != nil && !slices.Contains(e.filter, pid.GetResourceType()) {
			continue
		}
		srcs := g.GetSources().GetSources()
		_, has := srcs[src]
		direct := len(srcs) == 0 || has
		if e.shallow && !direct {
			continue
		}
		found := false
		for _, x := range r.grants {
			xp := x.g.GetPrincipal().GetId()
			if x.g.GetEntitlement().GetId() == dst && xp.GetResourceType() == pid.GetResourceType() && xp.GetResource() == pid.GetResource() {
				found = true
				if mergeSources(x.g, dst, src, direct) && existing[x] {
					changed[x] = true
				}
			}
		}
		if found {
			continue
		}
		r.grants = append(r.grants, &refGrant{g: &v2.Grant{
			Entitlement: proto.CloneOf(ents[dst]),
			Principal:   proto.CloneOf(g.GetPrincipal()),
			Id:          dst + ":" + pid.GetResourceType() + ":" + pid.GetResource(),
			Sources:     &v2.GrantSources{Sources: map[string]*v2.GrantSources_GrantSource{src: {IsDirect: direct}}},
			Annotations: []*anypb.Any{{TypeUrl: "type.googleapis.com/c1.connector.v2.GrantImmutable"}},
		}})
		r.created++
	}
}

// refGraph builds the collapsed graph: the entitlements of each component (ordered by their
// first appearance) and the edges between components.
func refGraph(ents map[string]*v2.Entitlement, types []string, rows []*refGrant) ([][]string, map[[2]int]refEdge) {
	var nodes []string
	node := func(id string) int {
		if i := slices.Index(nodes, id); i >= 0 {
			return i
		}
		nodes = append(nodes, id)
		return len(nodes) - 1
	}
	var order [][2]int
	edges := map[[2]int]refEdge{}
	for _, r := range rows {
		ge := r.expansion
		if ge == nil {
			continue
		}
		e := refEdge{shallow: ge.GetShallow()}
		if len(ge.GetResourceTypeIds()) > 0 {
			e.filter = []string{}
			for _, t := range ge.GetResourceTypeIds() {
				if slices.Contains(types, t) && !slices.Contains(e.filter, t) {
					e.filter = append(e.filter, t)
				}
			}
			if len(e.filter) == 0 {
				continue
			}
		}
		for _, s := range ge.GetEntitlementIds() {
			if strings.TrimSpace(s) == "" || ents[s] == nil {
				continue
			}
			k := [2]int{node(s), node(r.g.GetEntitlement().GetId())}
			if old, ok := edges[k]; ok {
				edges[k] = old.merge(e)
				continue
			}
			edges[k] = e
			order = append(order, k)
		}
	}
	return refCollapse(nodes, order, edges)
}

// refCollapse merges strongly connected nodes (found by brute-force reachability).
func refCollapse(nodes []string, order [][2]int, edges map[[2]int]refEdge) ([][]string, map[[2]int]refEdge) {
	n := len(nodes)
	reach := make([][]bool, n)
	for i := range reach {
		reach[i] = make([]bool, n)
	}
	for k := range edges {
		reach[k[0]][k[1]] = true
	}
	for m := range n {
		for i := range n {
			for j := range n {
				reach[i][j] = reach[i][j] || reach[i][m] && reach[m][j]
			}
		}
	}
	comp := make([]int, n)
	var members [][]string
	for i := range n {
		comp[i] = -1
		for j := range i {
			if reach[i][j] && reach[j][i] {
				comp[i] = comp[j]
				break
			}
		}
		if comp[i] < 0 {
			comp[i] = len(members)
			members = append(members, nil)
		}
		members[comp[i]] = append(members[comp[i]], nodes[i])
	}
	out := map[[2]int]refEdge{}
	for _, k := range order {
		c := [2]int{comp[k[0]], comp[k[1]]}
		if c[0] == c[1] {
			continue
		}
		if old, ok := out[c]; ok {
			out[c] = old.merge(edges[k])
		} else {
			out[c] = edges[k]
		}
	}
	return members, out
}

// refReady lists the components with unexpanded outgoing edges and no parent that has any.
func refReady(n int, edges map[[2]int]refEdge, expanded map[[2]int]bool) []int {
	pending := make([]bool, n)
	for k := range edges {
		if !expanded[k] {
			pending[k[0]] = true
		}
	}
	var ready []int
	for c := range n {
		blocked := false
		for k := range edges {
			blocked = blocked || k[1] == c && pending[k[0]]
		}
		if pending[c] && !blocked {
			ready = append(ready, c)
		}
	}
	return ready
}
