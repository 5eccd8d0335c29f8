package security_test

import (
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/pkg/connector/connectortest"
	"github.com/baton-confluence/baton-confluence/test/faults"
)

// ipv6Loopback reports whether ::1 can be listened on here.
func ipv6Loopback() bool {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		return false
	}
	_ = ln.Close()
	return true
}

// TestDomainURLForms: every documented form of --domain-url reaches the same tenant and syncs
// exactly its truth: a bare host (read as https), with scheme, trailing slash, /wiki, upper
// case, surrounding white space, the API gateway path, IPv6 loopback, and plain http to
// loopback. The https forms trust a throwaway certificate through SSL_CERT_FILE.
func TestDomainURLForms(t *testing.T) {
	t.Parallel()
	certs := newTestTLS(t)
	type form struct {
		name   string
		v6     bool
		tls    bool
		domain func(base *url.URL, cloudID string) string
	}
	forms := []form{
		{name: "bare host", tls: true, domain: func(b *url.URL, _ string) string { return b.Host }},
		{name: "https", tls: true, domain: func(b *url.URL, _ string) string { return b.String() }},
		{name: "trailing slash", tls: true, domain: func(b *url.URL, _ string) string { return b.String() + "/" }},
		{name: "wiki", tls: true, domain: func(b *url.URL, _ string) string { return b.String() + "/wiki" }},
		{name: "wiki and slash", tls: true, domain: func(b *url.URL, _ string) string { return b.String() + "/wiki/" }},
		{name: "upper case", tls: true, domain: func(b *url.URL, _ string) string {
			return strings.ToUpper("https://localhost:" + b.Port() + "/wiki")
		}},
		{name: "white space", tls: true, domain: func(b *url.URL, _ string) string { return "  " + b.String() + "/wiki \t" }},
		{name: "gateway path", tls: true, domain: func(b *url.URL, id string) string { return b.String() + "/ex/confluence/" + id }},
		{name: "gateway path with wiki", tls: true, domain: func(b *url.URL, id string) string { return b.String() + "/ex/confluence/" + id + "/wiki/" }},
		{name: "ipv6 loopback", v6: true, tls: true, domain: func(b *url.URL, _ string) string { return b.String() }},
		{name: "ipv6 loopback, bare", v6: true, tls: true, domain: func(b *url.URL, _ string) string { return b.Host + "/wiki" }},
		{name: "http loopback", domain: func(b *url.URL, _ string) string { return b.String() }},
		{name: "http localhost", domain: func(b *url.URL, _ string) string { return "http://localhost:" + b.Port() + "/wiki/" }},
		{name: "http ipv6 loopback", v6: true, domain: func(b *url.URL, _ string) string { return b.String() + "/wiki" }},
	}
	for _, f := range forms {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			if f.v6 && !ipv6Loopback() {
				t.Skip("IPv6 loopback (::1) is not available here")
			}
			opts := faults.SimOptions{}
			if f.tls {
				opts.TLS = certs.config(0, 0)
			}
			if f.v6 {
				opts.Addr = "[::1]:0"
			}
			sim := startSim(t, nil, opts)
			base, err := url.Parse(sim.URL())
			require.NoError(t, err)
			truth := sim.Truth()
			domain := f.domain(base, truth.CloudID)
			out := filepath.Join(t.TempDir(), "sync.c1z")
			res := run(t, append(certs.env(), "BATON_API_KEY="+sim.Config().APIToken), syncArgs(sim, domain, out, t.TempDir())...)
			require.Zero(t, res.Code, "--domain-url %q: %s", domain, tail(res.Stderr, 2000))
			got, err := connectortest.ReadContent(t.Context(), out, t.TempDir())
			require.NoError(t, err)
			if d := connectortest.Diff(connectortest.Expected(truth, connectortest.Options{}), got, 5); d != "" {
				t.Fatalf("--domain-url %q: content differs from the truth:\n%s", domain, d)
			}
			if strings.Contains(domain, "/ex/confluence/") {
				require.Positive(t, sim.Stats().Gateway, "requests went through the gateway path")
			}
		})
	}
}

// TestDomainURLInvalid: invalid domain URLs fail with exit status 2 and a message naming
// --domain-url, before any request (none reaches the simulator, none leaves through the
// recorder proxy), and a URL holding credentials is never echoed.
func TestDomainURLInvalid(t *testing.T) {
	t.Parallel()
	sim := startSim(t, nil, faults.SimOptions{})
	rec := newRecorder(t)
	base, err := url.Parse(sim.URL())
	require.NoError(t, err)
	token := newToken(t)
	for _, domain := range []string{
		"ftp://" + base.Host,
		"https://admin:" + token + "@" + base.Host,
		"admin:" + token + "@" + base.Host,
		sim.URL() + "/?os_authType=basic",
		sim.URL() + "/wiki#spaces",
		"https://",
		"https:///wiki",
		"https://exa mple.atlassian.net",
		"https://ex_ample.atlassian.net",
		"https://例え.atlassian.net",
		"http://confluence.example.com",
		"javascript:alert(1)",
		strings.Repeat("a", 70000) + ".atlassian.net",
	} {
		t.Run(firstN(domain, 60), func(t *testing.T) {
			res := run(t, append(rec.env(), "BATON_API_KEY="+token), syncArgs(sim, domain, filepath.Join(t.TempDir(), "s.c1z"), t.TempDir())...)
			require.Equal(t, 2, res.Code, "a configuration error; stderr:\n%s", tail(res.Stderr, 2000))
			require.Contains(t, res.Message(), "--domain-url")
			require.Less(t, len(res.Message()), 2000, "the message stays readable")
			requireCleanResult(t, "the run's", res, apiSecrets(sim.Config().Username, token))
		})
	}
	require.Zero(t, sim.Requests(), "a request reached the simulator")
	require.Empty(t, rec.requests(), "a request left the process")
}

func firstN(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
