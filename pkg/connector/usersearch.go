package connector

import (
	"context"
	"fmt"
	"sync"

	"github.com/baton-confluence/baton-confluence/pkg/confluence"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// Paging of the user search.
const (
	// searchPagesPerCall is the most search pages one List call fetches. Once a page proved that the
	// server honours the requested page size, the following pages are fetched concurrently
	// (bounded again by the client's concurrency limit), so one List call costs one or two round
	// trips instead of searchBatch. At the end of the list up to searchBatch-1 of them come back
	// empty: that is the price of not trusting totalSize.
	searchPagesPerCall = 8
	// searchPagesFirstCall is the most pages of a List call that starts with an unknown page
	// size (the first call, or the call after a short page): the probe page and the next three.
	// Small sites end within it, so they waste at most three requests.
	searchPagesFirstCall = 4
	// searchResultCap is the documented ceiling of one user search ("cql=type=user will return
	// up to 10k users"). Pages past it are never fetched ahead; a next link past it is still
	// followed, one page at a time.
	searchResultCap = 10_000
)

// searchPage is one page of the user search.
type searchPage struct {
	start int
	users []confluence.User
	resp  *confluence.Response
	err   error
}

// next is the start of the following page, or 0 after the last page.
func (p *searchPage) next() int { return p.resp.NextStart }

// full reports whether the page held exactly size entries and links to a next page: the
// server honoured the page size, so the next pages start at multiples of it.
func (p *searchPage) full(size int) bool { return p.next() == p.start+size }

// listSearch returns the users of a batch of search pages, with one users-bulk lookup per 250
// accounts without operations across the whole batch; after the last page the listing moves on
// to group members.
func (s *userSyncer) listSearch(ctx context.Context, pageToken string, t userToken) ([]*v2.Resource, string, annotations.Annotations, error) {
	pages, next, err := s.c.searchBatch(ctx, t)
	if err != nil {
		return nil, "", nil, err
	}
	var users []confluence.User
	for _, p := range pages {
		users = append(users, p.users...)
	}
	rs, err := s.c.newUsers(ctx, pageToken, users)
	if err != nil {
		return nil, "", nil, err
	}
	tok, err := encodeToken(next)
	return rs, tok, rateLimitAnnotations(pages[len(pages)-1].resp), err
}

// searchBatch fetches the pages of one List call and returns those to keep, in order, and the
// token of the rest. Without a confirmed page size (t.Size) it fetches one page first; when that
// page is full it fetches the rest of the batch concurrently. A page that is not full ends the
// batch: the last page (no next link) ends the search, and a short page with a next link (a
// server that capped the page) continues from the results actually returned, one page per call
// until a page comes back full again. Pages fetched after it are discarded.
func (c *Connector) searchBatch(ctx context.Context, t userToken) ([]*searchPage, *userToken, error) {
	size := confluence.DefaultSearchLimit
	start := t.Start
	var kept []*searchPage
	perCall := searchPagesPerCall
	if t.Size != size || start >= searchResultCap {
		perCall = searchPagesFirstCall
		p := c.searchOne(ctx, start)
		if p.err != nil {
			return nil, nil, fmt.Errorf("search users from %d: %w", start, p.err)
		}
		kept = append(kept, p)
		if !p.full(size) {
			return kept, afterSearchPage(p, 0), nil
		}
		start = p.next()
	}
	n := min(perCall-len(kept), pagesBefore(start, size, searchResultCap))
	for _, p := range c.searchMany(ctx, start, size, n) {
		if p.err != nil {
			return nil, nil, fmt.Errorf("search users from %d: %w", p.start, p.err)
		}
		kept = append(kept, p)
		if !p.full(size) {
			return kept, afterSearchPage(p, 0), nil
		}
	}
	return kept, afterSearchPage(kept[len(kept)-1], size), nil
}

// afterSearchPage is the token after page p: the next search page (size is the confirmed page
// size, 0 when unknown), or the member phase after the last page.
func afterSearchPage(p *searchPage, size int) *userToken {
	if p.next() <= p.start {
		return &userToken{Phase: phaseMembers}
	}
	return &userToken{Phase: phaseSearch, Start: p.next(), Size: size}
}

// pagesBefore is how many pages of size fit between start and limit.
func pagesBefore(start, size, limit int) int {
	if start >= limit {
		return 0
	}
	return (limit - start + size - 1) / size
}

// searchOne fetches the search page at start.
func (c *Connector) searchOne(ctx context.Context, start int) *searchPage {
	users, resp, err := c.client.Users.Search(ctx, userSearchCQL, &confluence.UserSearchOptions{
		SitePermissionTypeFilter: confluence.SitePermissionAll,
		Expand:                   []string{"operations"},
		ListOptions:              confluence.ListOptions{Start: start},
	})
	return &searchPage{start: start, users: users, resp: resp, err: err}
}

// searchMany fetches n pages of size from start concurrently and returns them in order. Each
// page keeps its own error: the caller looks at a page only while the pages before it were
// full, so an error past the end of the list does not fail the listing.
func (c *Connector) searchMany(ctx context.Context, start, size, n int) []*searchPage {
	pages := make([]*searchPage, n)
	var wg sync.WaitGroup
	for i := range pages {
		wg.Go(func() { pages[i] = c.searchOne(ctx, start+i*size) })
	}
	wg.Wait()
	return pages
}
