package confluence

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
)

// Page-size defaults: each endpoint's documented maximum, to make as few requests as possible.
const (
	// DefaultV2Limit is the page size of every v2 list (documented range 1–250).
	DefaultV2Limit = 250
	// DefaultGroupsLimit is the page size of the v1 group list (documented default 200, no
	// documented maximum).
	DefaultGroupsLimit = 200
	// DefaultMembersLimit is the page size of membersByGroupId (documented maximum 200; above
	// it the server answers 400).
	DefaultMembersLimit = 200
	// DefaultSearchLimit is the page size of user search (the documented default is 25; the
	// server may cap larger pages silently, which the offset logic tolerates).
	DefaultSearchLimit = 200
)

// ListOptions pages a v1 (offset) list.
type ListOptions struct {
	// Start is the offset of the first item (Response.NextStart of the previous page).
	Start int
	// Limit is the page size; 0 means the endpoint's default above.
	Limit int
}

// CursorOptions pages a v2 (cursor) list.
type CursorOptions struct {
	// Cursor is Response.NextCursor of the previous page, unchanged; "" for the first page.
	Cursor string
	// Limit is the page size (1–250); 0 means DefaultV2Limit.
	Limit int
}

// links is the _links object of a list page. Only next is used, and only for its start or
// cursor value.
type links struct {
	Next string `json:"next"`
}

// v1Page is a v1 list page. start, limit, size and totalSize are ignored on purpose.
type v1Page[T any] struct {
	Results []T   `json:"results"`
	Links   links `json:"_links"`
}

// v2Page is a v2 list page.
type v2Page[T any] struct {
	Results []T   `json:"results"`
	Links   links `json:"_links"`
}

// limitOrDefault validates a page size against an endpoint maximum (0 = none).
func limitOrDefault(limit, def, maxLimit int) (int, error) {
	switch {
	case limit < 0:
		return 0, fmt.Errorf("page size %d is negative", limit)
	case limit == 0:
		return def, nil
	case maxLimit > 0 && limit > maxLimit:
		return 0, fmt.Errorf("page size %d is above the endpoint maximum %d", limit, maxLimit)
	}
	return limit, nil
}

// getV1List fetches one v1 page. NextStart advances by the number of results actually returned
// and is set only when the page is not empty and _links.next is present.
func getV1List[T any](ctx context.Context, c *Client, path string, q url.Values, lo ListOptions, def, maxLimit int) ([]T, *Response, error) {
	limit, err := limitOrDefault(lo.Limit, def, maxLimit)
	if err != nil {
		return nil, nil, err
	}
	if lo.Start < 0 {
		return nil, nil, fmt.Errorf("start %d is negative", lo.Start)
	}
	q.Set("start", strconv.Itoa(lo.Start))
	q.Set("limit", strconv.Itoa(limit))
	req, err := c.newRequest(ctx, http.MethodGet, path, q, "", nil)
	if err != nil {
		return nil, nil, err
	}
	var page v1Page[T]
	resp, err := c.do(req, requestMeta{expectJSON: true}, &page)
	if err != nil {
		return nil, resp, err
	}
	if page.Links.Next != "" && len(page.Results) > 0 {
		resp.NextStart = lo.Start + len(page.Results)
	}
	return page.Results, resp, nil
}

// getV2List fetches one v2 page. NextCursor comes from the body's _links.next, else from the
// Link header; neither is ever followed as a URL.
func getV2List[T any](ctx context.Context, c *Client, path string, q url.Values, co CursorOptions) ([]T, *Response, error) {
	limit, err := limitOrDefault(co.Limit, DefaultV2Limit, DefaultV2Limit)
	if err != nil {
		return nil, nil, err
	}
	q.Set("limit", strconv.Itoa(limit))
	req, err := c.newRequest(ctx, http.MethodGet, path, q, co.Cursor, nil)
	if err != nil {
		return nil, nil, err
	}
	var page v2Page[T]
	resp, err := c.do(req, requestMeta{expectJSON: true}, &page)
	if err != nil {
		return nil, resp, err
	}
	if cur := cursorFromLink(page.Links.Next); cur != "" {
		resp.NextCursor = cur
	}
	return page.Results, resp, nil
}

// allByStart walks a v1 list from start until a page has no NextStart.
func allByStart[T any](start int, fetch func(start int) ([]T, *Response, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for {
			items, resp, err := fetch(start)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if resp.NextStart <= start {
				return
			}
			start = resp.NextStart
		}
	}
}

// errCursorStuck is yielded when a v2 list returns the cursor it was given.
var errCursorStuck = errors.New("server returned the same cursor again")

// allByCursor walks a v2 list from cursor until a page has no NextCursor.
func allByCursor[T any](cursor string, fetch func(cursor string) ([]T, *Response, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for {
			items, resp, err := fetch(cursor)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if resp.NextCursor == "" {
				return
			}
			if resp.NextCursor == cursor {
				var zero T
				yield(zero, errCursorStuck)
				return
			}
			cursor = resp.NextCursor
		}
	}
}

// escapeCursor makes a cursor safe as a raw query value while leaving a cursor that came from
// a link (already escaped) byte for byte unchanged: it escapes only bytes that cannot appear
// raw in a query value (space, '&', '#', ';' (a separator to some servers, Go's among them),
// controls, non-ASCII, and '%' not starting an escape).
func escapeCursor(c string) string {
	const hex = "0123456789ABCDEF"
	out := make([]byte, 0, len(c))
	for i := 0; i < len(c); i++ {
		b := c[i]
		if b == '%' && i+2 < len(c) && isHex(c[i+1]) && isHex(c[i+2]) {
			out = append(out, b)
			continue
		}
		if isRawQueryByte(b) {
			out = append(out, b)
			continue
		}
		out = append(out, '%', hex[b>>4], hex[b&15])
	}
	return string(out)
}

func isHex(b byte) bool {
	return '0' <= b && b <= '9' || 'a' <= b && b <= 'f' || 'A' <= b && b <= 'F'
}

// isRawQueryByte reports bytes that may stand unescaped in a query value.
func isRawQueryByte(b byte) bool {
	switch {
	case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		return true
	}
	switch b {
	case '-', '.', '_', '~', '!', '$', '\'', '(', ')', '*', '+', ',', '=', ':', '@', '/', '?':
		return true
	}
	return false
}
