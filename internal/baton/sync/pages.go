package sync

import (
	"context"
	"fmt"

	"go.uber.org/zap"

	"github.com/baton-confluence/baton-confluence/internal/baton/logging"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// resourcePageSize is how many stored resources one enumeration read returns. It is part of
// the checkpoint's meaning (pageCur.Skip counts rows of such a page): never change it without
// bumping tokenVersion.
const resourcePageSize = 500

// fetchFunc fetches and stores one page and returns the next page token ("" = last page).
type fetchFunc func(ctx context.Context, token string) (string, error)

// pages runs one listing to its end, page by page, starting at token. After each stored page
// it records the next token through save, so a checkpoint resumes at the next page.
func (e *engine) pages(ctx context.Context, desc, token string, save func(next string), fetch fetchFunc) error {
	for page := 1; ; page++ {
		next, err := fetch(ctx, token)
		if err != nil {
			return pageError(ctx, desc, page, token, err)
		}
		if next != "" && next == token {
			return pageError(ctx, desc, page, token, fmt.Errorf("the syncer returned the page token it was given, which would never end"))
		}
		save(next)
		if err := e.checkpoint(ctx, false); err != nil {
			return err
		}
		if next == "" {
			return nil
		}
		token = next
	}
}

// pageError names the listing and page a failure happened on. The page token (the connector's
// opaque cursor, meaningless to a user) goes to the debug log only.
func pageError(ctx context.Context, desc string, page int, token string, err error) error {
	if token != "" {
		const maxTok = 200
		if len(token) > maxTok {
			token = token[:maxTok] + "…"
		}
		logging.From(ctx).Debug("page failed", zap.String("listing", desc), zap.Int("page", page), zap.String("page_token", token))
	}
	return fmt.Errorf("%s (page %d): %w", desc, page, err)
}

// resourceFilter selects the stored resources that are units of a phase.
type resourceFilter func(ti *typeInfo, r *v2.Resource) bool

// enumResources yields a unit per stored resource accepted by keep, type by type in stored
// order and by row within a type, starting at from; types typeOK rejects are passed over
// without reading them. Positions survive a restart: a unit's pos addresses the row after it by
// (page start row, rows skipped). Rows keep rejects count as done units for progress reports.
func (e *engine) enumResources(m *meter, typeOK func(*typeInfo) bool, keep resourceFilter) func(context.Context, scanPos, func(*unit) error, func(int)) (scanPos, error) {
	counted := func(ti *typeInfo, r *v2.Resource) bool {
		if keep(ti, r) {
			return true
		}
		m.skipped()
		return false
	}
	return func(ctx context.Context, from scanPos, yield func(*unit) error, passed func(int)) (scanPos, error) {
		pos := from.clone(len(e.types))
		for ; pos.T < len(e.types); pos.T++ {
			if typeOK(e.types[pos.T]) {
				if err := e.enumType(ctx, &pos, counted, yield); err != nil {
					return pos, err
				}
			}
			passed(pos.T)
		}
		return pos, nil
	}
}

// enumType scans the stored resources of type pos.T from pos.Cur[pos.T] to the end.
func (e *engine) enumType(ctx context.Context, pos *scanPos, keep resourceFilter, yield func(*unit) error) error {
	ti := e.types[pos.T]
	cur := &pos.Cur[pos.T]
	for {
		rs, next, err := e.store.ResourcesPage(ctx, e.syncID, ti.rt.GetId(), cur.After, resourcePageSize)
		if err != nil {
			return fmt.Errorf("read stored %s resources: %w", ti.rt.GetId(), err)
		}
		start := min(cur.Skip, len(rs))
		for i := start; i < len(rs); i++ {
			if i == len(rs)-1 && next != 0 {
				*cur = pageCur{After: next}
			} else {
				cur.Skip = i + 1
			}
			if !keep(ti, rs[i]) {
				continue
			}
			u := &unit{key: rs[i].GetId().GetResourceType() + ":" + rs[i].GetId().GetResource(),
				t: pos.T, pos: pos.clone(0), res: rs[i]}
			if err := yield(u); err != nil {
				return err
			}
		}
		if next == 0 {
			return nil
		}
		if len(rs) == 0 || start == len(rs) {
			*cur = pageCur{After: next}
		}
	}
}
