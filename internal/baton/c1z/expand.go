package c1z

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

const (
	defaultMaxExpandDepth = 20
	// destsPerRead is how many destinations share one paginated read of a source's grants.
	destsPerRead = 4
	// expandPage is how many source grants are read at a time.
	expandPage = 500
	// expandCommitEvery is how many writes expansion makes per transaction.
	expandCommitEvery = 50000
)

// ExpandStats reports what ExpandGrants did.
type ExpandStats struct {
	Nodes, Edges int   // graph size after collapsing cycles
	Cycles       int   // cycles (strongly connected components, self loops) collapsed
	Rounds       int   // topological rounds
	SourceGrants int64 // source grants read (once per group of destinations)
	Created      int64 // derived grants written
	Updated      int64 // existing grants whose sources were merged
	// DroppedSources counts GrantExpandable entitlement ids absent from the sync (ignored).
	DroppedSources int64
	// DroppedEdges counts edges whose source or destination entitlement was missing at
	// expansion time (ignored).
	DroppedEdges int64
}

// ExpandGrants runs grant expansion (spec §4.2–4.3) on a sync, in the database: every principal
// holding a source entitlement of an expandable grant receives the grant's entitlement. Grants
// are streamed page by page; only the entitlement graph is held in memory. Derived grants carry
// the full destination entitlement, the source grant's principal, sources {S: {is_direct}} and
// [GrantImmutable{}]; an existing grant of the destination for the principal has the source
// merged into its sources instead (after {D: direct} when they were empty). Writes are
// committed in batches; writes by others wait until expansion is done.
//
// It fails with ErrExpansion when a source entitlement's resource is not the expandable grant's
// principal, or when the graph needs more rounds than the depth limit (Options.MaxExpandDepth,
// else BATON_GRAPH_EXPAND_MAX_DEPTH, else 20). Cycles are collapsed, so expansion terminates.
func (s *Store) ExpandGrants(ctx context.Context, syncID string) (ExpandStats, error) {
	var st ExpandStats
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if err := s.usable(); err != nil {
		return st, err
	}
	if err := s.commit(ctx); err != nil {
		return st, fmt.Errorf("expand grants: %w", err)
	}
	g, dropped, err := loadGraph(ctx, s.rdb, syncID)
	if err != nil {
		return st, fmt.Errorf("expand grants: load graph: %w", err)
	}
	st.DroppedSources = dropped
	g.collapseCycles()
	g.link()
	st.Nodes, st.Edges, st.Cycles = len(g.nodes), len(g.edges), g.cycles
	x := &expander{s: s, syncID: syncID, st: &st, pending: map[string]*v2.Grant{}}
	if err := x.run(ctx, g, s.maxExpandDepth()); err != nil {
		s.rollback(ctx)
		return st, fmt.Errorf("expand grants: %w", err)
	}
	if err := s.commit(ctx); err != nil {
		return st, fmt.Errorf("expand grants: %w", err)
	}
	return st, nil
}

func (s *Store) maxExpandDepth() int {
	if s.opts.MaxExpandDepth > 0 {
		return s.opts.MaxExpandDepth
	}
	if n, err := strconv.Atoi(os.Getenv("BATON_GRAPH_EXPAND_MAX_DEPTH")); err == nil && n > 0 {
		return n
	}
	return defaultMaxExpandDepth
}

// expander carries the state of one ExpandGrants call (wmu held throughout).
type expander struct {
	s       *Store
	syncID  string
	st      *ExpandStats
	writes  int                  // since the last commit
	pending map[string]*v2.Grant // derived grants not yet written, by destination + principal
	order   []*v2.Grant          // the same, in creation order
}

// run processes rounds until every edge is expanded.
func (x *expander) run(ctx context.Context, g *graph, maxDepth int) error {
	for round := 1; ; round++ {
		ready := g.readyNodes()
		if len(ready) == 0 {
			return nil
		}
		if round > maxDepth {
			return newFileError(ErrExpansion, nil,
				"the entitlement graph is deeper than %d rounds (BATON_GRAPH_EXPAND_MAX_DEPTH)", maxDepth)
		}
		x.st.Rounds = round
		for _, n := range ready {
			if err := x.expandNode(ctx, g, n); err != nil {
				return err
			}
		}
	}
}

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

// dest is one destination entitlement of a source.
type dest struct {
	id      string
	shallow bool
	ent     *v2.Entitlement // loaded when processed
}

// expandNode processes every unexpanded outgoing edge of node n, for each of its entitlements:
// edges grouped by filter, destinations sorted by id, destsPerRead at a time.
func (x *expander) expandNode(ctx context.Context, g *graph, n int32) error {
	groups := map[string][]dest{}
	filters := map[string][]string{}
	var out []*edge
	for _, e := range g.out[n] {
		if e.expanded {
			continue
		}
		out = append(out, e)
		key := strings.Join(e.filter, "\x00")
		filters[key] = e.filter
		for _, d := range g.nodes[e.dst] {
			groups[key] = append(groups[key], dest{id: g.ids[d], shallow: e.shallow})
		}
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, src := range g.nodes[n] {
		for _, key := range keys {
			ds := groups[key]
			slices.SortFunc(ds, func(a, b dest) int { return strings.Compare(a.id, b.id) })
			for start := 0; start < len(ds); start += destsPerRead {
				chunk := ds[start:min(start+destsPerRead, len(ds))]
				if err := x.expandChunk(ctx, g.ids[src], filters[key], chunk); err != nil {
					return err
				}
			}
		}
	}
	for _, e := range out {
		e.expanded = true
	}
	return nil
}
