package confluencetest

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// v1Links is the _links object of v1 answers.
type v1Links struct {
	Base    string `json:"base"`
	Context string `json:"context"`
	Self    string `json:"self"`
	Next    string `json:"next,omitempty"`
}

// v1Page is a v1 offset-paginated answer.
type v1Page struct {
	Results        any     `json:"results"`
	Start          int     `json:"start"`
	Limit          int     `json:"limit"`
	Size           int     `json:"size"`
	TotalSize      *int    `json:"totalSize,omitempty"`
	CQLQuery       string  `json:"cqlQuery,omitempty"`
	SearchDuration *int    `json:"searchDuration,omitempty"`
	Links          v1Links `json:"_links"`
}

// v1Window is one page of a v1 list: the [from, to) range of a list of n items.
type v1Window struct {
	start, limit, from, to int
	hasNext                bool
}

// pageLimits are an endpoint's default and maximum page size.
type pageLimits struct{ def, max int }

// v1Paginate reads start and limit for a list of n items (limit defaults to lim.def and is
// silently capped at lim.max).
func v1Paginate(r *http.Request, n int, lim pageLimits) (v1Window, error) {
	start, err := intParam(r, "start", 0)
	if err != nil {
		return v1Window{}, err
	}
	limit, err := intParam(r, "limit", lim.def)
	if err != nil {
		return v1Window{}, err
	}
	if limit == 0 {
		limit = lim.def
	}
	limit = min(limit, lim.max)
	from := min(start, n)
	to := min(from+limit, n)
	return v1Window{start: start, limit: limit, from: from, to: to, hasNext: to < n}, nil
}

// v1PageLinks builds _links for a v1 page; next is relative to base (which ends in /wiki).
func v1PageLinks(r *http.Request, win v1Window) v1Links {
	base := baseURL(r)
	rel := strings.TrimPrefix(r.URL.Path, "/wiki")
	l := v1Links{Base: base, Context: "/wiki", Self: base + rel}
	if r.URL.RawQuery != "" {
		l.Self += "?" + r.URL.RawQuery
	}
	if win.hasNext {
		q := r.URL.Query()
		q.Set("next", "true")
		q.Set("start", strconv.Itoa(win.to))
		q.Set("limit", strconv.Itoa(win.limit))
		l.Next = rel + "?" + q.Encode()
	}
	return l
}

// v2Links is the _links object of v2 lists.
type v2Links struct {
	Next string `json:"next,omitempty"`
	Base string `json:"base"`
}

// v2Page is a v2 cursor-paginated answer.
type v2Page struct {
	Results any     `json:"results"`
	Links   v2Links `json:"_links"`
}

// cursor is the content of an opaque v2 cursor: the list it belongs to and the position
// after which the next page starts (a last id, sequence number or offset).
type cursor struct {
	Kind  string `json:"k"`
	After int64  `json:"a"`
}

var errBadCursor = errors.New("invalid cursor")

func (c cursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.StdEncoding.EncodeToString(b)
}

// v2Params reads cursor and limit of a v2 list of the given kind. after is 0 when there is no
// cursor (first page).
func v2Params(r *http.Request, kind string, maxLimit int) (after int64, limit int, err error) {
	q := r.URL.Query()
	limit = 25
	if s := q.Get("limit"); s != "" {
		limit, err = strconv.Atoi(s)
		if err != nil || limit < 1 || limit > maxLimit {
			return 0, 0, errors.New("limit must be between 1 and " + strconv.Itoa(maxLimit))
		}
	}
	s := q.Get("cursor")
	if s == "" {
		return 0, limit, nil
	}
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return 0, 0, errBadCursor
	}
	var c cursor
	if json.Unmarshal(raw, &c) != nil || c.Kind != kind {
		return 0, 0, errBadCursor
	}
	return c.After, limit, nil
}

// writeV2Page writes a v2 page; when next is set, the next page's URL goes in the Link header
// and in _links.next (site-relative, keeping the request's other parameters).
func writeV2Page(w http.ResponseWriter, r *http.Request, results any, next *cursor) {
	writeJSON(w, http.StatusOK, v2Page{Results: results, Links: v2NextLinks(w, r, next)})
}

// v2NextLinks builds _links of a v2 page and sets the Link header when there is a next page.
func v2NextLinks(w http.ResponseWriter, r *http.Request, next *cursor) v2Links {
	links := v2Links{Base: baseURL(r)}
	if next != nil {
		q := r.URL.Query()
		q.Set("cursor", next.encode())
		links.Next = r.URL.Path + "?" + q.Encode()
		w.Header().Set("Link", "<"+links.Next+`>; rel="next"`)
	}
	return links
}

// escapePath escapes one path segment for links.
func escapePath(s string) string { return url.PathEscape(s) }
