package sync

import (
	"context"
	"maps"
	stdsync "sync"

	"golang.org/x/sync/semaphore"

	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// unit is one independent piece of a phase: a resource type to list, or a stored resource whose
// entitlements, grants or children to list. Its pages run sequentially; units run in parallel.
type unit struct {
	key string       // stable identity within the phase (type id or "<type>:<id>")
	t   int          // index of the resource type in the stored order
	pos scanPos      // enumeration state right after this unit
	res *v2.Resource // the stored resource, nil for per-type units

	// guarded by tracker.mu
	token string // page token of the next page to fetch
	done  bool
}

// tracker records which units of a phase are complete, so that a checkpoint can describe the
// progress compactly (see cursor). Units are admitted in enumeration order; at most window
// units may be admitted past the completed prefix, which bounds both memory and token size.
type tracker struct {
	sem *semaphore.Weighted

	mu      stdsync.Mutex
	pos     scanPos           // state after the completed prefix
	pending []*unit           // admitted units after the prefix, in order
	resDone map[string]bool   // from the checkpoint being resumed: completed units
	resOpen map[string]string // from the checkpoint being resumed: next page tokens
	perType map[int]int       // admitted but unfinished units per type index
	retired map[int]int       // finished units per type index
}

// newTracker starts tracking a phase from cur (nil for a fresh phase).
func newTracker(cur *cursor, window int) *tracker {
	t := &tracker{
		sem:     semaphore.NewWeighted(int64(window)),
		resDone: map[string]bool{},
		resOpen: map[string]string{},
		perType: map[int]int{},
		retired: map[int]int{},
	}
	if cur != nil {
		t.pos = cur.Pos.clone(0)
		for _, k := range cur.Done {
			t.resDone[k] = true
		}
		maps.Copy(t.resOpen, cur.Open)
	}
	return t
}

// start returns the enumeration state to continue from.
func (t *tracker) start() scanPos {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.pos.clone(0)
}

// admit registers the next unit in enumeration order, waiting while the window is full. It
// reports whether the unit still has work (false: it completed before the checkpoint).
func (t *tracker) admit(ctx context.Context, u *unit) (bool, error) {
	if err := t.sem.Acquire(ctx, 1); err != nil {
		return false, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	u.token = t.resOpen[u.key]
	delete(t.resOpen, u.key)
	t.pending = append(t.pending, u)
	if t.resDone[u.key] {
		delete(t.resDone, u.key)
		u.done = true
		t.retireLocked()
		return false, nil
	}
	t.perType[u.t]++
	return true, nil
}

// resumeToken is the page token to start u with ("" for the first page).
func (t *tracker) resumeToken(u *unit) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return u.token
}

// advance records that u's pages up to next are stored.
func (t *tracker) advance(u *unit, next string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	u.token = next
}

// finish records that u is complete and reports how many units of u's type are still
// unfinished.
func (t *tracker) finish(u *unit) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	u.done = true
	u.token = ""
	t.perType[u.t]--
	t.retired[u.t]++
	t.retireLocked()
	return t.perType[u.t]
}

// retireLocked moves completed units at the front into the prefix.
func (t *tracker) retireLocked() {
	n := 0
	for n < len(t.pending) && t.pending[n].done {
		t.pos = t.pending[n].pos
		n++
	}
	if n == 0 {
		return
	}
	clear(t.pending[:n])
	t.pending = t.pending[n:]
	t.sem.Release(int64(n))
}

// unfinished reports the unfinished units of type index ti.
func (t *tracker) unfinished(ti int) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.perType[ti]
}

// snapshot describes the progress for a checkpoint.
func (t *tracker) snapshot() *cursor {
	t.mu.Lock()
	defer t.mu.Unlock()
	c := &cursor{Pos: t.pos.clone(0)}
	for _, u := range t.pending {
		switch {
		case u.done:
			c.Done = append(c.Done, u.key)
		case u.token != "":
			if c.Open == nil {
				c.Open = map[string]string{}
			}
			c.Open[u.key] = u.token
		}
	}
	// Units from the resumed checkpoint not reached yet keep their state.
	for k := range t.resDone {
		c.Done = append(c.Done, k)
	}
	for k, v := range t.resOpen {
		if c.Open == nil {
			c.Open = map[string]string{}
		}
		c.Open[k] = v
	}
	return c
}
