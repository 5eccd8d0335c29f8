package c1fake

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// Credentials are a client id and secret the fake accepts.
type Credentials struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

// String redacts the secret.
func (c Credentials) String() string { return "{ClientID:" + c.ClientID + " ClientSecret:[REDACTED]}" }

// newCredentials creates "<name>@<tenant>/pcc" and a secret wrapping a fresh Ed25519 private
// JWK (with kid when given), returning the public key that verifies its assertions.
func newCredentials(name, tenant, kid string) (Credentials, ed25519.PublicKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return Credentials{}, nil, fmt.Errorf("client key: %w", err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	jwk := map[string]string{"kty": "OKP", "crv": "Ed25519", "x": b64(pub), "d": b64(priv.Seed())}
	if kid != "" {
		jwk["kid"] = kid
	}
	raw, err := json.Marshal(jwk)
	if err != nil {
		return Credentials{}, nil, err
	}
	return Credentials{
		ClientID:     name + "@" + tenant + "/pcc",
		ClientSecret: "secret-token:conductorone.com:v1:" + b64(raw),
	}, pub, nil
}

// Env returns the environment a connector needs to reach this server: credentials, API host
// override and the CA file for SSL_CERT_FILE.
func (s *Server) Env() []string {
	return []string{
		"BATON_CLIENT_ID=" + s.creds.ClientID,
		"BATON_CLIENT_SECRET=" + s.creds.ClientSecret,
		"BATON_C1_API_HOST=" + s.Addr(),
		"SSL_CERT_FILE=" + s.CAFile(),
	}
}

// WriteEnvFile writes Env as KEY=value lines (mode 0600), suitable for `set -a; . file`.
func (s *Server) WriteEnvFile(path string) error {
	if err := os.WriteFile(path, []byte(strings.Join(s.Env(), "\n")+"\n"), 0o600); err != nil {
		return fmt.Errorf("write credentials file: %w", err)
	}
	return nil
}
