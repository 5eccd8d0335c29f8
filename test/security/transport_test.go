package security_test

import (
	"crypto/tls"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"
	"github.com/baton-confluence/baton-confluence/test/faults"
)

// recorder is a loopback HTTP proxy that refuses everything and records what it was asked. A
// child started with proxyEnv sends every request for a non-loopback host to it, so a test can
// prove that no request (and no credential) left the process, without any network.
type recorder struct {
	url  string
	mu   sync.Mutex
	seen []seenRequest
}

type seenRequest struct {
	method, host, authorization string
}

func newRecorder(t *testing.T) *recorder {
	t.Helper()
	rec := &recorder{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		rec.seen = append(rec.seen, seenRequest{r.Method, r.Host, r.Header.Get("Authorization")})
		rec.mu.Unlock()
		http.Error(w, "no network in tests", http.StatusForbidden)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	rec.url = "http://" + ln.Addr().String()
	return rec
}

// env routes a child's outbound http and https through the recorder.
func (r *recorder) env() []string {
	return []string{"HTTP_PROXY=" + r.url, "HTTPS_PROXY=" + r.url, "NO_PROXY=", "http_proxy=" + r.url, "https_proxy=" + r.url, "no_proxy="}
}

func (r *recorder) requests() []seenRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]seenRequest(nil), r.seen...)
}

// TestPlainHTTPRefused: credentials are never sent over plain http to a host that is not
// loopback: the run fails with a message saying to use https, before any request. The https
// control case proves the recorder sees requests that do leave (a CONNECT, without
// credentials).
func TestPlainHTTPRefused(t *testing.T) {
	t.Parallel()
	for _, domain := range []string{"http://confluence.example.com", "http://acme.atlassian.net/wiki",
		"http://10.1.2.3:8080", "http://[2001:db8::1]/wiki", "HTTP://Example.COM"} {
		t.Run(domain, func(t *testing.T) {
			t.Parallel()
			rec := newRecorder(t)
			token := newToken(t)
			res := run(t, append(rec.env(), "BATON_API_KEY="+token), "--domain-url", domain, "--username", "admin@example.com",
				"--file", filepath.Join(t.TempDir(), "sync.c1z"), "--c1z-temp-dir", t.TempDir())
			require.NotZero(t, res.Code)
			require.Contains(t, lower(res.Message()), "https", "the message says to use https")
			require.Empty(t, rec.requests(), "a request left the process")
			requireCleanResult(t, "the run's", res, apiSecrets("admin@example.com", token))
		})
	}
	t.Run("control: https goes out, credentials inside TLS only", func(t *testing.T) {
		t.Parallel()
		rec := newRecorder(t)
		p, err := faults.Exec{Bin: binPath, Env: append(rec.env(), "BATON_API_KEY="+newToken(t)), Args: []string{
			"--domain-url", "https://confluence.example.com", "--username", "admin@example.com",
			"--file", filepath.Join(t.TempDir(), "sync.c1z"), "--c1z-temp-dir", t.TempDir(),
		}}.Start(t.Context())
		require.NoError(t, err)
		// The refused CONNECT is retried for most of a minute; the first one is all this needs.
		waitFor(t, p, func() bool { return len(rec.requests()) > 0 })
		seen := rec.requests()
		require.NotEmpty(t, seen, "the recorder must see outbound requests, or the refusal cases prove nothing")
		for _, r := range seen {
			require.Equal(t, http.MethodConnect, r.method)
			require.Empty(t, r.authorization)
		}
	})
}

// waitFor polls cond until it holds, then kills p; it fails if p exits first or 30 s pass.
func waitFor(t *testing.T, p *faults.Process, cond func() bool) {
	t.Helper()
	defer func() { _ = p.Kill(); p.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		select {
		case <-p.Done():
			require.True(t, cond(), "the process exited first:\n%s", tail(p.Wait().Stderr, 2000))
			return
		case <-time.After(20 * time.Millisecond):
		}
		require.True(t, time.Now().Before(deadline), "timed out; stderr:\n%s", tail(p.Stderr(), 2000))
	}
}

// TestOldTLSRefused: a server that speaks at most TLS 1.1 is refused (no request, so no
// credentials, reaches it); the same server with TLS 1.2 works.
func TestOldTLSRefused(t *testing.T) {
	t.Parallel()
	certs := newTestTLS(t)
	for _, tc := range []struct {
		name       string
		minV, maxV uint16
		ok         bool
	}{
		{name: "TLS 1.0 and 1.1 only", minV: tls.VersionTLS10, maxV: tls.VersionTLS11},
		{name: "TLS 1.2 only", minV: tls.VersionTLS12, maxV: tls.VersionTLS12, ok: true},
		{name: "TLS 1.3", minV: tls.VersionTLS13, maxV: tls.VersionTLS13, ok: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sim := startSim(t, nil, faults.SimOptions{TLS: certs.config(tc.minV, tc.maxV)})
			env := append(certs.env(), "BATON_API_KEY="+sim.Config().APIToken)
			args := syncArgs(sim, "", filepath.Join(t.TempDir(), "sync.c1z"), t.TempDir())
			if tc.ok {
				res := run(t, env, args...)
				require.Zero(t, res.Code, tail(res.Stderr, 2000))
				return
			}
			// The refused handshake is retried for most of a minute (the client counts it as a
			// transport error); the first failed attempt, logged at debug level, is all this needs.
			p, err := faults.Exec{Bin: binPath, Env: env, Args: append(args, "--log-level", "debug")}.Start(t.Context())
			require.NoError(t, err)
			waitFor(t, p, func() bool { return strings.Contains(p.Stderr(), "protocol version") })
			require.Zero(t, sim.Requests(), "no request got through")
		})
	}
}

// TestRedirectDropsAuthorization: the site redirects the group list to another host (another
// port, or localhost instead of 127.0.0.1); the other host never receives the Authorization
// header. A redirect within the same host keeps it and the sync succeeds (so the check can tell
// the difference).
func TestRedirectDropsAuthorization(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		target func(other *faults.Sim) string // base of the redirect target; "" = same host
	}{
		{name: "same host keeps credentials"},
		{name: "other port", target: func(o *faults.Sim) string { return o.URL() }},
		{name: "other host name", target: func(o *faults.Sim) string {
			u, _ := url.Parse(o.URL())
			return "http://localhost:" + u.Port()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var withAuth, total int
			other := startSim(t, nil, faults.SimOptions{Wrap: func(h http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					mu.Lock()
					total++
					if r.Header.Get("Authorization") != "" {
						withAuth++
					}
					mu.Unlock()
					h.ServeHTTP(w, r)
				})
			}})
			redirect := func(h http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path != "/wiki/rest/api/group" || r.URL.Query().Get("redirected") != "" {
						h.ServeHTTP(w, r)
						return
					}
					base := ""
					if tc.target != nil {
						base = tc.target(other)
					}
					q := r.URL.Query()
					q.Set("redirected", "1")
					http.Redirect(w, r, base+r.URL.Path+"?"+q.Encode(), http.StatusTemporaryRedirect)
				})
			}
			sim := startSim(t, func(c *confluencetest.Config) { c.APIToken = other.Config().APIToken }, faults.SimOptions{Wrap: redirect})
			res := run(t, []string{"BATON_API_KEY=" + sim.Config().APIToken},
				syncArgs(sim, "", filepath.Join(t.TempDir(), "sync.c1z"), t.TempDir())...)
			mu.Lock()
			defer mu.Unlock()
			if tc.target == nil {
				require.Zero(t, res.Code, tail(res.Stderr, 2000))
				require.Zero(t, total)
				return
			}
			require.Positive(t, total, "the redirect was followed")
			require.Zero(t, withAuth, "the other host received the Authorization header")
			require.NotZero(t, res.Code, "without credentials the other host answers 401")
		})
	}
}
