package confluence

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// v1Server serves total groups; pageSize caps every page and sizes can override the size of
// each page (by page number). next is sent on every page unless lastWithoutNext and the list is
// exhausted; an empty page is always last.
type v1Server struct {
	total           int
	pageSize        int
	sizes           map[int]int
	lastWithoutNext bool
	starts          []int
}

func (s *v1Server) handle(w http.ResponseWriter, r *http.Request) {
	start, _ := strconv.Atoi(r.URL.Query().Get("start"))
	page := len(s.starts)
	s.starts = append(s.starts, start)
	n := min(s.pageSize, max(s.total-start, 0))
	if sz, ok := s.sizes[page]; ok {
		n = min(sz, max(s.total-start, 0))
	}
	next := ""
	if (!s.lastWithoutNext || start+n < s.total) && n > 0 {
		// totalSize lies on purpose, and next points at a start the client must not trust.
		next = fmt.Sprintf(`,"next":"/rest/api/group?next=true&limit=200&start=%d"`, start+200)
	}
	items := ""
	for i := range n {
		if i > 0 {
			items += ","
		}
		items += fmt.Sprintf(`{"type":"group","name":"g%03d","id":"id-%03d"}`, start+i, start+i)
	}
	writeJSON(w, 200, fmt.Sprintf(`{"results":[%s],"start":%d,"limit":200,"size":%d,"totalSize":%d,"_links":{"base":"https://acme.atlassian.net/wiki"%s}}`,
		items, start, n, n, next))
}

func TestV1Pagination(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		srv        v1Server
		wantStarts []int
	}{
		{name: "server caps the page below the requested size and still sends next",
			srv: v1Server{total: 8, pageSize: 3, lastWithoutNext: true}, wantStarts: []int{0, 3, 6}},
		{name: "size below limit mid-list with next",
			srv: v1Server{total: 8, pageSize: 5, sizes: map[int]int{0: 1, 1: 2}, lastWithoutNext: true}, wantStarts: []int{0, 1, 3}},
		{name: "empty last page ends the list",
			srv: v1Server{total: 6, pageSize: 3}, wantStarts: []int{0, 3, 6}},
		{name: "single page without next",
			srv: v1Server{total: 2, pageSize: 200, lastWithoutNext: true}, wantStarts: []int{0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			srv := tc.srv
			e.mux.HandleFunc("GET /wiki/rest/api/group", srv.handle)
			var names []string
			for g, err := range e.client.Groups.All(t.Context(), nil) {
				require.NoError(t, err)
				names = append(names, g.Name)
			}
			require.Len(t, names, srv.total)
			for i, n := range names {
				require.Equal(t, fmt.Sprintf("g%03d", i), n, "no item skipped or repeated")
			}
			require.Equal(t, tc.wantStarts, srv.starts)
		})
	}
}

func TestV1IteratorStopsEarly(t *testing.T) {
	t.Parallel()
	e := setup(t)
	srv := v1Server{total: 10, pageSize: 3}
	e.mux.HandleFunc("GET /wiki/rest/api/group/{id}/membersByGroupId", func(w http.ResponseWriter, r *http.Request) {
		start, _ := strconv.Atoi(r.URL.Query().Get("start"))
		srv.starts = append(srv.starts, start)
		writeJSON(w, 200, fmt.Sprintf(`{"results":[{"accountId":"u%d"},{"accountId":"u%d"}],"_links":{"next":"x"}}`, start, start+1))
	})
	n := 0
	for _, err := range e.client.Groups.AllMembers(t.Context(), "g", nil) {
		require.NoError(t, err)
		n++
		if n == 3 {
			break
		}
	}
	require.Equal(t, []int{0, 2}, srv.starts)
}

// cursors holds awkward cursor values: they need escaping in a query string.
var cursors = []string{"a+b/c=d", "x&y z%2F#frag", "ünï😀?=&", "semi;colon", "plain"}

func TestV2CursorRoundTrip(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"body", "link", "both"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			var got []string
			var rawQueries []string
			e.mux.HandleFunc("GET /wiki/api/v2/spaces", func(w http.ResponseWriter, r *http.Request) {
				cur := r.URL.Query().Get("cursor")
				got = append(got, cur)
				rawQueries = append(rawQueries, r.URL.RawQuery)
				page := len(got) - 1
				next := ""
				if page < len(cursors) {
					link := "/wiki/api/v2/spaces?limit=250&cursor=" + url.QueryEscape(cursors[page])
					if mode != "body" {
						w.Header().Set("Link", fmt.Sprintf(`<%s>; rel="next"`, link))
					}
					if mode != "link" {
						next = fmt.Sprintf(`,"next":%q`, link)
					}
				}
				writeJSON(w, 200, fmt.Sprintf(`{"results":[{"id":"%d","key":"K%d"}],"_links":{"base":"https://acme.atlassian.net/wiki"%s}}`, page, page, next))
			})
			n := 0
			for _, err := range e.client.Spaces.All(t.Context(), nil) {
				require.NoError(t, err)
				n++
			}
			require.Equal(t, len(cursors)+1, n)
			require.Equal(t, append([]string{""}, cursors...), got)
			for i, c := range cursors {
				require.Contains(t, rawQueries[i+1], "cursor="+url.QueryEscape(c), "cursor sent back byte for byte")
			}
		})
	}
}

// TestV2RawCursorKeptVerbatim: a server that puts an unescaped base64 cursor in its link gets it
// back exactly, '+' included.
func TestV2RawCursorKeptVerbatim(t *testing.T) {
	t.Parallel()
	e := setup(t)
	var raw []string
	e.mux.HandleFunc("GET /wiki/api/v2/space-roles", func(w http.ResponseWriter, r *http.Request) {
		raw = append(raw, r.URL.RawQuery)
		next := ""
		if len(raw) == 1 {
			next = `"next":"/wiki/api/v2/space-roles?cursor=eyJh+Yi/9==&limit=250"`
		}
		writeJSON(w, 200, `{"results":[{"id":"r"}],"_links":{`+next+`}}`)
	})
	n := 0
	for _, err := range e.client.SpaceRoles.All(t.Context(), nil) {
		require.NoError(t, err)
		n++
	}
	require.Equal(t, 2, n)
	require.Contains(t, raw[1], "cursor=eyJh+Yi/9==")
}

func TestV2StuckCursor(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.mux.HandleFunc("GET /wiki/api/v2/space-permissions", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 200, `{"results":[{"id":"p"}],"_links":{"next":"/wiki/api/v2/space-permissions?cursor=same"}}`)
	})
	var last error
	for _, err := range e.client.Spaces.AllAvailablePermissions(t.Context(), nil) {
		last = err
	}
	require.ErrorIs(t, last, errCursorStuck)
}

// TestGatewayPagination: links in gateway answers point at the site; requests must stay on the
// gateway prefix (the site-rooted routes fail the test).
func TestGatewayPagination(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e := setupAt(t, srv, srv.URL+"/ex/confluence/cloud-1", mux)
	mux.HandleFunc("/wiki/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request left the gateway: %s", r.URL)
		writeJSON(w, 401, `{}`)
	})
	var v2Calls, v1Calls int
	mux.HandleFunc("GET /ex/confluence/cloud-1/wiki/api/v2/spaces/{id}/permissions", func(w http.ResponseWriter, r *http.Request) {
		v2Calls++
		next := ""
		if r.URL.Query().Get("cursor") == "" {
			w.Header().Set("Link", `</wiki/api/v2/spaces/7/permissions?cursor=c2>; rel="next", <https://acme.atlassian.net/wiki>; rel="base"`)
			next = `"next":"/wiki/api/v2/spaces/7/permissions?cursor=c2",`
		}
		writeJSON(w, 200, `{"results":[{"id":"1"}],"_links":{`+next+`"base":"https://acme.atlassian.net/wiki"}}`)
	})
	mux.HandleFunc("GET /ex/confluence/cloud-1/wiki/rest/api/group", func(w http.ResponseWriter, r *http.Request) {
		v1Calls++
		next := ""
		if r.URL.Query().Get("start") == "0" {
			next = `,"next":"/rest/api/group?start=1"`
		}
		writeJSON(w, 200, `{"results":[{"id":"g"}],"_links":{"base":"https://acme.atlassian.net/wiki"`+next+`}}`)
	})
	var perms, groups int
	for _, err := range e.client.Spaces.AllPermissions(t.Context(), "7", nil) {
		require.NoError(t, err)
		perms++
	}
	for _, err := range e.client.Groups.All(t.Context(), nil) {
		require.NoError(t, err)
		groups++
	}
	require.Equal(t, 2, perms)
	require.Equal(t, 2, v2Calls)
	require.Equal(t, 2, groups)
	require.Equal(t, 2, v1Calls)
}

func TestPageSizeValidation(t *testing.T) {
	t.Parallel()
	c, err := NewClient("https://acme.atlassian.net")
	require.NoError(t, err)
	_, _, err = c.Groups.Members(t.Context(), "g", &GroupMembersOptions{ListOptions: ListOptions{Limit: 201}})
	require.ErrorContains(t, err, "page size 201 is above the endpoint maximum 200")
	_, _, err = c.Spaces.List(t.Context(), &SpaceListOptions{CursorOptions: CursorOptions{Limit: 251}})
	require.ErrorContains(t, err, "above the endpoint maximum 250")
	_, _, err = c.Groups.List(t.Context(), &GroupListOptions{ListOptions: ListOptions{Start: -1}})
	require.ErrorContains(t, err, "start -1 is negative")
	_, _, err = c.Users.Bulk(t.Context(), make([]string, 251))
	require.ErrorContains(t, err, "1 to 250 account ids, got 251")
	_, _, err = c.Users.Bulk(t.Context(), nil)
	require.ErrorContains(t, err, "got 0")
	_, _, err = c.SpaceRoles.List(t.Context(), &SpaceRoleListOptions{Principal: Principal{ID: "u"}})
	require.ErrorContains(t, err, "principal type and id must be given together")
	_, _, err = c.SpaceRoles.SetAssignments(t.Context(), "7", []RoleAssignment{{RoleID: "r"}})
	require.ErrorContains(t, err, "entry 0 has no principal")
}
