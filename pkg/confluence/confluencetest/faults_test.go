package confluencetest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// sleepLog records the delays the server asks for instead of sleeping.
type sleepLog struct {
	mu sync.Mutex
	ds []time.Duration
}

func (l *sleepLog) sleep(_ context.Context, d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ds = append(l.ds, d)
}

func (l *sleepLog) all() []time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]time.Duration{}, l.ds...)
}

func TestFaultLatency(t *testing.T) {
	t.Parallel()
	srv := start(t, Small())
	c := newClient(t, srv)
	log := &sleepLog{}
	srv.SetFaults(Faults{Latency: 50 * time.Millisecond, Jitter: 10 * time.Millisecond,
		SpikeRate: 0.25, SpikeLatency: 2 * time.Second, Sleep: log.sleep})
	for range 80 {
		require.Equal(t, 200, c.do(http.MethodGet, "/wiki/rest/api/group", nil).status)
	}
	spikes := 0
	for _, d := range log.all() {
		if d >= 2*time.Second {
			spikes++
			d -= 2 * time.Second
		}
		require.GreaterOrEqual(t, d, 50*time.Millisecond)
		require.Less(t, d, 60*time.Millisecond)
	}
	require.Len(t, log.all(), 80)
	require.Greater(t, spikes, 5)
	require.Less(t, spikes, 40)
}

// fakeClock is a settable clock for the rate limiter.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

func TestFaultRateLimit(t *testing.T) {
	t.Parallel()
	srv := start(t, Small())
	c := newClient(t, srv)
	clock := &fakeClock{now: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
	srv.SetFaults(Faults{RateLimit: 2, Burst: 4, Now: clock.Now})
	for i := range 4 {
		r := c.do(http.MethodGet, "/wiki/rest/api/group", nil)
		require.Equal(t, 200, r.status)
		require.Equal(t, "4", r.header.Get("X-RateLimit-Limit"))
		require.Equal(t, strconv.Itoa(3-i), r.header.Get("X-RateLimit-Remaining"))
		require.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\dZ$`, r.header.Get("X-RateLimit-Reset"))
		near := r.header.Get("X-RateLimit-NearLimit")
		if i == 3 {
			require.Equal(t, "true", near, "less than 20 % left")
		} else {
			require.Empty(t, near)
		}
	}
	r := c.do(http.MethodGet, "/wiki/api/v2/spaces", nil)
	requireV2Error(t, r, http.StatusTooManyRequests)
	require.Equal(t, "1", r.header.Get("Retry-After"))
	require.Equal(t, "0", r.header.Get("X-RateLimit-Remaining"))
	require.Equal(t, "true", r.header.Get("X-RateLimit-NearLimit"))

	clock.advance(600 * time.Millisecond)
	require.Equal(t, 200, c.do(http.MethodGet, "/wiki/rest/api/group", nil).status, "a token refilled")
	require.Equal(t, 429, c.do(http.MethodGet, "/wiki/rest/api/group", nil).status)
	clock.advance(10 * time.Second)
	require.Equal(t, 200, c.do(http.MethodGet, "/wiki/rest/api/group", nil).status)
	require.Equal(t, int64(2), srv.Stats().Throttled)
}

func TestFaultFailures(t *testing.T) {
	t.Parallel()
	srv := start(t, Small())
	c := newClient(t, srv)
	srv.SetFaults(Faults{FailureRate: 1, Seed: 3})
	kinds := map[string]int{}
	for range 60 {
		r := c.do(http.MethodGet, "/wiki/rest/api/group", nil)
		requireV1Error(t, r, r.status)
		switch {
		case r.status == 500:
			kinds["500"]++
		case r.status == 503 && r.header.Get("Retry-After") == "1":
			kinds["503-retry-after"]++
		case r.status == 503:
			kinds["503"]++
		default:
			t.Fatalf("unexpected status %d", r.status)
		}
	}
	require.Len(t, kinds, 3, "500, 503 with and without Retry-After all occur: %v", kinds)
	st := srv.Stats()
	for k, n := range kinds {
		require.Equal(t, int64(n), st.Faults[k], k)
	}
}

func TestFaultBodies(t *testing.T) {
	t.Parallel()
	srv := start(t, Small())
	c := newClient(t, srv)

	srv.SetFaults(Faults{MalformedRate: 1})
	r := c.do(http.MethodGet, "/wiki/rest/api/group", nil)
	require.Equal(t, 200, r.status)
	require.Contains(t, r.header.Get("Content-Type"), "application/json")
	require.False(t, json.Valid(r.body), "malformed body")
	require.Equal(t, strconv.Itoa(len(r.body)), r.header.Get("Content-Length"))
	require.Equal(t, 404, c.do(http.MethodGet, "/wiki/rest/api/group/by-id?id=x", nil).status, "errors pass through")

	srv.SetFaults(Faults{HTMLRate: 1})
	r = c.do(http.MethodGet, "/wiki/rest/api/group", nil)
	require.Equal(t, 200, r.status)
	require.Contains(t, r.header.Get("Content-Type"), "text/html")
	require.Contains(t, string(r.body), "<html>")

	srv.SetFaults(Faults{TruncatedRate: 1})
	req, err := http.NewRequest(http.MethodGet, srv.URL()+"/wiki/rest/api/group", nil)
	require.NoError(t, err)
	req.SetBasicAuth(c.user, c.token)
	resp, err := c.hc.Do(req)
	require.NoError(t, err, "headers arrive")
	_, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	require.ErrorIs(t, err, io.ErrUnexpectedEOF, "the body ends early")

	srv.SetFaults(Faults{DropRate: 1})
	req, err = http.NewRequest(http.MethodGet, srv.URL()+"/wiki/rest/api/group", nil)
	require.NoError(t, err)
	req.SetBasicAuth(c.user, c.token)
	resp, err = c.hc.Do(req)
	if err == nil {
		resp.Body.Close()
	}
	require.Error(t, err, "the connection is closed without an answer")

	st := srv.Stats()
	for _, k := range []string{"malformed", "html", "truncated", "drop"} {
		require.Positive(t, st.Faults[k], k)
	}
	require.Positive(t, st.Statuses["0"], "dropped requests count with status 0")
}

func TestFaultRevokeAfter(t *testing.T) {
	t.Parallel()
	srv := start(t, Small())
	c := newClient(t, srv)
	srv.SetFaults(Faults{RevokeAfter: 3})
	for range 3 {
		require.Equal(t, 200, c.do(http.MethodGet, "/wiki/rest/api/user/current", nil).status)
	}
	requireV1Error(t, c.do(http.MethodGet, "/wiki/rest/api/user/current", nil), 401)
	requireV2Error(t, c.do(http.MethodGet, "/wiki/api/v2/spaces", nil), 401)
	require.Equal(t, int64(2), srv.Stats().Faults["revoked"])
}

func TestFaultVanished(t *testing.T) {
	t.Parallel()
	srv := start(t, withRBAC(Small()))
	c := newClient(t, srv)
	tr := srv.Truth()
	g, sp := tr.Groups[2], firstGlobal(t, tr)
	srv.SetFaults(Faults{VanishedGroups: []string{g.ID}, VanishedSpaces: []string{sp.Key}})

	require.Contains(t, fields(t, c.walkV1("/wiki/rest/api/group"), func(o idObj) string { return o.ID }), g.ID)
	require.Contains(t, fields(t, c.walkV2("/wiki/api/v2/spaces?limit=250"), func(o idObj) string { return o.ID }), sp.ID)
	for _, p := range []string{"/wiki/rest/api/group/by-id?id=" + g.ID, "/wiki/rest/api/group/" + g.ID + "/membersByGroupId"} {
		requireV1Error(t, c.do(http.MethodGet, p, nil), 404)
	}
	requireV1Error(t, c.do(http.MethodPost, "/wiki/rest/api/group/userByGroupId?groupId="+g.ID, map[string]string{"accountId": tr.Users[1].AccountID}), 404)
	for _, p := range []string{"/wiki/api/v2/spaces/" + sp.ID, "/wiki/api/v2/spaces/" + sp.ID + "/permissions", "/wiki/api/v2/spaces/" + sp.ID + "/role-assignments"} {
		requireV2Error(t, c.do(http.MethodGet, p, nil), 404)
	}
	requireV1Error(t, c.do(http.MethodPost, "/wiki/rest/api/space/"+sp.Key+"/permission", permBody("group", g.ID, "read", "space")), 404)
	require.Equal(t, int64(7), srv.Stats().Faults["vanished"])
}

func TestFaultRoutesFilter(t *testing.T) {
	t.Parallel()
	srv := start(t, Small())
	c := newClient(t, srv)
	srv.SetFaults(Faults{FailureRate: 1, Routes: []string{RouteSpaces}})
	require.Equal(t, 200, c.do(http.MethodGet, "/wiki/rest/api/group", nil).status)
	require.GreaterOrEqual(t, c.do(http.MethodGet, "/wiki/api/v2/spaces", nil).status, 500)
}

func TestFaultDeterministic(t *testing.T) {
	t.Parallel()
	run := func(seed int64) []int {
		srv := start(t, Small())
		c := newClient(t, srv)
		srv.SetFaults(Faults{FailureRate: 0.2, MalformedRate: 0.1, HTMLRate: 0.1, Seed: seed})
		out := make([]int, 60)
		for i := range out {
			r := c.do(http.MethodGet, "/wiki/rest/api/group?limit=2", nil)
			out[i] = r.status
			if r.status == 200 && !json.Valid(r.body) {
				out[i] = -1
			}
		}
		return out
	}
	a := run(11)
	require.Equal(t, a, run(11), "same seed, same faults")
	require.NotEqual(t, a, run(12))
	require.Contains(t, a, 200)
	require.Contains(t, a, -1)
}

func TestFaultLandBeforeFail(t *testing.T) {
	t.Parallel()
	for _, land := range []bool{false, true} {
		srv := start(t, Small())
		c := newClient(t, srv)
		tr := srv.Truth()
		g := tr.Groups[0]
		uid := tr.Users[len(tr.Users)-1].AccountID
		srv.SetFaults(Faults{FailureRate: 1, LandBeforeFail: land})
		r := c.do(http.MethodPost, "/wiki/rest/api/group/userByGroupId?groupId="+g.ID, map[string]string{"accountId": uid})
		require.GreaterOrEqual(t, r.status, 500)
		after, _ := srv.Truth().Group(g.ID)
		require.Equal(t, land, after.Members[len(after.Members)-1] == uid, "land=%v", land)
	}
}

func TestSetFaultsInvalid(t *testing.T) {
	t.Parallel()
	srv := start(t, Small())
	require.Panics(t, func() { srv.SetFaults(Faults{DropRate: 2}) })
}
