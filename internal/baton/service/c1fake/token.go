package c1fake

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/go-jose/go-jose/v4"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

const (
	assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	// assertionWindow is the nbf/exp distance from iat the assertion must use.
	assertionWindow = 120
	// clockSkew is how far iat may be from the fake's clock.
	clockSkew = 120
)

var nonceRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

// handleToken serves POST /auth/v1/token (client credentials with a JWT client assertion).
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	rec := TokenRecord{UserAgent: r.UserAgent(), Proto: r.Proto}
	st := s.st
	st.mu.Lock()
	st.sum.TokenRequests++
	down := st.tokenDown > 0
	if down {
		st.tokenDown--
	}
	st.mu.Unlock()
	if down {
		s.recordToken(rec, 0, "aborted: token endpoint down")
		panic(http.ErrAbortHandler) // resets the stream / closes the connection
	}
	if s.opts.FailToken {
		s.recordToken(rec, http.StatusUnauthorized, "rejected: --fail-token")
		http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
		return
	}
	if err := s.checkTokenRequest(r, &rec); err != nil {
		s.recordToken(rec, http.StatusUnauthorized, err.Error())
		http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
		return
	}
	tok := s.issueToken()
	s.recordToken(rec, http.StatusOK, "")
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"access_token": tok, "token_type": s.opts.TokenType, "expires_in": s.opts.TokenExpiresIn,
	})
}

func (s *Server) recordToken(rec TokenRecord, code int, reason string) {
	rec.Status, rec.Error = code, reason
	s.st.mu.Lock()
	s.st.sum.Tokens = append(s.st.sum.Tokens, rec)
	if code == http.StatusOK {
		s.st.sum.TokensIssued++
	}
	s.st.notify()
	s.st.mu.Unlock()
}

func (s *Server) issueToken() string {
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	tok := fmt.Sprintf("fake-access-token-%d", st.sum.TokensIssued+1)
	st.tokens[tok] = s.opts.Now().Unix() + int64(s.opts.TokenExpiresIn)
	return tok
}

// checkTokenRequest verifies the form and the client assertion, filling rec with what it saw.
func (s *Server) checkTokenRequest(r *http.Request, rec *TokenRecord) error {
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		return fmt.Errorf("content type %q", ct)
	}
	if err := r.ParseForm(); err != nil {
		return fmt.Errorf("form: %w", err)
	}
	want := map[string]string{
		"client_id": s.creds.ClientID, "grant_type": "client_credentials", "client_assertion_type": assertionType,
	}
	for k, v := range want {
		if got := r.PostForm.Get(k); got != v {
			return fmt.Errorf("form field %s = %q, want %q", k, got, v)
		}
	}
	for k := range r.PostForm {
		if _, ok := want[k]; !ok && k != "client_assertion" {
			return fmt.Errorf("unexpected form field %s", k)
		}
	}
	return s.checkAssertion(r.PostForm.Get("client_assertion"), rec)
}

// checkAssertion verifies the compact EdDSA JWS: header {alg, nonce, kid iff issued}, signature,
// and the claims iss, sub, aud, iat, nbf, exp (nothing else).
func (s *Server) checkAssertion(compact string, rec *TokenRecord) error {
	parts := strings.Split(compact, ".")
	if len(parts) != 3 {
		return errors.New("assertion is not a compact JWS")
	}
	if err := decodeSegment(parts[0], &rec.Header); err != nil {
		return fmt.Errorf("assertion header: %w", err)
	}
	if err := s.checkHeader(rec.Header); err != nil {
		return err
	}
	// strings.Fields drops whitespace as the deprecated jose.ParseSigned did before parsing.
	jws, err := jose.ParseSignedCompact(strings.Join(strings.Fields(compact), ""), []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		return fmt.Errorf("parse assertion: %w", err)
	}
	if len(jws.Signatures) != 1 {
		return errors.New("assertion must carry exactly one signature")
	}
	payload, err := jws.Verify(s.pub)
	if err != nil {
		return errors.New("assertion signature does not verify")
	}
	if err := json.Unmarshal(payload, &rec.Claims); err != nil {
		return fmt.Errorf("assertion claims: %w", err)
	}
	return s.checkClaims(rec.Claims)
}

func (s *Server) checkHeader(h map[string]any) error {
	allowed := []string{"alg", "nonce"}
	if s.opts.KeyID != "" {
		allowed = append(allowed, "kid")
		if h["kid"] != s.opts.KeyID {
			return fmt.Errorf("assertion kid %v, want %q", h["kid"], s.opts.KeyID)
		}
	}
	for k := range h {
		if !slices.Contains(allowed, k) {
			return fmt.Errorf("unexpected assertion header %q", k)
		}
	}
	if h["alg"] != "EdDSA" {
		return fmt.Errorf("assertion alg %v, want EdDSA", h["alg"])
	}
	if n, _ := h["nonce"].(string); !nonceRE.MatchString(n) {
		return errors.New("assertion nonce must be 32 lowercase hex characters")
	}
	return nil
}

func (s *Server) checkClaims(c map[string]any) error {
	for k := range c {
		if !slices.Contains([]string{"iss", "sub", "aud", "iat", "nbf", "exp"}, k) {
			return fmt.Errorf("unexpected assertion claim %q", k)
		}
	}
	aud := s.opts.Tenant
	if h, _, err := net.SplitHostPort(aud); err == nil {
		aud = h
	}
	for k, v := range map[string]string{"iss": s.creds.ClientID, "sub": s.creds.ClientID, "aud": aud} {
		if got, ok := c[k].(string); !ok || got != v {
			return fmt.Errorf("assertion %s = %v, want the string %q", k, c[k], v)
		}
	}
	num := func(k string) (int64, error) {
		f, ok := c[k].(float64)
		if !ok || f != float64(int64(f)) {
			return 0, fmt.Errorf("assertion %s must be an integer NumericDate", k)
		}
		return int64(f), nil
	}
	iat, err := num("iat")
	if err != nil {
		return err
	}
	nbf, err := num("nbf")
	if err != nil {
		return err
	}
	exp, err := num("exp")
	if err != nil {
		return err
	}
	// ±1 s: a client may read the clock separately for each claim.
	if abs(nbf-(iat-assertionWindow)) > 1 || abs(exp-(iat+assertionWindow)) > 1 {
		return fmt.Errorf("assertion window: nbf=iat%+d exp=iat%+d, want -%d/+%d", nbf-iat, exp-iat, assertionWindow, assertionWindow)
	}
	if now := s.opts.Now().Unix(); now < nbf-clockSkew || now > exp+clockSkew || iat > now+clockSkew {
		return errors.New("assertion is not valid now")
	}
	return nil
}

func decodeSegment(seg string, into *map[string]any) error {
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, into)
}

// authorize checks "authorization: Bearer <unexpired token>" and records the user agent.
func (s *Server) authorize(ctx context.Context) error {
	md, _ := metadata.FromIncomingContext(ctx)
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	for _, ua := range md.Get("user-agent") {
		if !slices.Contains(s.st.sum.UserAgents, ua) {
			s.st.sum.UserAgents = append(s.st.sum.UserAgents, ua)
		}
	}
	auth := md.Get("authorization")
	if len(auth) != 1 {
		return status.Error(codes.Unauthenticated, "missing authorization")
	}
	scheme, tok, _ := strings.Cut(auth[0], " ")
	exp, ok := s.st.tokens[tok]
	if !ok || scheme != normalizedType(s.opts.TokenType) {
		return status.Error(codes.Unauthenticated, "unknown access token")
	}
	if s.opts.Now().Unix() >= exp {
		return status.Error(codes.Unauthenticated, "access token expired")
	}
	return nil
}

// normalizedType is the authorization scheme a client derives from token_type.
func normalizedType(t string) string {
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

func (s *Server) authUnary(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	if err := s.authorize(ctx); err != nil {
		return nil, err
	}
	return h(ctx, req)
}

func (s *Server) authStream(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	if err := s.authorize(ss.Context()); err != nil {
		return err
	}
	return h(srv, ss)
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}
