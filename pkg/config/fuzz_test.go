package config

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzDomainURL checks that domain URL validation never panics and never echoes a value that
// may hold credentials (anything with '@').
func FuzzDomainURL(f *testing.F) {
	for _, s := range []string{"https://acme.atlassian.net", "acme.atlassian.net", "https://u:p@acme", "ftp://x",
		"https://", "http://[::1]:8080/wiki", "https://acme.atlassian.net/?q#f", "%zz://x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		err := checkDomainURL(raw)
		if err == nil {
			if strings.Contains(raw, "@") || strings.ContainsAny(raw, " \t\n?#") {
				t.Fatalf("accepted %q", raw)
			}
			if u, perr := url.Parse(raw); perr == nil && strings.Contains(raw, "://") && strings.EqualFold(u.Scheme, "http") &&
				!isLoopback(u.Hostname()) {
				t.Fatalf("accepted plain http to %q", u.Hostname())
			}
			return
		}
		if len(err.Error()) > 600 {
			t.Fatalf("the message quotes too much of a %d-byte value: %d bytes", len(raw), len(err.Error()))
		}
		if strings.Contains(raw, "@") && err.Error() != atSign {
			t.Fatalf("a value with '@' must get the fixed message that never echoes it, got: %v", err)
		}
	})
}
