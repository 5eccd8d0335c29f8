package c1z

import (
	lru "container/list"
	"context"
)

const (
	// sourceCacheBytes bounds the memory of the source cache; one source may take a quarter
	// of it, larger ones are read from the database for every destination.
	sourceCacheBytes = 16 << 20
)

// sourceCache keeps the principals of recently read source entitlements (least recently used
// evicted first), so that a source feeding many destinations is read from the database once
// per round.
type sourceCache struct {
	budget, used int
	lru          lru.List // of *cachedSource, most recently used first
	byID         map[string]*lru.Element
	large        map[string]bool // sources too large to cache
}

type cachedSource struct {
	id      string
	entries []srcPrincipal
	size    int
}

func newSourceCache(budget int) *sourceCache {
	return &sourceCache{budget: budget, byID: map[string]*lru.Element{}, large: map[string]bool{}}
}

func (c *sourceCache) get(id string) ([]srcPrincipal, bool) {
	el, ok := c.byID[id]
	if !ok {
		return nil, false
	}
	c.lru.MoveToFront(el)
	return el.Value.(*cachedSource).entries, true
}

func (c *sourceCache) put(id string, entries []srcPrincipal, size int) {
	for c.used+size > c.budget && c.lru.Len() > 0 {
		old := c.lru.Remove(c.lru.Back()).(*cachedSource)
		delete(c.byID, old.id)
		c.used -= old.size
	}
	c.byID[id] = c.lru.PushFront(&cachedSource{id: id, entries: entries, size: size})
	c.used += size
}

// clear forgets everything (between rounds: sources may have gained grants).
func (c *sourceCache) clear() {
	c.lru.Init()
	clear(c.byID)
	clear(c.large)
	c.used = 0
}

// srcStream yields the principals of one source entitlement in principal order.
type srcStream struct {
	in      *inEdge
	entries []srcPrincipal // all of them (cached) or the current page
	pos     int
	pager   *pager // nil once entries hold everything that is left
	own     bool   // entries belong to the stream (not to the cache) and may be reused
}

// head returns the current principal, nil at the end.
func (s *srcStream) head(ctx context.Context, x *expander) (*srcPrincipal, error) {
	for s.pos >= len(s.entries) {
		if s.pager == nil {
			return nil, nil
		}
		rows, err := s.pager.next(ctx)
		if err != nil {
			return nil, err
		}
		if rows == nil {
			s.pager = nil
			return nil, nil
		}
		x.st.SourceGrants += int64(len(rows))
		if !s.own {
			s.entries, s.own = nil, true
		}
		if s.entries, err = appendPrincipals(s.entries[:0], s.in.src, rows); err != nil {
			return nil, err
		}
		s.pos = 0
	}
	return &s.entries[s.pos], nil
}

// openSource returns a stream over the principals of the edge's source: from the cache, or
// read (and cached when small enough).
func (x *expander) openSource(ctx context.Context, in *inEdge) (*srcStream, error) {
	if entries, ok := x.cache.get(in.src); ok {
		return &srcStream{in: in, entries: entries}, nil
	}
	p := x.newPager(in.src)
	if x.cache.large[in.src] {
		return &srcStream{in: in, pager: p, own: true}, nil
	}
	var entries []srcPrincipal
	size, limit := 0, x.cache.budget/4
	for {
		rows, err := p.next(ctx)
		if err != nil {
			return nil, err
		}
		if rows == nil {
			x.cache.put(in.src, entries, size)
			return &srcStream{in: in, entries: entries}, nil
		}
		x.st.SourceGrants += int64(len(rows))
		n := len(entries)
		if entries, err = appendPrincipals(entries, in.src, rows); err != nil {
			return nil, err
		}
		for i := n; i < len(entries); i++ {
			size += entries[i].size()
		}
		if size > limit {
			x.cache.large[in.src] = true
			return &srcStream{in: in, entries: entries, pager: p, own: true}, nil
		}
	}
}
