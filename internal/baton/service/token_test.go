package service

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func newTestTokenSource(t *testing.T, url string, client *http.Client, kid string, now func() time.Time) (*tokenSource, ed25519.PublicKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	id, err := parseClientID("my-conn@acme.conductor.one:8443/pcc")
	require.NoError(t, err)
	return &tokenSource{
		client: client, tokenURL: url, id: id, key: signingKey{key: priv, kid: kid}, now: now, ua: "ua-test",
	}, pub
}

func decodeJSONSegment(t *testing.T, seg string) map[string]any {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m))
	return m
}

func TestAssertionContents(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	for _, kid := range []string{"", "key-7"} {
		t.Run("kid="+kid, func(t *testing.T) {
			t.Parallel()
			ts, pub := newTestTokenSource(t, "", nil, kid, func() time.Time { return now })
			compact, err := ts.assertion()
			require.NoError(t, err)
			parts := strings.Split(compact, ".")
			require.Len(t, parts, 3)

			header := decodeJSONSegment(t, parts[0])
			require.Equal(t, "EdDSA", header["alg"])
			require.Regexp(t, `^[0-9a-f]{32}$`, header["nonce"])
			want := []string{"alg", "nonce"}
			if kid != "" {
				require.Equal(t, kid, header["kid"])
				want = append(want, "kid")
			}
			require.ElementsMatch(t, want, keys(header), "no typ, jwk or anything else")

			claims := decodeJSONSegment(t, parts[1])
			require.Equal(t, map[string]any{
				"iss": "my-conn@acme.conductor.one:8443/pcc", "sub": "my-conn@acme.conductor.one:8443/pcc",
				"aud": "acme.conductor.one", "iat": float64(now.Unix()),
				"nbf": float64(now.Unix() - 120), "exp": float64(now.Unix() + 120),
			}, claims)

			jws, err := jose.ParseSignedCompact(compact, []jose.SignatureAlgorithm{jose.EdDSA})
			require.NoError(t, err)
			_, err = jws.Verify(pub)
			require.NoError(t, err)

			again, err := ts.assertion()
			require.NoError(t, err)
			require.NotEqual(t, header["nonce"], decodeJSONSegment(t, strings.Split(again, ".")[0])["nonce"], "nonce is fresh per assertion")
		})
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// tokenServer answers token requests with the given body and status, counting them.
func tokenServer(t *testing.T, code int, body func(n int) string) (*httptest.Server, *atomic.Int32, *sync.Map) {
	t.Helper()
	var n atomic.Int32
	var forms sync.Map
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1))
		require.NoError(t, r.ParseForm())
		forms.Store(i, r.PostForm)
		forms.Store(fmt.Sprint("ua", i), r.UserAgent())
		w.WriteHeader(code)
		_, _ = w.Write([]byte(body(i)))
	}))
	t.Cleanup(srv.Close)
	return srv, &n, &forms
}

func TestTokenCachedAndRefreshedBeforeExpiry(t *testing.T) {
	t.Parallel()
	srv, calls, forms := tokenServer(t, http.StatusOK, func(n int) string {
		return fmt.Sprintf(`{"access_token":"tok-%d","token_type":"bearer","expires_in":60}`, n)
	})
	var clock atomic.Int64
	clock.Store(1_000)
	ts, _ := newTestTokenSource(t, srv.URL+"/auth/v1/token", srv.Client(), "", func() time.Time { return time.Unix(clock.Load(), 0) })

	md, err := ts.GetRequestMetadata(t.Context())
	require.NoError(t, err)
	require.Equal(t, map[string]string{"authorization": "Bearer tok-1"}, md)
	v, _ := forms.Load(1)
	form := v.(url.Values)
	require.Equal(t, "my-conn@acme.conductor.one:8443/pcc", form.Get("client_id"))
	require.Equal(t, "client_credentials", form.Get("grant_type"))
	require.Equal(t, assertionType, form.Get("client_assertion_type"))
	require.NotEmpty(t, form.Get("client_assertion"))
	require.Len(t, form, 4, "no scope or other fields")
	ua, _ := forms.Load("ua1")
	require.Equal(t, "ua-test", ua)

	clock.Store(1_049) // 11 s before expiry: still cached
	md, err = ts.GetRequestMetadata(t.Context())
	require.NoError(t, err)
	require.Equal(t, "Bearer tok-1", md["authorization"])
	require.EqualValues(t, 1, calls.Load())

	clock.Store(1_050) // 10 s before expiry: refreshed
	md, err = ts.GetRequestMetadata(t.Context())
	require.NoError(t, err)
	require.Equal(t, "Bearer tok-2", md["authorization"])
	require.EqualValues(t, 2, calls.Load())
	require.True(t, ts.RequireTransportSecurity())
}

func TestTokenFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		code    int
		body    string
		wantMsg string
	}{
		{name: "401", code: http.StatusUnauthorized, body: `{"error":"invalid_client","secret":"x"}`, wantMsg: "get token: 401 Unauthorized"},
		{name: "500", code: http.StatusInternalServerError, body: ``, wantMsg: "get token: 500 Internal Server Error"},
		{name: "expires_in as string", code: http.StatusOK, body: `{"access_token":"a","token_type":"Bearer","expires_in":"60"}`, wantMsg: "malformed token response"},
		{name: "empty token", code: http.StatusOK, body: `{"access_token":"","token_type":"Bearer","expires_in":60}`, wantMsg: "empty access token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, _, _ := tokenServer(t, tt.code, func(int) string { return tt.body })
			ts, _ := newTestTokenSource(t, srv.URL, srv.Client(), "", time.Now)
			_, err := ts.GetRequestMetadata(t.Context())
			require.Error(t, err)
			require.Equal(t, codes.Unauthenticated, status.Code(err))
			require.Contains(t, err.Error(), tt.wantMsg)
		})
	}
}

func TestNormalizeTokenType(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"": "Bearer", "bearer": "Bearer", "BEARER": "Bearer", "mac": "MAC", "Basic": "Basic", "DPoP": "DPoP", "custom": "custom",
	} {
		require.Equal(t, want, normalizeTokenType(in), in)
	}
}

func TestEndpoint(t *testing.T) {
	t.Parallel()
	id, err := parseClientID("c@acme.conductor.one/pcc")
	require.NoError(t, err)
	tests := []struct{ override, target, url string }{
		{"", "dns:///acme.conductor.one:443", "https://acme.conductor.one/auth/v1/token"},
		{"127.0.0.1:9443", "dns:///127.0.0.1:9443", "https://127.0.0.1:9443/auth/v1/token"},
		{"other.example", "dns:///other.example:443", "https://other.example/auth/v1/token"},
		{"[::1]:8443", "dns:///[::1]:8443", "https://[::1]:8443/auth/v1/token"},
	}
	for _, tt := range tests {
		ep := newEndpoint(id, tt.override)
		require.Equal(t, tt.target, ep.grpcTarget(), tt.override)
		require.Equal(t, tt.url, ep.tokenURL(), tt.override)
	}
}
