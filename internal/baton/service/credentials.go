package service

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"net"
	"strings"

	"github.com/go-jose/go-jose/v4"
)

// clientID is a parsed client id: "<name>@<tenant-host>/<suffix>". The whole string is the OAuth
// client_id and the assertion's iss and sub.
type clientID struct {
	raw        string
	name       string // goes into the gRPC User-Agent
	tenantHost string // may carry :port; the default API host
}

// audience is the assertion's aud: the tenant host without a port.
func (c clientID) audience() string {
	if host, _, err := net.SplitHostPort(c.tenantHost); err == nil {
		return host
	}
	return c.tenantHost
}

func parseClientID(s string) (clientID, error) {
	const want = "invalid client id: expected <name>@<tenant-host>/<suffix>"
	name, rest, ok := strings.Cut(s, "@")
	if !ok {
		return clientID{}, errors.New(want + " (no '@')")
	}
	host, _, ok := strings.Cut(rest, "/")
	if !ok {
		return clientID{}, errors.New(want + " (no '/' after the tenant host)")
	}
	id := clientID{raw: s, name: name, tenantHost: host}
	if name == "" || id.audience() == "" {
		return clientID{}, errors.New(want + " (empty name or tenant host)")
	}
	return id, nil
}

// signingKey is the private key carried by a client secret.
type signingKey struct {
	key ed25519.PrivateKey
	kid string // copied into the assertion header when the JWK has one
}

// parseClientSecret decodes "secret-token:conductorone.com:v1:<base64url(JWK)>". Errors describe
// what is wrong without ever repeating any part of the secret.
func parseClientSecret(s string) (signingKey, error) {
	const prefix = "invalid client secret: "
	parts := strings.SplitN(s, ":", 4)
	if len(parts) != 4 {
		return signingKey{}, errors.New(prefix + "expected secret-token:<issuer>:v1:<key>")
	}
	if parts[2] != "v1" {
		return signingKey{}, errors.New(prefix + "unsupported version (want v1)")
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[3])
	if err != nil {
		return signingKey{}, errors.New(prefix + "key is not unpadded base64url")
	}
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON(raw); err != nil {
		return signingKey{}, errors.New(prefix + "key is not a valid JWK")
	}
	priv, ok := jwk.Key.(ed25519.PrivateKey)
	if !ok {
		return signingKey{}, errors.New(prefix + "key is not a private Ed25519 key")
	}
	if len(priv) != ed25519.PrivateKeySize {
		return signingKey{}, errors.New(prefix + "key has the wrong size")
	}
	if !ed25519.NewKeyFromSeed(priv.Seed()).Equal(priv) {
		return signingKey{}, errors.New(prefix + "public and private halves of the key do not match")
	}
	return signingKey{key: priv, kid: jwk.KeyID}, nil
}
