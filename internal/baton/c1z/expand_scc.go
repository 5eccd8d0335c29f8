package c1z

import "slices"

// collapseCycles replaces every strongly connected component with more than one node, and every
// node with a self loop, by one node holding all its entitlements; edges inside a component are
// deleted and edges into or out of it are re-created on the merged node, duplicates merged
// (spec §4.3 step 2). Node numbering keeps the order of each component's first member.
func (g *graph) collapseCycles() {
	n := len(g.nodes)
	adj := make([][]int32, n)
	for _, k := range g.order {
		adj[k.src] = append(adj[k.src], k.dst)
	}
	comp := stronglyConnected(n, adj)
	renum := make(map[int32]int32, n)
	newComp := make([]int32, n)
	var nodes [][]int32
	for v := range n {
		c, ok := renum[comp[v]]
		if !ok {
			c = int32(len(nodes))
			renum[comp[v]] = c
			nodes = append(nodes, nil)
		}
		newComp[v] = c
		nodes[c] = append(nodes[c], g.nodes[v]...)
	}
	cyclic := make([]bool, len(nodes))
	for c, members := range nodes {
		slices.Sort(members)
		cyclic[c] = len(members) > 1
	}
	old := g.edges
	order := g.order
	g.nodes, g.edges, g.order = nodes, map[edgeKey]*edge{}, nil
	for _, k := range order {
		e := old[k]
		cs, cd := newComp[k.src], newComp[k.dst]
		if cs == cd {
			cyclic[cs] = true // self loop or edge inside a component: deleted
			continue
		}
		g.addEdge(cs, cd, e.shallow, e.filter)
	}
	for _, c := range cyclic {
		if c {
			g.cycles++
		}
	}
}

// stronglyConnected labels each of n nodes with its strongly connected component (Tarjan's
// algorithm, iterative so deep graphs cannot overflow the stack).
func stronglyConnected(n int, adj [][]int32) []int32 {
	index := make([]int32, n) // 0 = unvisited, else discovery order + 1
	low := make([]int32, n)
	onStack := make([]bool, n)
	comp := make([]int32, n)
	var stack []int32
	type frame struct {
		v    int32
		next int
	}
	var counter, nComp int32
	visit := func(v int32) {
		counter++
		index[v], low[v] = counter, counter
		stack = append(stack, v)
		onStack[v] = true
	}
	for s := range int32(n) {
		if index[s] != 0 {
			continue
		}
		visit(s)
		call := []frame{{v: s}}
		for len(call) > 0 {
			f := &call[len(call)-1]
			v := f.v
			if f.next < len(adj[v]) {
				w := adj[v][f.next]
				f.next++
				if index[w] == 0 {
					visit(w)
					call = append(call, frame{v: w})
				} else if onStack[w] {
					low[v] = min(low[v], index[w])
				}
				continue
			}
			if low[v] == index[v] {
				for {
					w := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					onStack[w] = false
					comp[w] = nComp
					if w == v {
						break
					}
				}
				nComp++
			}
			call = call[:len(call)-1]
			if len(call) > 0 {
				p := call[len(call)-1].v
				low[p] = min(low[p], low[v])
			}
		}
	}
	return comp
}
