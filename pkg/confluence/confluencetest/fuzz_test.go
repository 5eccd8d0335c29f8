package confluencetest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

var (
	fuzzOnce sync.Once
	fuzzSrv  *Server
	fuzzErr  error
)

// fuzzServer is one RBAC-enabled Small tenant shared by all fuzz inputs (built without
// listening; requests go straight to the handler).
func fuzzServer() (*Server, error) {
	fuzzOnce.Do(func() { fuzzSrv, fuzzErr = newUnstarted(withRBAC(Small())) })
	return fuzzSrv, fuzzErr
}

var fuzzStatuses = map[int]bool{200: true, 201: true, 204: true, 400: true, 401: true, 403: true, 404: true,
	413: true, 415: true}

// FuzzHandler sends arbitrary requests (with valid credentials) and checks that the simulator
// never panics, answers a known status, and sends valid JSON whenever it declares JSON.
func FuzzHandler(f *testing.F) {
	f.Add("GET", "/wiki/rest/api/group", "limit=2&start=1", []byte(nil))
	f.Add("GET", "/wiki/rest/api/search/user", "cql=type%3Duser&sitePermissionTypeFilter=all&limit=-3", []byte(nil))
	f.Add("GET", "/wiki/api/v2/spaces", "cursor=eyJrIjoic3BhY2VzIiwiYSI6Mn0%3D&limit=250&sort=-name", []byte(nil))
	f.Add("POST", "/wiki/api/v2/users-bulk", "", []byte(`{"accountIds":["a","b"]}`))
	f.Add("POST", "/wiki/rest/api/space/X/permission", "", []byte(`{"subject":{"type":"user","identifier":"u"},"operation":{"key":"read","target":"space"}}`))
	f.Add("DELETE", "/wiki/rest/api/space/~a:b/permission/12", "", []byte(nil))
	f.Add("POST", "/wiki/api/v2/spaces/1/role-assignments", "", []byte(`[{"principal":{"principalType":"USER","principalId":"x"}}]`))
	f.Fuzz(func(t *testing.T, method, path, query string, body []byte) {
		srv, err := fuzzServer()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "/_sim/") {
			return
		}
		req, err := http.NewRequestWithContext(t.Context(), method, "http://sim.test"+path+"?"+query, bytes.NewReader(body))
		if err != nil {
			return
		}
		req.SetBasicAuth(DefaultUsername, DefaultAPIToken)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Atlassian-Token", "no-check")
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		if !fuzzStatuses[rec.Code] && rec.Code != 301 && rec.Code != 307 && rec.Code != 308 {
			t.Fatalf("%s %s?%s: unexpected status %d: %s", method, path, query, rec.Code, rec.Body)
		}
		if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") && !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s %s?%s: invalid JSON: %s", method, path, query, rec.Body)
		}
	})
}
