package service

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/require"
)

func TestParseClientID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in                   string
		name, host, audience string
		wantErr              string
	}{
		{in: "my-conn@acme.conductor.one/pcc", name: "my-conn", host: "acme.conductor.one", audience: "acme.conductor.one"},
		{in: "c@acme.conductor.one:8443/x/y", name: "c", host: "acme.conductor.one:8443", audience: "acme.conductor.one"},
		{in: "a@b@c/d", name: "a", host: "b@c", audience: "b@c"},
		{in: "no-at-sign/pcc", wantErr: "invalid client id: expected <name>@<tenant-host>/<suffix> (no '@')"},
		{in: "conn@acme.conductor.one", wantErr: "no '/'"},
		{in: "@acme/x", wantErr: "empty name"},
		{in: "", wantErr: "invalid client id"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			id, err := parseClientID(tt.in)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.in, id.raw)
			require.Equal(t, tt.name, id.name)
			require.Equal(t, tt.host, id.tenantHost)
			require.Equal(t, tt.audience, id.audience())
		})
	}
}

func encodeSecret(t *testing.T, jwk any) string {
	t.Helper()
	raw, err := json.Marshal(jwk)
	require.NoError(t, err)
	return "secret-token:conductorone.com:v1:" + base64.RawURLEncoding.EncodeToString(raw)
}

func TestParseClientSecret(t *testing.T) {
	t.Parallel()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	_, other, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	b64 := base64.RawURLEncoding.EncodeToString
	okJWK := map[string]string{"kty": "OKP", "crv": "Ed25519", "x": b64(pub), "d": b64(priv.Seed())}
	withKid := map[string]string{"kty": "OKP", "crv": "Ed25519", "x": b64(pub), "d": b64(priv.Seed()), "kid": "k1"}
	publicOnly := map[string]string{"kty": "OKP", "crv": "Ed25519", "x": b64(pub)}
	mismatched := map[string]string{"kty": "OKP", "crv": "Ed25519", "x": b64(pub), "d": b64(other.Seed())}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	ecJWK, err := jose.JSONWebKey{Key: ec}.MarshalJSON()
	require.NoError(t, err)
	ecSecret := "secret-token:conductorone.com:v1:" + base64.RawURLEncoding.EncodeToString(ecJWK)
	good := encodeSecret(t, okJWK)
	payload := strings.SplitN(good, ":", 4)[3]

	tests := []struct {
		name, secret, wantErr, wantKid string
	}{
		{name: "valid", secret: good},
		{name: "valid with kid", secret: encodeSecret(t, withKid), wantKid: "k1"},
		{name: "issuer parts not checked", secret: "secret-token:other.example:v1:" + payload},
		{name: "too few parts", secret: "secret-token:v1:" + payload, wantErr: "expected secret-token:<issuer>:v1:<key>"},
		{name: "wrong version", secret: "secret-token:conductorone.com:v2:" + payload, wantErr: "unsupported version"},
		{name: "padded base64", secret: good + "==", wantErr: "not unpadded base64url"},
		{name: "not json", secret: "secret-token:conductorone.com:v1:" + b64([]byte("hunter2-not-json")), wantErr: "not a valid JWK"},
		{name: "public only", secret: encodeSecret(t, publicOnly), wantErr: "not a private Ed25519 key"},
		{name: "mismatched halves", secret: encodeSecret(t, mismatched), wantErr: "invalid client secret"},
		{name: "ec key", secret: ecSecret, wantErr: "not a private Ed25519 key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			key, err := parseClientSecret(tt.secret)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				require.True(t, strings.HasPrefix(err.Error(), "invalid client secret: "), err.Error())
				last := tt.secret[strings.LastIndex(tt.secret, ":")+1:]
				require.NotContains(t, err.Error(), last, "error echoes the secret")
				require.NotContains(t, fmt.Sprintf("%+v", err), "hunter2")
				return
			}
			require.NoError(t, err)
			require.True(t, key.key.Equal(priv))
			require.Equal(t, tt.wantKid, key.kid)
		})
	}
}

func TestConfigRedactsSecret(t *testing.T) {
	t.Parallel()
	cfg := Config{ClientID: "c@t/x", ClientSecret: "secret-token:conductorone.com:v1:SUPERSECRET"}
	for _, format := range []string{"%v", "%+v", "%s", "%#v"} {
		out := fmt.Sprintf(format, cfg)
		require.NotContains(t, out, "SUPERSECRET", format)
		require.Contains(t, out, "[REDACTED]", format)
		require.Contains(t, out, "c@t/x", format)
	}
	require.NotContains(t, fmt.Sprintf("%+v", &cfg), "SUPERSECRET")
}

func TestConfigDefaultsAndLimits(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg, err := Config{TempDir: dir}.withDefaults()
	require.NoError(t, err)
	require.Equal(t, DefaultTaskConcurrency, cfg.TaskConcurrency)
	require.Equal(t, DefaultShutdownGrace, cfg.ShutdownGrace)
	require.Equal(t, 8081, cfg.HealthCheckPort)
	require.Equal(t, "127.0.0.1", cfg.HealthCheckBindAddress)

	for _, bad := range []Config{
		{TempDir: dir, TaskConcurrency: 101},
		{TempDir: dir, TaskConcurrency: -1},
		{TempDir: dir, ShutdownGrace: -1},
		{TempDir: dir + "/missing"},
	} {
		_, err := bad.withDefaults()
		require.Error(t, err, "%v", bad)
	}
}
