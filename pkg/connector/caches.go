package connector

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/baton-confluence/baton-confluence/pkg/confluence"
)

// syncCaches hold what one sync learns in one phase and reuses in another. Validate clears
// them. Everything here is an optimisation: a miss costs a request, never a wrong answer.
type syncCaches struct {
	mu sync.Mutex
	// seen maps each account id the user listing returned to the token of the page that first
	// returned it, so later pages skip it but a replay of that page returns it again.
	seen map[string]string
	// members maps a group id to the account ids of its human members (complete lists only),
	// filled by the user listing and consumed by the group's Grants.
	members map[string][]string
	// groupPages are the pages of the group list by start offset, shared by the user listing and
	// the group syncer.
	groupPages map[int]*groupPage
	// assignments holds, per space, the assignees of each role read by the binding listing,
	// consumed by the bindings' Grants once the listing of the space is complete.
	assignments map[string]*spaceAssignments
	// Space permissions fetched ahead (see permprefetch.go): spaces waiting for a free slot in
	// listing order, first pages started (taken by the spaces' Grants), how many spaces this
	// sync queued, and whether the prefetcher runs.
	permQueue   []string
	permPages   map[string]*permPage
	permQueued  int
	permRunning bool
	// permBound: scope already ends with the sync's lifetime (SyncPlan.Lifetime).
	permBound bool
	// scope ends (endScope) when the caches are reset: work started ahead stops with it.
	scope    context.Context
	endScope context.CancelFunc
}

// spaceAssignments are the role assignments of one space, by role id.
type spaceAssignments struct {
	complete bool
	byRole   map[string][]confluence.RolePrincipal
}

func newSyncCaches() *syncCaches {
	s := &syncCaches{}
	s.reset()
	return s
}

func (s *syncCaches) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.endScope != nil {
		s.endScope()
	}
	s.scope, s.endScope = context.WithCancel(context.Background())
	s.seen = map[string]string{}
	s.members = map[string][]string{}
	s.groupPages = map[int]*groupPage{}
	s.assignments = map[string]*spaceAssignments{}
	s.permQueue, s.permPages, s.permQueued, s.permRunning, s.permBound = nil, map[string]*permPage{}, 0, false, false
}

// addAssignments records one page of a space's role assignments; first starts the space over,
// last marks its list complete. Pages of a listing this process did not start are not kept.
func (s *syncCaches) addAssignments(spaceID string, as []confluence.RoleAssignment, first, last bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if first {
		s.assignments[spaceID] = &spaceAssignments{byRole: map[string][]confluence.RolePrincipal{}}
	}
	sa := s.assignments[spaceID]
	if sa == nil {
		return
	}
	for _, a := range as {
		if a.RoleID != "" && !slices.Contains(sa.byRole[a.RoleID], a.Principal) {
			sa.byRole[a.RoleID] = append(sa.byRole[a.RoleID], a.Principal)
		}
	}
	sa.complete = last
}

// takeAssignments returns and forgets the assignees of a role in a space, when the space's
// list is complete.
func (s *syncCaches) takeAssignments(spaceID, roleID string) ([]confluence.RolePrincipal, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sa := s.assignments[spaceID]
	if sa == nil || !sa.complete {
		return nil, false
	}
	ps := sa.byRole[roleID]
	delete(sa.byRole, roleID)
	if len(sa.byRole) == 0 {
		delete(s.assignments, spaceID)
	}
	return ps, true
}

// putMembers caches the complete human member list of a group.
func (s *syncCaches) putMembers(groupID string, ids []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.members[groupID] = ids
}

// takeMembers returns and forgets the cached member list of a group.
func (s *syncCaches) takeMembers(groupID string) ([]string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids, ok := s.members[groupID]
	delete(s.members, groupID)
	return ids, ok
}

// unseen returns the ids that no page other than the one with token pageToken has listed yet.
func (s *syncCaches) unseen(pageToken string, ids []string) map[string]bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		if by, ok := s.seen[id]; !ok || by == pageToken {
			out[id] = true
		}
	}
	return out
}

// markSeen records that the page with token pageToken listed ids.
func (s *syncCaches) markSeen(pageToken string, ids []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if _, ok := s.seen[id]; !ok {
			s.seen[id] = pageToken
		}
	}
}

// groupPage is one page of the group list, fetched once and shared.
type groupPage struct {
	done   chan struct{}
	groups []confluence.Group
	next   int
	err    error
}

// groupPage returns the page of the group list at start: fetched by the first caller, waited
// for by concurrent ones. A failed fetch is not cached.
func (c *Connector) groupPage(ctx context.Context, start int) ([]confluence.Group, int, error) {
	for attempt := 0; ; attempt++ {
		s := c.sync
		s.mu.Lock()
		p, ok := s.groupPages[start]
		if !ok {
			p = &groupPage{done: make(chan struct{})}
			s.groupPages[start] = p
			s.mu.Unlock()
			c.fetchGroupPage(ctx, s, start, p)
			return p.groups, p.next, p.err
		}
		s.mu.Unlock()
		select {
		case <-p.done:
		case <-ctx.Done():
			return nil, 0, ctx.Err()
		}
		if p.err == nil || attempt > 0 {
			return p.groups, p.next, p.err
		}
	}
}

func (c *Connector) fetchGroupPage(ctx context.Context, s *syncCaches, start int, p *groupPage) {
	defer close(p.done)
	groups, resp, err := c.client.Groups.List(ctx, &confluence.GroupListOptions{
		ListOptions: confluence.ListOptions{Start: start},
	})
	if err != nil {
		p.err = err
		s.mu.Lock()
		if s.groupPages[start] == p {
			delete(s.groupPages, start)
		}
		s.mu.Unlock()
		return
	}
	p.groups, p.next = groups, resp.NextStart
}

// spaceCache remembers space names (for role-assignment names) and keys (for the v1
// permission writes, which take the key) by space id, for the life of the process.
type spaceCache struct {
	mu    sync.Mutex
	names map[string]string
	keys  map[string]string
}

func newSpaceCache() *spaceCache {
	return &spaceCache{names: map[string]string{}, keys: map[string]string{}}
}

func (c *spaceCache) put(s confluence.Space) {
	id := s.ID.String()
	c.mu.Lock()
	defer c.mu.Unlock()
	if s.Name != "" {
		c.names[id] = s.Name
	} else {
		c.names[id] = s.Key
	}
	if s.Key != "" {
		c.keys[id] = s.Key
	}
}

func (c *spaceCache) name(id string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.names[id]
	return n, ok
}

func (c *spaceCache) key(id string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.keys[id]
	return k, ok
}

// roleCache remembers role names by id. loaded says whether the whole role list was read in
// this sync (a miss after that is answered with the id, not another listing).
type roleCache struct {
	mu     sync.Mutex
	names  map[string]string
	loaded bool
	loadMu sync.Mutex // serialises full listings
}

func newRoleCache() *roleCache { return &roleCache{names: map[string]string{}} }

func (c *roleCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.loaded = false
}

func (c *roleCache) put(roles []confluence.SpaceRole, complete bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range roles {
		c.names[r.ID] = r.Name
	}
	if complete {
		c.loaded = true
	}
}

func (c *roleCache) name(id string) (name string, ok, loaded bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	name, ok = c.names[id]
	return name, ok, c.loaded
}

// bulkFallback remembers that users-bulk answered 403 or 404, so the status of accounts
// without operations falls back to the canonical heuristic without asking again.
type bulkFallback struct{ unavailable atomic.Bool }
