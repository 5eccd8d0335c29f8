package connector_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/pkg/config"
	"github.com/baton-confluence/baton-confluence/pkg/confluence"
	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"
	"github.com/baton-confluence/baton-confluence/pkg/connector"

	"github.com/baton-confluence/baton-confluence/internal/baton/connectorbuilder"
)

// overrideSim serves the simulator but answers the given paths itself.
func overrideSim(t *testing.T, srv *confluencetest.Server, overrides map[string]http.HandlerFunc) string {
	t.Helper()
	inner := srv.Handler()
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h, ok := overrides[r.URL.Path]; ok {
			h(w, r)
			return
		}
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	return front.URL
}

func status(code int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_, _ = w.Write([]byte(body))
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	const notFound = `{"errors"
	"fmt":[{"status":404,"code":"NOT_FOUND","title":"Not found"}]}`
	for _, tc := range []struct {
		name      string
		rbacSim   bool
		useRBAC   bool
		badKey    bool
		overrides map[string]http.HandlerFunc
		wantErr   string
		wantIs    error
		routes    int64 // requests sent
	}{
		{name: "ok", routes: 1},
		{name: "ok with rbac", rbacSim: true, useRBAC: true, routes: 3},
		{name: "bad api token", badKey: true, wantIs: confluence.ErrUnauthorized,
			wantErr: "authentication failed for admin@example.com at 127.0.0.1: check the username and API token", routes: 1},
		{name: "rbac mode pre-roles", useRBAC: true, routes: 2,
			wantErr: "RBAC is not enabled on 127.0.0.1 (space role mode is PRE_ROLES): turn on space roles in Confluence or run without --use-rbac"},
		{name: "rbac mode 404", rbacSim: true, useRBAC: true, wantIs: confluence.ErrNotFound,
			overrides: map[string]http.HandlerFunc{"/wiki/api/v2/space-role-mode": status(404, notFound)},
			wantErr:   "RBAC is not available on 127.0.0.1 (space-role-mode returned 404): run without --use-rbac", routes: 1},
		{name: "rbac roles 404", rbacSim: true, useRBAC: true, wantIs: confluence.ErrNotFound,
			overrides: map[string]http.HandlerFunc{"/wiki/api/v2/space-roles": status(404, notFound)},
			wantErr:   "RBAC space roles are not available on 127.0.0.1 (space-roles returned 404): run without --use-rbac", routes: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := confluencetest.Small()
			cfg.RBAC = tc.rbacSim
			srv := startSim(t, cfg)
			url := srv.URL()
			if tc.overrides != nil {
				url = overrideSim(t, srv, tc.overrides)
			}
			conn := newConnector(t, srv, func(c *config.Config) {
				c.DomainURL, c.UseRBAC = url, tc.useRBAC
				if tc.badKey {
					c.APIKey = "wrong-secret-token"
				}
			})
			_, err := conn.Validate(t.Context())
			require.Equal(t, tc.routes, srv.Stats().Total)
			if tc.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.EqualError(t, err, tc.wantErr)
			if tc.wantIs != nil {
				require.ErrorIs(t, err, tc.wantIs)
			}
			require.NotContains(t, err.Error(), "wrong-secret-token")
		})
	}
}

// TestRetryableErrorsPassThrough: a rate limit the client gave up on reaches the engine with its
// RetryAfter, from Validate and from a syncer.
func TestRetryableErrorsPassThrough(t *testing.T) {
	t.Parallel()
	srv := startSim(t, confluencetest.Small())
	limited := func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "7")
		status(http.StatusTooManyRequests, `{"message":"Rate limit exceeded"}`)(w, nil)
	}
	url := overrideSim(t, srv, map[string]http.HandlerFunc{"/wiki/rest/api/user/current": limited, "/wiki/api/v2/spaces": limited})
	conn := newConnector(t, srv, func(c *config.Config) { c.DomainURL = url },
		connector.WithClientOptions(confluence.WithRetryPolicy(confluence.RetryPolicy{MaxAttempts: 2})))
	_, err := conn.Validate(t.Context())
	wait, ok := connectorbuilder.RetryAfter(err)
	require.True(t, ok, "validate: %v", err)
	require.Equal(t, 7*time.Second, wait)

	spaces := conn.ResourceSyncers(t.Context())[2]
	_, _, _, err = spaces.List(t.Context(), nil, "")
	wait, ok = connectorbuilder.RetryAfter(err)
	require.True(t, ok, "list spaces: %v", err)
	require.Equal(t, 7*time.Second, wait)
	require.True(t, connectorbuilder.IsTransient(err))
	var rl *confluence.RateLimitError
	require.True(t, errors.As(err, &rl))
}

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, err := connector.New(ctx, config.Config{DomainURL: "https://acme.atlassian.net", Username: "u", APIKey: "k", Nouns: []string{"folder"}})
	require.ErrorContains(t, err, `unknown --noun "folder"`)
	_, err = connector.New(ctx, config.Config{DomainURL: "https://acme.atlassian.net", Username: "u"})
	require.ErrorContains(t, err, "missing required --api-key")
	_, err = connector.New(ctx, config.Config{DomainURL: "https://acme.atlassian.net", Username: "u", APIKey: "k"}, connector.WithMembersBatch(0))
	require.ErrorContains(t, err, "members batch")
	c, err := connector.New(ctx, config.Config{DomainURL: "https://acme.atlassian.net", Username: "u", APIKey: "sekrit-api-key-123"})
	require.NoError(t, err, "empty noun and verb lists mean all")
	require.Len(t, c.ResourceSyncers(ctx), 5)
	printed := fmt.Sprintf("%v %+v %#v %s", c, c, c, c)
	require.Contains(t, printed, "acme.atlassian.net")
	require.False(t, strings.Contains(printed, "sekrit"), "no secret in the connector's printed form: %s", printed)
}

func TestFingerprint(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	base := config.Config{DomainURL: "https://acme.atlassian.net", Username: "u", APIKey: "k1"}
	fp := func(mutate func(*config.Config)) string {
		c := base
		if mutate != nil {
			mutate(&c)
		}
		conn, err := connector.New(ctx, c)
		require.NoError(t, err)
		return conn.Fingerprint()
	}
	ref := fp(nil)
	require.Len(t, ref, 32)
	require.Equal(t, ref, fp(func(c *config.Config) { c.APIKey = "k2" }), "a new API key resumes")
	require.Equal(t, ref, fp(func(c *config.Config) { c.Nouns = config.AllNouns }), "empty lists mean all")
	for name, m := range map[string]func(*config.Config){
		"rbac":     func(c *config.Config) { c.UseRBAC = true },
		"personal": func(c *config.Config) { c.SkipPersonalSpaces = true },
		"nouns":    func(c *config.Config) { c.Nouns = []string{"space"} },
		"verbs":    func(c *config.Config) { c.Verbs = []string{"read"} },
		"site":     func(c *config.Config) { c.DomainURL = "https://other.atlassian.net" },
		"user":     func(c *config.Config) { c.Username = "v" },
	} {
		require.NotEqual(t, ref, fp(m), name)
	}
}
