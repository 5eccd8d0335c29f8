package confluence

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// secretForms are every form of the test credentials that must never leak.
func secretForms() []string {
	pair := base64.StdEncoding.EncodeToString([]byte(testUser + ":" + testToken))
	return []string{testToken, pair, "Basic " + pair, "SECRET"}
}

func requireNoSecret(t *testing.T, what, s string) {
	t.Helper()
	for _, f := range secretForms() {
		require.NotContains(t, s, f, "%s leaks a secret", what)
	}
}

func TestSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	e := setup(t, WithRetryPolicy(RetryPolicy{MaxAttempts: 2}))
	e.mux.HandleFunc("GET /wiki/rest/api/user/current", func(w http.ResponseWriter, r *http.Request) {
		// A hostile or buggy server echoing the credentials back.
		writeJSON(w, 401, fmt.Sprintf(`{"message":"bad creds %s / %s"}`, r.Header.Get("Authorization"), testToken))
	})
	e.mux.HandleFunc("GET /wiki/rest/api/group", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 500, `{"message":"`+r.Header.Get("Authorization")+`"}`)
	})
	e.mux.HandleFunc("GET /wiki/api/v2/spaces", func(w http.ResponseWriter, _ *http.Request) { hijackClose(w) })
	e.mux.HandleFunc("GET /wiki/api/v2/space-role-mode", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "1")
		writeJSON(w, 429, `{"message":"`+testToken+`"}`)
	})

	var errs []error
	_, _, err := e.client.Users.Current(t.Context(), nil)
	errs = append(errs, err)
	require.ErrorIs(t, err, ErrUnauthorized)
	require.Equal(t, "authentication failed for bot@example.com at "+e.server.URL+": check the username and API token (status 401)", err.Error())
	_, _, err = e.client.Groups.List(t.Context(), nil)
	errs = append(errs, err)
	_, _, err = e.client.Spaces.List(t.Context(), nil)
	errs = append(errs, err)
	_, _, err = e.client.SpaceRoles.Mode(t.Context())
	errs = append(errs, err)

	// A network error: nothing listens any more.
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	c2, err := NewClient(deadURL, WithBasicAuth(testUser, testToken), WithSleep((&fakeSleep{}).sleep))
	require.NoError(t, err)
	_, _, err = c2.Groups.List(t.Context(), nil)
	errs = append(errs, err)

	for i, err := range errs {
		require.Error(t, err, "case %d", i)
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
			requireNoSecret(t, fmt.Sprintf("error %d with %s", i, verb), fmt.Sprintf(verb, err))
		}
		var apiErr *Error
		if errors.As(err, &apiErr) {
			requireNoSecret(t, "Error.Body", apiErr.Body)
			requireNoSecret(t, "Error.Message", apiErr.Message)
		}
	}
	for _, ev := range e.events.all() {
		requireNoSecret(t, "event", fmt.Sprintf("%+v %#v", ev, ev))
	}
	for _, c := range []*Client{e.client, c2} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			requireNoSecret(t, "client "+verb, fmt.Sprintf(verb, c))
			requireNoSecret(t, "client value "+verb, fmt.Sprintf(verb, *c))
			requireNoSecret(t, "credentials "+verb, fmt.Sprintf(verb, c.creds))
		}
	}
	require.Contains(t, fmt.Sprintf("%+v", e.client), "bot@example.com")
}

func TestPermissionExists(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		body   string
		exists bool
	}{
		{name: "already exists", body: `{"statusCode":400,"message":"Permission already exists for space ENG"}`, exists: true},
		{name: "v2 style", body: `{"errors":[{"title":"Permission Already Exists"}]}`, exists: true},
		{name: "other 400", body: `{"statusCode":400,"message":"User needs read space permission first"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			e.mux.HandleFunc("POST /wiki/rest/api/space/{key}/permission", func(w http.ResponseWriter, _ *http.Request) {
				writeJSON(w, 400, tc.body)
			})
			_, _, err := e.client.Spaces.AddPermission(t.Context(), "ENG", SpacePermissionRequest{
				Subject: PermissionSubject{Type: "user", Identifier: "u"}, Operation: PermissionOperation{Key: "create", Target: "page"}})
			require.ErrorIs(t, err, ErrBadRequest)
			require.Equal(t, tc.exists, errors.Is(err, ErrPermissionExists))
		})
	}
}

func TestErrorBodyTruncated(t *testing.T) {
	t.Parallel()
	e := setup(t)
	long := strings.Repeat("é", 2000)
	e.mux.HandleFunc("GET /wiki/rest/api/group", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 404, `{"message":"`+long+`"}`)
	})
	_, _, err := e.client.Groups.List(t.Context(), nil)
	var apiErr *Error
	require.ErrorAs(t, err, &apiErr)
	require.LessOrEqual(t, len(apiErr.Body), maxErrorBody+len("…"))
	require.LessOrEqual(t, len(apiErr.Message), maxErrorBody+len("…"))
	require.True(t, strings.HasPrefix(apiErr.Body, `{"message":"éé`))
	require.Contains(t, err.Error(), "GET /wiki/rest/api/group: status 404 Not Found: éé")
}

// TestRedirectDropsAuthorization: a redirect to another host never carries the credentials; a
// redirect on the same host keeps them.
func TestRedirectDropsAuthorization(t *testing.T) {
	t.Parallel()
	var otherAuth, sameAuth string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherAuth = r.Header.Get("Authorization")
		writeJSON(w, 200, okGroups)
	}))
	t.Cleanup(other.Close)
	e := setup(t)
	otherURL := strings.Replace(other.URL, "127.0.0.1", "localhost", 1) // another host name
	e.mux.HandleFunc("GET /wiki/rest/api/group", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, otherURL+"/elsewhere", http.StatusFound)
	})
	e.mux.HandleFunc("GET /wiki/api/v2/spaces", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/wiki/api/v2/spaces2", http.StatusFound)
	})
	e.mux.HandleFunc("GET /wiki/api/v2/spaces2", func(w http.ResponseWriter, r *http.Request) {
		sameAuth = r.Header.Get("Authorization")
		writeJSON(w, 200, `{"results":[]}`)
	})
	_, _, err := e.client.Groups.List(t.Context(), nil)
	require.NoError(t, err)
	require.Empty(t, otherAuth)
	_, _, err = e.client.Spaces.List(t.Context(), nil)
	require.NoError(t, err)
	require.NotEmpty(t, sameAuth)
}

func TestTLSMinimum(t *testing.T) {
	t.Parallel()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 200, `{"cloudId":"c"}`)
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(srv.URL, WithHTTPClient(srv.Client()), WithBasicAuth(testUser, testToken))
	require.NoError(t, err)
	tr, ok := c.transport.base.(*http.Transport)
	require.True(t, ok)
	require.GreaterOrEqual(t, tr.TLSClientConfig.MinVersion, uint16(0x0303))
	info, _, err := c.Tenant.Info(t.Context())
	require.NoError(t, err)
	require.Equal(t, "c", info.CloudID)
	require.Zero(t, srv.Client().Transport.(*http.Transport).TLSClientConfig.MinVersion, "caller's client untouched")
}
