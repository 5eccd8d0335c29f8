package service

import (
	"strings"
	"testing"
)

// FuzzParseClientSecret: parsing never panics, and a rejected secret's payload never appears in
// the error.
func FuzzParseClientSecret(f *testing.F) {
	f.Add("secret-token:conductorone.com:v1:eyJrdHkiOiJPS1AiLCJjcnYiOiJFZDI1NTE5IiwieCI6IkFBQUEifQ")
	f.Add("secret-token:conductorone.com:v2:abc")
	f.Add("a:b:c")
	f.Add("secret-token:x:v1:eyJrdHkiOiJFQyJ9")
	f.Fuzz(func(t *testing.T, s string) {
		key, err := parseClientSecret(s)
		if err == nil {
			if len(key.key) != 64 {
				t.Fatalf("accepted a key of %d bytes", len(key.key))
			}
			return
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "invalid client secret: ") {
			t.Fatalf("unexpected error text %q", msg)
		}
		parts := strings.SplitN(s, ":", 4)
		if payload := parts[len(parts)-1]; len(payload) >= 12 && strings.Contains(msg, payload) {
			t.Fatalf("error %q echoes the secret", msg)
		}
	})
}

// FuzzParseClientID: parsing never panics and an accepted id splits as documented.
func FuzzParseClientID(f *testing.F) {
	f.Add("my-conn@acme.conductor.one/pcc")
	f.Add("a@b:8443/c/d")
	f.Add("@/")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := parseClientID(s)
		if err != nil {
			return
		}
		if id.raw != s || !strings.HasPrefix(s, id.name+"@"+id.tenantHost+"/") || strings.Contains(id.name, "@") {
			t.Fatalf("bad split of %q: %+v", s, id)
		}
		if id.audience() == "" {
			t.Fatalf("empty audience for %q", s)
		}
	})
}
