package connector_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/pkg/config"
	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"
	"github.com/baton-confluence/baton-confluence/pkg/connector/connectortest"

	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// searchFront sits in front of the simulator's user search: it may rewrite a request (tamper),
// answers through gate when set, and records the starts asked for, the most search requests in
// flight at once and the size of every users-bulk request.
type searchFront struct {
	tamper func(w http.ResponseWriter, r *http.Request) bool // true: answered, do not forward
	gate   *gate

	mu       gosync.Mutex
	starts   []int
	bulk     []int
	inFlight atomic.Int64
	maxSeen  atomic.Int64
}

func (f *searchFront) url(t *testing.T, srv *confluencetest.Server) string {
	inner := srv.Handler()
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/wiki/rest/api/search/user":
			n := f.inFlight.Add(1)
			defer f.inFlight.Add(-1)
			for m := f.maxSeen.Load(); n > m && !f.maxSeen.CompareAndSwap(m, n); m = f.maxSeen.Load() {
			}
			start, _ := strconv.Atoi(r.URL.Query().Get("start"))
			f.mu.Lock()
			f.starts = append(f.starts, start)
			f.mu.Unlock()
			if f.gate != nil && start > 0 {
				f.gate.wait(r)
			}
			if f.tamper != nil && f.tamper(w, r) {
				return
			}
		case "/wiki/api/v2/users-bulk":
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			var req struct {
				AccountIDs []string `json:"accountIds"`
			}
			_ = json.Unmarshal(body, &req)
			f.mu.Lock()
			f.bulk = append(f.bulk, len(req.AccountIDs))
			f.mu.Unlock()
		}
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	return front.URL
}

// gate holds requests until k of them wait together, then lets that group through; a request
// still alone after the fallback timer goes through and marks the gate as missed (the listing
// was more sequential than required). It never delays a correct client.
type gate struct {
	mu      gosync.Mutex
	k, n    int
	release chan struct{}
	missed  atomic.Bool
}

func newGate(k int) *gate { return &gate{k: k, release: make(chan struct{})} }

func (g *gate) wait(r *http.Request) {
	g.mu.Lock()
	g.n++
	ch := g.release
	if g.n == g.k {
		close(ch)
		g.n, g.release = 0, make(chan struct{})
	}
	g.mu.Unlock()
	select {
	case <-ch:
	case <-r.Context().Done():
	case <-time.After(5 * time.Second):
		g.missed.Store(true)
	}
}

// searchTenant is a tenant whose search takes pages pages of 200 (the last one short).
func searchTenant(pages int) confluencetest.Config {
	c := confluencetest.Small()
	c.Users, c.Groups, c.MembersPerGroup, c.Spaces, c.PersonalSpaces, c.PermissionsPerSpace = pages*200-150, 6, 20, 2, 0, 3
	c.Guests, c.Unlicensed, c.Deactivated, c.Bots, c.Customers = 30, 60, 60, 5, 5
	return c
}

// listUsers lists every user through the connector alone and checks them against the truth.
func listUsers(t *testing.T, srv *confluencetest.Server, url string) {
	t.Helper()
	conn := newConnector(t, srv, func(c *config.Config) { c.DomainURL = url })
	ctx := t.Context()
	_, err := conn.Validate(ctx)
	require.NoError(t, err)
	users, err := listAll(ctx, conn.ResourceSyncers(ctx)[0], nil)
	require.NoError(t, err)
	want := connectortest.ReachableUsers(srv.Truth())
	got := map[string]*v2.Resource{}
	for _, u := range users {
		got[u.GetId().GetResource()] = u
	}
	require.Equal(t, len(want), len(users), "every reachable user")
	require.Equal(t, len(want), len(got), "each user once")
	for _, u := range want {
		require.Contains(t, got, u.AccountID)
	}
}

func searchCount(srv *confluencetest.Server) int64 {
	return srv.Stats().Routes[confluencetest.RouteSearchUsers]
}

// TestSearchPagesFetchedConcurrently: once the first page came back full, the next pages of the
// batch are in flight together.
func TestSearchPagesFetchedConcurrently(t *testing.T) {
	t.Parallel()
	srv := startSim(t, searchTenant(4))
	f := &searchFront{gate: newGate(3)}
	listUsers(t, srv, f.url(t, srv))
	require.False(t, f.gate.missed.Load(), "pages 2-4 were requested together")
	require.EqualValues(t, 3, f.maxSeen.Load())
	require.Equal(t, []int{0}, f.starts[:1], "the first page is fetched alone")
	require.EqualValues(t, 4, searchCount(srv), "four pages, none wasted")
}

// TestSearchBulkAcrossPages: users-bulk is asked once per List call (at most 250 ids each), not
// once per search page.
func TestSearchBulkAcrossPages(t *testing.T) {
	t.Parallel()
	srv := startSim(t, searchTenant(12))
	f := &searchFront{}
	listUsers(t, srv, f.url(t, srv))
	// 12 pages: a first call of 4 pages and a second of 8; every account without operations is
	// found by the search.
	require.EqualValues(t, 12, searchCount(srv))
	require.Len(t, f.bulk, 2, "one users-bulk per List call: %v", f.bulk)
	for _, n := range f.bulk {
		require.LessOrEqual(t, n, 250)
		require.Positive(t, n)
	}
}

func TestSearchPaging(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		pages   int
		pageCap int
		tamper  func(w http.ResponseWriter, r *http.Request) bool
		// wantMax is the most search requests; wantSequential: never two in flight.
		wantMax        int64
		wantSequential bool
	}{
		{name: "one short page", pages: 1, wantMax: 1},
		{name: "long list", pages: 20, wantMax: 20 + 7},
		{name: "server caps pages at 150: sequential", pages: 6, pageCap: 150, wantMax: 7, wantSequential: true},
		{name: "a short page in the middle", pages: 9, wantMax: 9 + 2 + 8,
			tamper: func(_ http.ResponseWriter, r *http.Request) bool {
				if q := r.URL.Query(); q.Get("start") == "400" {
					q.Set("limit", "150") // the server returns 150 entries and a next link
					r.URL.RawQuery = q.Encode()
				}
				return false
			}},
		{name: "errors past the end are ignored", pages: 5, wantMax: 5 + 7,
			tamper: func(w http.ResponseWriter, r *http.Request) bool {
				if start, _ := strconv.Atoi(r.URL.Query().Get("start")); start >= 5*200 {
					status(http.StatusBadRequest, `{"statusCode":400,"message":"start is past the end"}`)(w, r)
					return true
				}
				return false
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := searchTenant(tc.pages)
			cfg.SearchPageCap = tc.pageCap
			srv := startSim(t, cfg)
			f := &searchFront{tamper: tc.tamper}
			listUsers(t, srv, f.url(t, srv))
			require.LessOrEqual(t, searchCount(srv), tc.wantMax, "starts: %v", f.starts)
			if tc.wantSequential {
				require.EqualValues(t, 1, f.maxSeen.Load(), "no page fetched ahead")
			}
		})
	}
}
