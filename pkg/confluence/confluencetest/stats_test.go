package confluencetest

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestStatsCounters(t *testing.T) {
	t.Parallel()
	srv := start(t, Small())
	c := newClient(t, srv)
	g := srv.Truth().Groups[0]
	c.do(http.MethodGet, "/wiki/rest/api/group", nil)
	c.do(http.MethodGet, "/wiki/rest/api/group?start=1", nil)
	c.do(http.MethodGet, "/wiki/rest/api/group/"+g.ID+"/membersByGroupId", nil)
	c.do(http.MethodGet, srv.GatewayURL()+"/wiki/rest/api/group/"+g.ID+"/membersByGroupId", nil)
	c.do(http.MethodGet, "/wiki/rest/api/nowhere", nil)
	st := srv.Stats()
	require.Equal(t, int64(5), st.Total)
	require.Equal(t, map[string]int64{RouteGroups: 2, RouteGroupMembers: 2, RouteUnknown: 1}, st.Routes)
	require.Equal(t, map[string]int64{"200": 4, "404": 1}, st.Statuses)
	require.Equal(t, int64(1), st.Gateway)
	require.Equal(t, int64(1), st.MaxConcurrent, "a sequential client")

	srv.ResetStats()
	st = srv.Stats()
	require.Zero(t, st.Total)
	require.Empty(t, st.Routes)
}

func TestStatsMaxConcurrent(t *testing.T) {
	t.Parallel()
	srv := start(t, Small())
	const n = 6
	arrived := make(chan struct{}, n)
	release := make(chan struct{})
	// The injected sleep holds every request until all n are in flight: no real sleeping.
	srv.SetFaults(Faults{Latency: time.Nanosecond, Sleep: func(ctx context.Context, _ time.Duration) {
		arrived <- struct{}{}
		select {
		case <-release:
		case <-ctx.Done():
		}
	}})
	var wg sync.WaitGroup
	statuses := make([]int, n)
	for i := range n {
		wg.Go(func() {
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL()+"/wiki/api/v2/spaces", nil)
			if err != nil {
				return
			}
			req.SetBasicAuth(DefaultUsername, DefaultAPIToken)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return
			}
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		})
	}
	for range n {
		<-arrived
	}
	require.Equal(t, int64(n), srv.Stats().MaxConcurrent)
	close(release)
	wg.Wait()
	for _, s := range statuses {
		require.Equal(t, 200, s)
	}
	srv.ResetStats()
	require.Zero(t, srv.Stats().MaxConcurrent, "nothing in flight after the reset")
}

func TestCloseAbortsDelayedRequests(t *testing.T) {
	t.Parallel()
	srv, err := NewServer(Small())
	require.NoError(t, err)
	srv.SetFaults(Faults{Latency: time.Hour}) // real sleep, interrupted by Close
	errc := make(chan error, 1)
	go func() {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL()+"/wiki/api/v2/spaces", nil)
		if err == nil {
			req.SetBasicAuth(DefaultUsername, DefaultAPIToken)
			var resp *http.Response
			if resp, err = http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
			}
		}
		errc <- err
	}()
	require.Eventually(t, func() bool { return srv.Stats().Total == 1 }, 5*time.Second, time.Millisecond)
	srv.Close()
	select {
	case err := <-errc:
		// Either outcome is fine (an aborted connection or a response): the request ended.
		t.Logf("delayed request ended: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not abort the delayed request")
	}
	srv.Close() // idempotent
}
