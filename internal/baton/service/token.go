package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

const (
	// tokenRefreshMargin: a cached token is replaced once less than this remains of its life.
	tokenRefreshMargin = 10 * time.Second
	// assertionSkew is the validity window either side of iat in the client assertion.
	assertionSkew = 120 * time.Second
	assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	maxTokenBody  = 1 << 20
)

// tokenSource exchanges the client assertion for an access token, caches it and attaches it to
// every RPC as gRPC per-RPC credentials. Safe for concurrent use.
type tokenSource struct {
	client   *http.Client
	tokenURL string
	id       clientID
	key      signingKey
	now      func() time.Time
	ua       string

	mu      sync.Mutex
	token   string
	typ     string
	expires time.Time
}

// GetRequestMetadata implements credentials.PerRPCCredentials.
func (s *tokenSource) GetRequestMetadata(ctx context.Context, _ ...string) (map[string]string, error) {
	typ, tok, err := s.get(ctx)
	if err != nil {
		return nil, err
	}
	return map[string]string{"authorization": typ + " " + tok}, nil
}

// RequireTransportSecurity implements credentials.PerRPCCredentials: tokens only travel over TLS.
func (s *tokenSource) RequireTransportSecurity() bool { return true }

// get returns the cached token, fetching a new one when none is cached or it expires within
// tokenRefreshMargin.
func (s *tokenSource) get(ctx context.Context) (string, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token != "" && s.now().Before(s.expires.Add(-tokenRefreshMargin)) {
		return s.typ, s.token, nil
	}
	issued := s.now()
	tr, err := s.fetch(ctx)
	if err != nil {
		return "", "", err
	}
	s.token, s.typ = tr.AccessToken, normalizeTokenType(tr.TokenType)
	s.expires = issued.Add(time.Duration(tr.ExpiresIn) * time.Second)
	return s.typ, s.token, nil
}

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
}

// fetch performs one token request. A non-200 answer is Unauthenticated (the body is ignored);
// a transport failure is Unavailable (retryable). Errors are gRPC statuses because grpc-go turns
// any other per-RPC credentials error into Unauthenticated.
func (s *tokenSource) fetch(ctx context.Context) (tokenResponse, error) {
	assertion, err := s.assertion()
	if err != nil {
		return tokenResponse{}, err
	}
	form := url.Values{
		"client_id":             {s.id.raw},
		"grant_type":            {"client_credentials"},
		"client_assertion_type": {assertionType},
		"client_assertion":      {assertion},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return tokenResponse{}, fmt.Errorf("get token: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", s.ua)
	resp, err := s.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return tokenResponse{}, status.FromContextError(ctx.Err()).Err()
		}
		// Unreachable token endpoint: Unavailable, so callers retry. (A plain error would be
		// reported by grpc-go as Unauthenticated, which ends start-up.)
		return tokenResponse{}, status.Errorf(codes.Unavailable, "get token: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxTokenBody))
		return tokenResponse{}, status.Errorf(codes.Unauthenticated, "get token: %s", resp.Status)
	}
	var tr tokenResponse
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxTokenBody)).Decode(&tr); err != nil {
		return tokenResponse{}, status.Error(codes.Unauthenticated, "get token: malformed token response")
	}
	if tr.AccessToken == "" {
		return tokenResponse{}, status.Error(codes.Unauthenticated, "get token: empty access token")
	}
	return tr, nil
}

// assertionClaims are exactly the claims of the client assertion (no jti; aud a single string).
type assertionClaims struct {
	Issuer    string `json:"iss"`
	Subject   string `json:"sub"`
	Audience  string `json:"aud"`
	Expiry    int64  `json:"exp"`
	NotBefore int64  `json:"nbf"`
	IssuedAt  int64  `json:"iat"`
}

// assertion builds the compact EdDSA JWS: header {alg, kid if the JWK had one, nonce}.
func (s *tokenSource) assertion() (string, error) {
	nonce := make([]byte, 16)
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("assertion nonce: %w", err)
	}
	key := jose.SigningKey{Algorithm: jose.EdDSA, Key: s.key.key}
	if s.key.kid != "" {
		key.Key = jose.JSONWebKey{Key: s.key.key, KeyID: s.key.kid, Algorithm: string(jose.EdDSA)}
	}
	signer, err := jose.NewSigner(key, (&jose.SignerOptions{}).WithHeader("nonce", hex.EncodeToString(nonce)))
	if err != nil {
		return "", errors.New("assertion: cannot create signer")
	}
	now := s.now().Unix()
	payload, err := json.Marshal(assertionClaims{
		Issuer: s.id.raw, Subject: s.id.raw, Audience: s.id.audience(),
		Expiry: now + int64(assertionSkew/time.Second), NotBefore: now - int64(assertionSkew/time.Second), IssuedAt: now,
	})
	if err != nil {
		return "", fmt.Errorf("assertion claims: %w", err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", errors.New("assertion: signing failed")
	}
	return jws.CompactSerialize()
}

// normalizeTokenType maps the token_type of the response to the authorization scheme.
func normalizeTokenType(t string) string {
	switch strings.ToLower(t) {
	case "", "bearer":
		return "Bearer"
	case "mac":
		return "MAC"
	case "basic":
		return "Basic"
	}
	return t
}
