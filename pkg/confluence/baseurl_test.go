package confluence

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNewClientBaseURL(t *testing.T) {
	t.Parallel()
	creds := WithBasicAuth(testUser, testToken)
	tests := []struct {
		name    string
		in      string
		opts    []Option
		want    string // BaseURL()
		wantErr string
	}{
		{name: "bare site", in: "acme.atlassian.net", want: "https://acme.atlassian.net"},
		{name: "bare site with outer white space", in: "  acme.atlassian.net\n", want: "https://acme.atlassian.net"},
		{name: "https", in: "https://acme.atlassian.net", want: "https://acme.atlassian.net"},
		{name: "trailing slash", in: "https://acme.atlassian.net/", want: "https://acme.atlassian.net"},
		{name: "wiki suffix", in: "https://acme.atlassian.net/wiki", want: "https://acme.atlassian.net"},
		{name: "wiki suffix and slash", in: "https://acme.atlassian.net/wiki/", want: "https://acme.atlassian.net"},
		{name: "bare site with wiki", in: "acme.atlassian.net/wiki", want: "https://acme.atlassian.net"},
		{name: "upper case", in: "HTTPS://ACME.Atlassian.NET/WIKI/", want: "https://acme.atlassian.net"},
		{name: "port", in: "https://acme.example.com:8443", want: "https://acme.example.com:8443"},
		{name: "gateway", in: "https://api.atlassian.com/ex/confluence/1f2e-3d4c", want: "https://api.atlassian.com/ex/confluence/1f2e-3d4c"},
		{name: "gateway with wiki and slash", in: "https://api.atlassian.com/ex/confluence/1f2e-3d4c/wiki/", want: "https://api.atlassian.com/ex/confluence/1f2e-3d4c"},
		{name: "loopback v4", in: "http://127.0.0.1:8080", opts: []Option{creds}, want: "http://127.0.0.1:8080"},
		{name: "loopback v6", in: "http://[::1]:8080/", opts: []Option{creds}, want: "http://[::1]:8080"},
		{name: "localhost", in: "http://localhost:9", opts: []Option{creds}, want: "http://localhost:9"},
		{name: "plain http without credentials", in: "http://acme.example.com", want: "http://acme.example.com"},
		{name: "empty", in: "", wantErr: "domain URL is empty"},
		{name: "only spaces", in: "   ", wantErr: "domain URL is empty"},
		{name: "inner space", in: "acme .atlassian.net", wantErr: "contains white space"},
		{name: "query", in: "https://acme.atlassian.net/?x=1", wantErr: "must not contain a query string"},
		{name: "bare query mark", in: "https://acme.atlassian.net?", wantErr: "must not contain a query string"},
		{name: "fragment", in: "https://acme.atlassian.net/#top", wantErr: "must not contain a fragment"},
		{name: "ftp", in: "ftp://acme.atlassian.net", wantErr: `unsupported scheme "ftp"`},
		{name: "no host", in: "https://", wantErr: "has no host"},
		{name: "userinfo", in: "https://me:pw@acme.atlassian.net", wantErr: "must not contain credentials"},
		{name: "plain http with credentials", in: "http://acme.example.com", opts: []Option{creds},
			wantErr: "refusing to send credentials over plain http to acme.example.com: use https"},
		{name: "plain http v6 non-loopback", in: "http://[2001:db8::1]:80", opts: []Option{creds},
			wantErr: "refusing to send credentials over plain http to 2001:db8::1: use https"},
		{name: "bad option", in: "acme.atlassian.net", opts: []Option{WithBasicAuth("", "x")}, wantErr: "needs both a username and an API token"},
		{name: "bad concurrency", in: "acme.atlassian.net", opts: []Option{WithMaxConcurrency(0)}, wantErr: "max concurrency 0 is below 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := NewClient(tc.in, tc.opts...)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				require.NotContains(t, err.Error(), "pw")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, c.BaseURL())
		})
	}
}

// TestEndpointsUnderPrefix checks that every endpoint hangs under the gateway prefix, and that
// tenant info is refused on the gateway.
func TestEndpointsUnderPrefix(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e := setupAt(t, srv, srv.URL+"/ex/confluence/cloud-1/wiki/", mux)
	mux.HandleFunc("GET /ex/confluence/cloud-1/wiki/rest/api/group", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 200, `{"results":[{"id":"g"}]}`)
	})
	mux.HandleFunc("GET /ex/confluence/cloud-1/wiki/api/v2/space-role-mode", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 200, `{"mode":"ROLES"}`)
	})
	g, _, err := e.client.Groups.List(t.Context(), nil)
	require.NoError(t, err)
	require.Len(t, g, 1)
	m, _, err := e.client.SpaceRoles.Mode(t.Context())
	require.NoError(t, err)
	require.Equal(t, RoleModeRoles, m.Mode)

	gw, err := NewClient("https://api.atlassian.com/ex/confluence/abc")
	require.NoError(t, err)
	_, _, err = gw.Tenant.Info(t.Context())
	require.True(t, errors.Is(err, ErrGatewayTenantInfo))
}
