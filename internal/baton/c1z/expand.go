package c1z

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
)

const (
	defaultMaxExpandDepth = 20
	// expandCommitEvery is how many rows expansion writes at most per transaction; it commits
	// between destinations once this many accumulated.
	expandCommitEvery = 200000
)

// ExpandStats reports what ExpandGrants did.
type ExpandStats struct {
	Nodes, Edges int   // graph size after collapsing cycles
	Cycles       int   // cycles (strongly connected components, self loops) collapsed
	Rounds       int   // topological rounds
	SourceGrants int64 // grants of source entitlements read from the database
	Created      int64 // derived grants written
	Updated      int64 // existing grants whose sources were merged
	// DroppedSources counts GrantExpandable entitlement ids absent from the sync (ignored).
	DroppedSources int64
	// DroppedEdges counts edges whose source or destination entitlement was missing at
	// expansion time (ignored).
	DroppedEdges int64
}

// ExpandGrants runs grant expansion (spec §4.2–4.3) on a sync, in the database: every principal
// holding a source entitlement of an expandable grant receives the grant's entitlement. Derived
// grants carry the full destination entitlement, the principal of the source grant, sources
// {S: {is_direct}} for every source S the principal holds, and [GrantImmutable{}]; an existing
// grant of the destination for the principal has the sources merged into its sources instead
// (after {D: direct} when they were empty).
//
// Each round (see the spec) processes every destination entitlement once, in ascending id
// order: the grants of its sources, read in principal order, are merged with its own grants,
// and new grants are written in ascending principal order, hence in external id order. Only
// the entitlement graph, a bounded cache of source principals and one page per source are
// held in memory.
//
// While it writes, the database is in bulk mode (see bulkMode): rollback journal without
// syncing and, for a large expansion, the grant indexes that derived grants would reach in
// random order dropped and rebuilt at the end (also when ctx is cancelled). Writes are
// committed in batches and after every round; writes and reads by others wait until expansion
// is done. Expansion is idempotent: after an interruption (even a killed process: the next
// Open rolls back the unfinished transaction and rebuilds missing indexes) it can simply run
// again. While it runs, the process's garbage collector target is lowered (see
// expandGCPercent) unless GOGC is set, and when it ends the memory it used is returned to the
// operating system at once (debug.FreeOSMemory), so that saving the file does not add its own
// buffers on top.
//
// It fails with ErrExpansion when a source entitlement's resource is not the expandable grant's
// principal, or when the graph needs more rounds than the depth limit (Options.MaxExpandDepth,
// else BATON_GRAPH_EXPAND_MAX_DEPTH, else 20). Cycles are collapsed, so expansion terminates.
func (s *Store) ExpandGrants(ctx context.Context, syncID string) (st ExpandStats, err error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if err := s.usable(); err != nil {
		return st, err
	}
	if err := s.commit(ctx); err != nil {
		return st, fmt.Errorf("expand grants: %w", err)
	}
	// The read pool is closed before the graph is loaded, not when the writes start: the
	// memory its connections hold (tens of MB after the grants of a large site) is released
	// before the expansion's own grows, which was the peak of the whole sync at Large. The
	// graph is read through the writer, which sees everything committed.
	if err := s.closeReaders(); err != nil {
		return st, fmt.Errorf("expand grants: %w", err)
	}
	defer func() {
		if oerr := s.openReaders(); oerr != nil {
			s.failed = fmt.Errorf("finish expansion: %w", oerr)
			err = errors.Join(err, s.failed)
		}
	}()
	defer debug.FreeOSMemory() // after the GC target is restored (deferred next)
	defer lowerGCTarget()()
	g, dropped, err := loadGraph(ctx, s.wconn, syncID)
	if err != nil {
		return st, fmt.Errorf("expand grants: load graph: %w", err)
	}
	st.DroppedSources = dropped
	g.collapseCycles()
	g.link()
	st.Nodes, st.Edges, st.Cycles = len(g.nodes), len(g.edges), g.cycles
	if len(g.edges) == 0 {
		return st, nil
	}
	if err := s.expand(ctx, g, syncID, &st); err != nil {
		return st, fmt.Errorf("expand grants: %w", err)
	}
	return st, nil
}

// expand runs the rounds of g in bulk mode (wmu held, no transaction open).
func (s *Store) expand(ctx context.Context, g *graph, syncID string, st *ExpandStats) error {
	est, err := estimateDerived(ctx, s.wconn, g, syncID)
	if err != nil {
		return err
	}
	b, err := s.enterBulk(ctx, est)
	if err != nil {
		return errors.Join(err, b.end(ctx))
	}
	x := s.newExpander(syncID, st)
	err = x.run(ctx, g, s.maxExpandDepth())
	x.close()
	if err != nil {
		s.rollback(ctx)
	} else {
		err = s.commit(ctx)
	}
	return errors.Join(err, b.end(ctx))
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

// expander carries the state of one ExpandGrants call (wmu held throughout). It reads and
// writes through the writer connection; reads see the expansion's own uncommitted rows, which
// is harmless: no destination of a round is one of its sources, and a destination's own grants
// are read ahead of what is written for it.
type expander struct {
	s      *Store
	syncID string
	st     *ExpandStats
	stmts  map[string]*sql.Stmt // prepared on the writer
	exists map[string]bool      // entitlement id -> stored in the sync
	cache  *sourceCache
	w      *derivedWriter
	writes int // rows written since the last commit
	// pageRows is the page size of principal-ordered reads.
	pageRows int

	// per-destination scratch, reused
	contribs []contribution
	heap     streamHeap
	ent      []byte
}

func (s *Store) newExpander(syncID string, st *ExpandStats) *expander {
	x := &expander{s: s, syncID: syncID, st: st, stmts: map[string]*sql.Stmt{},
		exists: map[string]bool{}, cache: newSourceCache(cmp.Or(s.tune.cacheBytes, sourceCacheBytes)),
		pageRows: cmp.Or(s.tune.pageRows, defaultPageRows)}
	x.w = newDerivedWriter(s, syncID, formatTime(s.now()))
	return x
}

func (x *expander) close() {
	for _, st := range x.stmts {
		_ = st.Close()
	}
}

// run processes rounds until every edge is expanded, committing after each round.
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
		dests, edges := g.plan(ready)
		for _, d := range dests {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := x.expandDest(ctx, d); err != nil {
				return err
			}
			if x.s.tune.afterDest != nil {
				x.s.tune.afterDest()
			}
			if x.writes >= expandCommitEvery {
				if err := x.commit(ctx); err != nil {
					return err
				}
			}
		}
		for _, e := range edges {
			e.expanded = true
		}
		if err := x.commit(ctx); err != nil {
			return err
		}
		x.cache.clear() // sources of the next round may have gained grants in this one
	}
}

// commit commits the rows written so far.
func (x *expander) commit(ctx context.Context) error {
	x.writes = 0
	return x.s.commit(ctx)
}
