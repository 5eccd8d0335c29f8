package confluencetest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestAuth(t *testing.T) {
	t.Parallel()
	srv := start(t, Small())
	t.Run("cases", func(t *testing.T) { authCases(t, srv) })
	resp, err := http.Get(srv.URL() + "/_edge/tenant_info")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode, "tenant_info needs no auth")
	var info map[string]string
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&info))
	require.Equal(t, srv.Truth().CloudID, info["cloudId"])
	require.Equal(t, int64(4), srv.Stats().Unauthorized)
}

func authCases(t *testing.T, srv *Server) {
	for name, tc := range map[string]struct {
		user, token string
		path        string
		v2          bool
	}{
		"no credentials v1": {"", "", "/wiki/rest/api/group", false},
		"wrong token v1":    {DefaultUsername, "wrong", "/wiki/rest/api/user/current", false},
		"wrong user v2":     {"someone@example.com", DefaultAPIToken, "/wiki/api/v2/spaces", true},
		"unknown route":     {"", "", "/wiki/rest/api/nothing", false},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := newClient(t, srv)
			req, err := http.NewRequest(http.MethodGet, srv.URL()+tc.path, nil)
			require.NoError(t, err)
			if tc.user != "" {
				req.SetBasicAuth(tc.user, tc.token)
			}
			r := c.send(req)
			if tc.v2 {
				requireV2Error(t, r, 401)
			} else {
				e := requireV1Error(t, r, 401)
				require.False(t, e.Data.Authorized)
			}
			require.NotContains(t, string(r.body), DefaultAPIToken)
			require.NotContains(t, string(r.body), "wrong")
		})
	}
}

func TestCustomCredentials(t *testing.T) {
	t.Parallel()
	cfg := Small()
	cfg.Username, cfg.APIToken = "ops@corp.example", "tok-123"
	srv := start(t, cfg)
	c := newClient(t, srv)
	var me map[string]any
	c.getJSON("/wiki/rest/api/user/current", &me)
	require.Equal(t, "ops@corp.example", me["email"])
}

func TestGateway(t *testing.T) {
	t.Parallel()
	srv := start(t, Small())
	c := newClient(t, srv)
	tr := srv.Truth()
	require.Equal(t, srv.URL()+"/ex/confluence/"+tr.CloudID, srv.GatewayURL())
	g := tr.Groups[0]
	for _, path := range []string{
		"/wiki/rest/api/group?limit=2",
		"/wiki/api/v2/spaces?limit=2",
		"/wiki/rest/api/group/" + g.ID + "/membersByGroupId?limit=3",
		"/wiki/rest/api/search/user?cql=type%3Duser&limit=2",
	} {
		site := c.do(http.MethodGet, path, nil)
		gw := c.do(http.MethodGet, srv.GatewayURL()+path, nil)
		require.Equal(t, 200, gw.status, "%s", gw.body)
		require.Equal(t, string(site.body), string(gw.body), "links in bodies stay site-relative: %s", path)
		require.Equal(t, site.header.Get("Link"), gw.header.Get("Link"))
	}
	// Walking through the gateway: next links are site-relative, so the walker keeps the gateway
	// base and takes only the query.
	var p v2PageBody
	c.getJSON(srv.GatewayURL()+"/wiki/api/v2/spaces?limit=3", &p)
	require.True(t, strings.HasPrefix(p.Links.Next, "/wiki/api/v2/spaces?"))

	key := url.PathEscape(firstGlobal(t, tr).Key)
	r := c.do(http.MethodPost, srv.GatewayURL()+"/wiki/rest/api/space/"+key+"/permission", permBody("group", g.ID, "read", "space"))
	require.Contains(t, []int{200, 400}, r.status, "%s", r.body) // 400 when the group already reads

	requireV1Error(t, c.do(http.MethodGet, srv.URL()+"/ex/confluence/wrong-cloud/wiki/rest/api/group", nil), 404)
	requireV1Error(t, c.do(http.MethodGet, srv.GatewayURL()+"/rest/api/group", nil), 404)
	st := srv.Stats()
	require.Equal(t, int64(8), st.Gateway)
}

func TestDeterministicResponses(t *testing.T) {
	t.Parallel()
	cfg := withRBAC(Small())
	a, b := start(t, cfg), start(t, cfg)
	ca, cb := newClient(t, a), newClient(t, b)
	tr := a.Truth()
	sp := firstGlobal(t, tr)
	paths := []string{
		"/wiki/rest/api/user/current?expand=operations,personalSpace",
		"/wiki/rest/api/group?limit=3",
		"/wiki/rest/api/group/" + tr.Groups[2].ID + "/membersByGroupId?expand=operations",
		"/wiki/rest/api/search/user?cql=type=user&limit=200&sitePermissionTypeFilter=all&expand=operations",
		"/wiki/api/v2/spaces?limit=250",
		"/wiki/api/v2/spaces/" + sp.ID + "?include-operations=true&include-permissions=true",
		"/wiki/api/v2/spaces/" + sp.ID + "/permissions?limit=5",
		"/wiki/api/v2/space-roles",
		"/wiki/api/v2/spaces/" + sp.ID + "/role-assignments",
		"/wiki/api/v2/space-permissions",
	}
	for _, p := range paths {
		ra, rb := ca.do(http.MethodGet, p, nil), cb.do(http.MethodGet, p, nil)
		require.Equal(t, 200, ra.status, "%s: %s", p, ra.body)
		bodyA := strings.ReplaceAll(string(ra.body), a.URL(), "HOST")
		bodyB := strings.ReplaceAll(string(rb.body), b.URL(), "HOST")
		require.Equal(t, bodyA, bodyB, p)
	}
}

func TestControlEndpoints(t *testing.T) {
	t.Parallel()
	srv := start(t, Small())
	c := newClient(t, srv)
	c.do(http.MethodGet, "/wiki/rest/api/group", nil)

	get := func(path string, v any) {
		resp, err := http.Get(srv.URL() + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, 200, resp.StatusCode)
		require.NoError(t, json.NewDecoder(resp.Body).Decode(v))
	}
	var st Stats
	get("/_sim/stats", &st)
	require.Equal(t, int64(1), st.Total)
	require.Equal(t, int64(1), st.Routes[RouteGroups])

	var tr Truth
	get("/_sim/truth", &tr)
	require.Equal(t, srv.Truth(), &tr)

	put, err := http.NewRequest(http.MethodPut, srv.URL()+"/_sim/faults", strings.NewReader(`{"failureRate":1,"seed":5}`))
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(put)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	require.Equal(t, 1.0, srv.Faults().FailureRate)
	require.GreaterOrEqual(t, c.do(http.MethodGet, "/wiki/rest/api/group", nil).status, 500)
	var f Faults
	get("/_sim/faults", &f)
	require.Equal(t, int64(5), f.Seed)

	bad, err := http.NewRequest(http.MethodPut, srv.URL()+"/_sim/faults", strings.NewReader(`{"failureRate":3}`))
	require.NoError(t, err)
	resp, err = http.DefaultClient.Do(bad)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)

	resp, err = http.Post(srv.URL()+"/_sim/stats/reset", "", bytes.NewReader(nil))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	get("/_sim/stats", &st)
	require.Zero(t, st.Total)

	resp, err = http.Get(srv.URL() + "/_sim/nothing")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestHandlerInAnotherServer(t *testing.T) {
	t.Parallel()
	srv := start(t, Small())
	req := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "http://sim.test/wiki/rest/api/group?limit=1", nil)
	req.SetBasicAuth(DefaultUsername, DefaultAPIToken)
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, req)
	require.Equal(t, 200, rec.Code)
	require.Contains(t, rec.Body.String(), `"base":"http://sim.test/wiki"`, "links follow the request host")
}

func TestObserve(t *testing.T) {
	t.Parallel()
	type seen struct {
		path    string
		status  int
		retry   string
		arrived time.Time
	}
	var got []seen
	h := Observe(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/busy" {
			w.Header().Set("Retry-After", "3")
			w.WriteHeader(http.StatusTooManyRequests)
			w.WriteHeader(http.StatusInternalServerError) // ignored by net/http, and here
			return
		}
		_, _ = w.Write([]byte("ok"))
	}), func(r *http.Request, arrived time.Time, status int, header http.Header) {
		got = append(got, seen{r.URL.Path, status, header.Get("Retry-After"), arrived})
	})
	before := time.Now()
	for _, p := range []string{"/ok", "/busy"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p, nil))
	}
	require.Len(t, got, 2)
	require.Equal(t, []string{"/ok", "/busy"}, []string{got[0].path, got[1].path})
	require.Equal(t, []int{http.StatusOK, http.StatusTooManyRequests}, []int{got[0].status, got[1].status})
	require.Equal(t, []string{"", "3"}, []string{got[0].retry, got[1].retry})
	require.False(t, got[0].arrived.Before(before))
}
