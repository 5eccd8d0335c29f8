package e2e

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/internal/baton/service/c1fake"
	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"
)

const secretPrefix = "secret-token:conductorone.com:v1:"

// secretOf wraps a JWK in the ConductorOne client-secret format.
func secretOf(t *testing.T, jwk map[string]string) string {
	t.Helper()
	raw, err := json.Marshal(jwk)
	require.NoError(t, err)
	return secretPrefix + base64.RawURLEncoding.EncodeToString(raw)
}

// unknownKeySecret is a well-formed client secret holding a fresh Ed25519 key no one knows, and
// the private part of that key.
func unknownKeySecret(t *testing.T) (secret, private string) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	b64 := base64.RawURLEncoding.EncodeToString
	d := b64(priv.Seed())
	return secretOf(t, map[string]string{"kty": "OKP", "crv": "Ed25519", "x": b64(pub), "d": d}), d
}

// TestBadCredentials: a client secret ConductorOne does not accept ends the process at start-up
// with a clear message and the documented exit code, and the secret appears nowhere.
func TestBadCredentials(t *testing.T) {
	needBinaries(t)
	t.Parallel()
	unknown, unknownD := unknownKeySecret(t)
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	publicOnly := secretOf(t, map[string]string{"kty": "OKP", "crv": "Ed25519", "x": base64.RawURLEncoding.EncodeToString(pub)})
	tests := []struct {
		name     string
		secret   string
		hidden   []string // must not appear in the output
		wantCode int
		wantMsg  []string
		rejected bool // c1-fake saw and refused a token request
	}{
		{name: "key c1 does not know", secret: unknown, hidden: []string{unknown, strings.TrimPrefix(unknown, secretPrefix), unknownD},
			wantCode: 16, wantMsg: []string{"ConductorOne rejected the client credentials", "BATON_CLIENT_SECRET", "401 Unauthorized"}, rejected: true},
		{name: "public key only", secret: publicOnly, hidden: []string{strings.TrimPrefix(publicOnly, secretPrefix)},
			wantCode: 2, wantMsg: []string{"invalid client secret"}},
		{name: "not a JWK", secret: secretPrefix + "bm90LWEtandr", hidden: []string{"bm90LWEtandr"},
			wantCode: 2, wantMsg: []string{"invalid client secret"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sim := startSim(t, confluencetest.Small())
			f := startFake(t)
			env := slices.DeleteFunc(connectorEnv(f, sim), func(kv string) bool { return strings.HasPrefix(kv, "BATON_CLIENT_SECRET=") })
			c := startConnector(t, append(env, "BATON_CLIENT_SECRET="+tt.secret), "--log-level", "debug")
			code := c.wait(t, taskTimeout)
			out := c.stdout.String() + c.stderr.String()
			require.Equal(t, tt.wantCode, code, "exit code; output:\n%s", out)
			for _, m := range tt.wantMsg {
				require.Contains(t, out, m)
			}
			for _, h := range tt.hidden {
				require.NotContains(t, out, h, "secret material in the output")
			}
			c.requireNoTempFiles(t)
			checkRejected(t, f.stop(t), tt.rejected)
		})
	}
}

// checkRejected checks that c1-fake issued no token and, when rejected is set, refused at least
// one token request because the assertion's signature did not verify.
func checkRejected(t *testing.T, sum c1fake.Summary, rejected bool) {
	t.Helper()
	require.Zero(t, sum.TokensIssued)
	require.Empty(t, sum.Hellos)
	if !rejected {
		require.Empty(t, sum.Tokens, "the connector must not contact ConductorOne with a malformed secret")
		return
	}
	require.NotEmpty(t, sum.Tokens)
	for _, tr := range sum.Tokens {
		require.Equal(t, 401, tr.Status)
		require.Contains(t, tr.Error, "signature")
	}
}
