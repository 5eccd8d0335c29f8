package cli

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMaskUserinfo(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"https://acme.atlassian.net/wiki", "https://acme.atlassian.net/wiki"},
		{"https://u:tok3n@acme.atlassian.net/wiki", "https://********@acme.atlassian.net/wiki"},
		{"https://tok3n@acme.atlassian.net", "https://********@acme.atlassian.net"},
		{"HTTP://a:b@c@host:8080/x?y=@z", "HTTP://********@host:8080/x?y=@z"},
		{"admin:tok3n@acme.atlassian.net", "********@acme.atlassian.net"},
		{"admin@example.com", "admin@example.com"},
		{"https://acme.atlassian.net/wiki/display/~admin@example.com", "https://acme.atlassian.net/wiki/display/~admin@example.com"},
		{"", ""},
		{"@", "@"},
		{"://@", "://********@"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, maskUserinfo(tt.in))
		})
	}
}

// TestCredentialsInURLMasked: a domain URL carrying credentials is masked in the debug log of
// the effective configuration and in Config.String (the value itself stays intact).
func TestCredentialsInURLMasked(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.run("--api-key", "s3cr3t-key", "--username", "me@example.com", "--log-level", "debug",
		"--domain-url", "https://me:t0k3n@x.atlassian.net/wiki")
	require.Equal(t, 0, r.code, r.errOut)
	require.Equal(t, "https://me:t0k3n@x.atlassian.net/wiki", r.cfg.GetString("domain-url"))
	require.Contains(t, r.errOut, `"domain-url":"\"https://********@x.atlassian.net/wiki\" (flag)"`)
	require.Contains(t, r.errOut, `"username":"\"me@example.com\" (flag)"`)
	require.NotContains(t, r.errOut, "t0k3n")
	require.NotContains(t, r.cfg.String(), "t0k3n")
}
