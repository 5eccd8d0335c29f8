package c1fake

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
	batonv1 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connectorapi/baton/v1"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newFake(t *testing.T, o Options) *Server {
	t.Helper()
	s, err := New(o)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

// keyOf extracts the private key from a secret the fake issued.
func keyOf(t *testing.T, secret string) ed25519.PrivateKey {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(secret[strings.LastIndex(secret, ":")+1:])
	require.NoError(t, err)
	var jwk map[string]string
	require.NoError(t, json.Unmarshal(raw, &jwk))
	seed, err := base64.RawURLEncoding.DecodeString(jwk["d"])
	require.NoError(t, err)
	return ed25519.NewKeyFromSeed(seed)
}

func sign(t *testing.T, key ed25519.PrivateKey, header map[jose.HeaderKey]any, claims map[string]any) string {
	t.Helper()
	opts := &jose.SignerOptions{}
	for k, v := range header {
		opts.WithHeader(k, v)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: key}, opts)
	require.NoError(t, err)
	payload, err := json.Marshal(claims)
	require.NoError(t, err)
	jws, err := signer.Sign(payload)
	require.NoError(t, err)
	out, err := jws.CompactSerialize()
	require.NoError(t, err)
	return out
}

func httpClient(s *Server, h2 bool) *http.Client {
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: s.CAPool()}, ForceAttemptHTTP2: h2}
	return &http.Client{Transport: tr}
}

func requestToken(t *testing.T, s *Server, form url.Values, h2 bool) (int, map[string]any) {
	t.Helper()
	c := httpClient(s, h2)
	defer c.CloseIdleConnections()
	resp, err := c.Post("https://"+s.Addr()+"/auth/v1/token", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	defer resp.Body.Close()
	var body map[string]any
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	_ = json.Unmarshal(raw, &body)
	return resp.StatusCode, body
}

func TestTokenEndpointVerifiesAssertion(t *testing.T) {
	t.Parallel()
	now := time.Now().Unix()
	s := newFake(t, Options{TokenExpiresIn: 77})
	id := s.Credentials().ClientID
	key := keyOf(t, s.Credentials().ClientSecret)
	_, otherKey, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	goodClaims := func() map[string]any {
		return map[string]any{"iss": id, "sub": id, "aud": "fake-tenant.conductor.one", "iat": now, "nbf": now - 120, "exp": now + 120}
	}
	nonce := map[jose.HeaderKey]any{"nonce": "0123456789abcdef0123456789abcdef"}
	with := func(k string, v any) map[string]any { c := goodClaims(); c[k] = v; return c }
	without := func(k string) map[string]any { c := goodClaims(); delete(c, k); return c }
	tests := []struct {
		name      string
		assertion string
		form      func(url.Values)
		wantErr   string
	}{
		{name: "valid", assertion: sign(t, key, nonce, goodClaims())},
		{name: "wrong key", assertion: sign(t, otherKey, nonce, goodClaims()), wantErr: "signature does not verify"},
		{name: "aud array", assertion: sign(t, key, nonce, with("aud", []string{"fake-tenant.conductor.one"})), wantErr: "assertion aud"},
		{name: "aud from api host", assertion: sign(t, key, nonce, with("aud", "127.0.0.1")), wantErr: "assertion aud"},
		{name: "jti", assertion: sign(t, key, nonce, with("jti", "x")), wantErr: `unexpected assertion claim "jti"`},
		{name: "no nbf", assertion: sign(t, key, nonce, without("nbf")), wantErr: "nbf must be an integer"},
		{name: "window", assertion: sign(t, key, nonce, with("exp", now+300)), wantErr: "assertion window"},
		{name: "stale", assertion: sign(t, key, nonce, map[string]any{"iss": id, "sub": id, "aud": "fake-tenant.conductor.one", "iat": now - 1000, "nbf": now - 1120, "exp": now - 880}), wantErr: "not valid now"},
		{name: "no nonce", assertion: sign(t, key, nil, goodClaims()), wantErr: "nonce"},
		{name: "typ header", assertion: sign(t, key, map[jose.HeaderKey]any{"nonce": "0123456789abcdef0123456789abcdef", "typ": "JWT"}, goodClaims()), wantErr: `unexpected assertion header "typ"`},
		{name: "wrong grant type", assertion: sign(t, key, nonce, goodClaims()), form: func(f url.Values) { f.Set("grant_type", "password") }, wantErr: "grant_type"},
		{name: "scope", assertion: sign(t, key, nonce, goodClaims()), form: func(f url.Values) { f.Set("scope", "all") }, wantErr: "unexpected form field scope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			form := url.Values{"client_id": {id}, "grant_type": {"client_credentials"},
				"client_assertion_type": {assertionType}, "client_assertion": {tt.assertion}}
			if tt.form != nil {
				tt.form(form)
			}
			code, body := requestToken(t, s, form, true)
			if tt.wantErr == "" {
				require.Equal(t, 200, code)
				require.Regexp(t, `^fake-access-token-\d+$`, body["access_token"])
				require.Equal(t, "Bearer", body["token_type"])
				require.Equal(t, float64(77), body["expires_in"])
				return
			}
			require.Equal(t, 401, code)
			var found bool
			for _, tr := range s.Summary().Tokens {
				found = found || strings.Contains(tr.Error, tt.wantErr)
			}
			require.True(t, found, "no rejection mentioning %q in %+v", tt.wantErr, s.Summary().Tokens)
		})
	}
}

func TestTokenOverHTTP1AndFailToken(t *testing.T) {
	t.Parallel()
	s := newFake(t, Options{FailToken: true})
	code, _ := requestToken(t, s, url.Values{}, false)
	require.Equal(t, 401, code)
	require.Equal(t, "HTTP/1.1", s.Summary().Tokens[0].Proto)
}

func TestCAFileAndCertificate(t *testing.T) {
	t.Parallel()
	caFile := t.TempDir() + "/ca.pem"
	s := newFake(t, Options{CAFile: caFile})
	require.Equal(t, caFile, s.CAFile())
	raw, err := os.ReadFile(caFile)
	require.NoError(t, err)
	block, _ := pem.Decode(raw)
	require.NotNil(t, block)
	ca, err := x509.ParseCertificate(block.Bytes)
	require.NoError(t, err)
	require.True(t, ca.IsCA)

	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(raw))
	conn, err := tls.Dial("tcp", s.Addr(), &tls.Config{RootCAs: pool, NextProtos: []string{"h2", "http/1.1"}})
	require.NoError(t, err)
	defer conn.Close()
	require.Equal(t, "h2", conn.ConnectionState().NegotiatedProtocol)
	require.NoError(t, conn.ConnectionState().PeerCertificates[0].VerifyHostname("127.0.0.1"))

	_, err = New(Options{Addr: "0.0.0.0:0"})
	require.ErrorContains(t, err, "only loopback")
}

func TestCredentialsString(t *testing.T) {
	t.Parallel()
	c := Credentials{ClientID: "a@b/c", ClientSecret: "secret-token:x:v1:abc"}
	require.NotContains(t, fmt.Sprintf("%v %+v %s", c, c, c), "abc")
}

// grpcClient dials the fake with a token it issued.
func grpcClient(t *testing.T, s *Server) batonv1.BatonServiceClient {
	t.Helper()
	id := s.Credentials().ClientID
	now := time.Now().Unix()
	assertion := sign(t, keyOf(t, s.Credentials().ClientSecret), map[jose.HeaderKey]any{"nonce": "0123456789abcdef0123456789abcdef"},
		map[string]any{"iss": id, "sub": id, "aud": "fake-tenant.conductor.one", "iat": now, "nbf": now - 120, "exp": now + 120})
	code, body := requestToken(t, s, url.Values{"client_id": {id}, "grant_type": {"client_credentials"},
		"client_assertion_type": {assertionType}, "client_assertion": {assertion}}, true)
	require.Equal(t, 200, code)
	conn, err := grpc.NewClient(s.Addr(), grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: s.CAPool()})),
		grpc.WithUnaryInterceptor(func(ctx context.Context, m string, req, reply any, cc *grpc.ClientConn, inv grpc.UnaryInvoker, o ...grpc.CallOption) error {
			return inv(metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+body["access_token"].(string)), m, req, reply, cc, o...)
		}),
		grpc.WithStreamInterceptor(func(ctx context.Context, d *grpc.StreamDesc, cc *grpc.ClientConn, m string, st grpc.Streamer, o ...grpc.CallOption) (grpc.ClientStream, error) {
			return st(metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+body["access_token"].(string)), d, cc, m, o...)
		}))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return batonv1.NewBatonServiceClient(conn)
}

func TestUnauthenticatedRPC(t *testing.T) {
	t.Parallel()
	s := newFake(t, Options{})
	conn, err := grpc.NewClient(s.Addr(), grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: s.CAPool()})))
	require.NoError(t, err)
	defer conn.Close()
	_, err = batonv1.NewBatonServiceClient(conn).GetTask(t.Context(), &batonv1.BatonServiceGetTaskRequest{HostId: "h"})
	require.Equal(t, codes.Unauthenticated, status.Code(err))
}

func TestQueueAndFinish(t *testing.T) {
	t.Parallel()
	s := newFake(t, Options{NextPoll: time.Second, IdleNextPoll: 4 * time.Second})
	c := grpcClient(t, s)
	id := s.Enqueue(SyncTask())
	require.Len(t, id, 27)

	resp, err := c.GetTask(t.Context(), &batonv1.BatonServiceGetTaskRequest{HostId: "h"})
	require.NoError(t, err)
	require.Equal(t, id, resp.GetTask().GetId())
	require.Equal(t, time.Second, resp.GetNextPoll().AsDuration())
	resp, err = c.GetTask(t.Context(), &batonv1.BatonServiceGetTaskRequest{HostId: "h"})
	require.NoError(t, err)
	require.Nil(t, resp.GetTask())
	require.Equal(t, 4*time.Second, resp.GetNextPoll().AsDuration())

	_, err = c.GetTask(t.Context(), &batonv1.BatonServiceGetTaskRequest{})
	require.Equal(t, codes.InvalidArgument, status.Code(err), "empty host id")
	_, err = c.FinishTask(t.Context(), &batonv1.BatonServiceFinishTaskRequest{HostId: "h", TaskId: id})
	require.Equal(t, codes.InvalidArgument, status.Code(err), "final state required")

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	require.Error(t, s.WaitIdle(ctx), "task not finished yet")
	cancel()
	_, err = c.FinishTask(t.Context(), &batonv1.BatonServiceFinishTaskRequest{HostId: "h", TaskId: id,
		FinalState: &batonv1.BatonServiceFinishTaskRequest_Success_{Success: &batonv1.BatonServiceFinishTaskRequest_Success{}}})
	require.NoError(t, err)
	require.NoError(t, s.WaitIdle(t.Context()))
	sum := s.Summary()
	require.True(t, sum.AllTasksFinished)
	require.Equal(t, "success", sum.Tasks[0].Result)
	require.Len(t, sum.Violations, 2)
}

func sendUpload(t *testing.T, c batonv1.BatonServiceClient, msgs ...*batonv1.BatonServiceUploadAssetRequest) error {
	t.Helper()
	stream, err := c.UploadAsset(t.Context())
	require.NoError(t, err)
	for _, m := range msgs {
		if err := stream.Send(m); err != nil {
			break
		}
	}
	_, err = stream.CloseAndRecv()
	return err
}

func TestUploadValidation(t *testing.T) {
	t.Parallel()
	s := newFake(t, Options{OutDir: t.TempDir()})
	c := grpcClient(t, s)
	id := s.Enqueue(SyncTask())
	md := &batonv1.BatonServiceUploadAssetRequest{Msg: &batonv1.BatonServiceUploadAssetRequest_Metadata{
		Metadata: &batonv1.BatonServiceUploadAssetRequest_UploadMetadata{HostId: "h", TaskId: id}}}
	data := func(b []byte) *batonv1.BatonServiceUploadAssetRequest {
		return &batonv1.BatonServiceUploadAssetRequest{Msg: &batonv1.BatonServiceUploadAssetRequest_Data{
			Data: &batonv1.BatonServiceUploadAssetRequest_UploadData{Data: b}}}
	}
	eof := func(sum []byte) *batonv1.BatonServiceUploadAssetRequest {
		return &batonv1.BatonServiceUploadAssetRequest{Msg: &batonv1.BatonServiceUploadAssetRequest_Eof{
			Eof: &batonv1.BatonServiceUploadAssetRequest_UploadEOF{Sha256Checksum: sum}}}
	}
	payload := []byte("c1z bytes")
	sum := sha256.Sum256(payload)
	tests := []struct {
		name string
		msgs []*batonv1.BatonServiceUploadAssetRequest
		code codes.Code
	}{
		{name: "data first", msgs: []*batonv1.BatonServiceUploadAssetRequest{data(payload)}, code: codes.InvalidArgument},
		{name: "chunk too big", msgs: []*batonv1.BatonServiceUploadAssetRequest{md, data(make([]byte, 1<<20+1))}, code: codes.InvalidArgument},
		{name: "empty chunk", msgs: []*batonv1.BatonServiceUploadAssetRequest{md, data(nil)}, code: codes.InvalidArgument},
		{name: "short checksum", msgs: []*batonv1.BatonServiceUploadAssetRequest{md, data(payload), eof(sum[:16])}, code: codes.InvalidArgument},
		{name: "wrong checksum", msgs: []*batonv1.BatonServiceUploadAssetRequest{md, data(payload), eof(make([]byte, 32))}, code: codes.DataLoss},
		{name: "no eof", msgs: []*batonv1.BatonServiceUploadAssetRequest{md, data(payload)}, code: codes.InvalidArgument},
		{name: "ok", msgs: []*batonv1.BatonServiceUploadAssetRequest{md, data(payload), eof(sum[:])}, code: codes.OK},
		{name: "second stream", msgs: []*batonv1.BatonServiceUploadAssetRequest{md, data([]byte("log")), eof(func() []byte { s := sha256.Sum256([]byte("log")); return s[:] }())}, code: codes.OK},
	}
	for _, tt := range tests { // sequential: the uploads are numbered in order
		require.Equal(t, tt.code, status.Code(sendUpload(t, c, tt.msgs...)), tt.name)
	}
	ups := s.Summary().Uploads
	ok := ups[len(ups)-2]
	require.True(t, ok.Complete && ok.ChecksumOK)
	require.True(t, strings.HasSuffix(ok.Path, id+".c1z"))
	got, err := os.ReadFile(ok.Path)
	require.NoError(t, err)
	require.Equal(t, payload, got)
	require.True(t, strings.HasSuffix(ups[len(ups)-1].Path, id+"-1.bin"))
}

func TestHelloValidation(t *testing.T) {
	t.Parallel()
	s := newFake(t, Options{})
	c := grpcClient(t, s)
	full := func() *batonv1.BatonServiceHelloRequest {
		return &batonv1.BatonServiceHelloRequest{
			HostId:    "h",
			BuildInfo: &batonv1.BatonServiceHelloRequest_BuildInfo{LangVersion: "go", Package: "p", PackageVersion: "v"},
			OsInfo: &batonv1.BatonServiceHelloRequest_OSInfo{Hostname: "h", Os: "linux", Platform: "debian", PlatformVersion: "12",
				PlatformFamily: "debian", KernelVersion: "6", KernelArch: "x86_64", VirtualizationSystem: "none"},
			ConnectorMetadata: &v2.ConnectorMetadata{DisplayName: "C", Capabilities: &v2.ConnectorCapabilities{}},
		}
	}
	_, err := c.Hello(t.Context(), full())
	require.NoError(t, err)
	bad := full()
	bad.OsInfo.KernelVersion = ""
	_, err = c.Hello(t.Context(), bad)
	require.Equal(t, codes.InvalidArgument, status.Code(err))
	bad = full()
	bad.ConnectorMetadata.Capabilities = nil
	_, err = c.Hello(t.Context(), bad)
	require.Equal(t, codes.InvalidArgument, status.Code(err))
	bad = full()
	bad.TaskId = "short"
	_, err = c.Hello(t.Context(), bad)
	require.Equal(t, codes.InvalidArgument, status.Code(err))
}

func TestGetTasksBatch(t *testing.T) {
	t.Parallel()
	s := newFake(t, Options{NextPoll: time.Second})
	c := grpcClient(t, s)
	a, b2, c3 := s.Enqueue(SyncTask()), s.Enqueue(HelloTask()), s.Enqueue(SyncTask())
	resp, err := c.GetTasks(t.Context(), &batonv1.BatonServiceGetTasksRequest{HostId: "h", PageSize: 2})
	require.NoError(t, err)
	require.Len(t, resp.GetTasks(), 2)
	require.Equal(t, []string{a, b2}, []string{resp.GetTasks()[0].GetId(), resp.GetTasks()[1].GetId()})
	resp, err = c.GetTasks(t.Context(), &batonv1.BatonServiceGetTasksRequest{HostId: "h", PageSize: 6, KnownTaskIds: []string{a, b2}})
	require.NoError(t, err)
	require.Len(t, resp.GetTasks(), 1)
	require.Equal(t, c3, resp.GetTasks()[0].GetId())
	_, err = c.GetTasks(t.Context(), &batonv1.BatonServiceGetTasksRequest{HostId: "h"})
	require.Equal(t, codes.InvalidArgument, status.Code(err), "page_size 0")
}
