package confluence

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
)

const redacted = "[REDACTED]"

// sealed keeps a secret XOR-masked with a random pad, so that even a reflective dump of the
// struct that holds it (fmt of an unexported field, a debugger, a heap snapshot read as text)
// never shows the secret itself.
type sealed struct {
	pad  []byte
	data []byte
}

func seal(s string) sealed {
	pad := make([]byte, len(s))
	_, _ = rand.Read(pad) // never fails: crypto/rand.Read panics rather than return an error
	data := make([]byte, len(s))
	for i := range len(s) {
		data[i] = s[i] ^ pad[i]
	}
	return sealed{pad: pad, data: data}
}

func (s sealed) open() string {
	out := make([]byte, len(s.data))
	for i := range s.data {
		out[i] = s.data[i] ^ s.pad[i]
	}
	return string(out)
}

func (s sealed) empty() bool { return len(s.data) == 0 }

// String redacts the secret.
func (sealed) String() string { return redacted }

// GoString redacts the secret.
func (sealed) GoString() string { return redacted }

// Format redacts the secret for every verb.
func (sealed) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// credentials holds the Basic-auth pair. Only the username is ever shown.
type credentials struct {
	username string
	token    sealed
}

func (c credentials) set() bool { return c.username != "" || !c.token.empty() }

// authorization returns the Authorization header value. Callers must not keep or print it.
func (c credentials) authorization() string {
	if !c.set() {
		return ""
	}
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(c.username+":"+c.token.open()))
}

// String shows the username and redacts the token.
func (c credentials) String() string {
	if !c.set() {
		return "none"
	}
	return "basic(" + c.username + ", token " + redacted + ")"
}

// GoString shows the username and redacts the token.
func (c credentials) GoString() string { return c.String() }

// Format shows the username and redacts the token for every verb.
func (c credentials) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }

// redact replaces every occurrence of the token and of the encoded Basic pair in s (a server
// could echo a header back in an error body).
func (c credentials) redact(s string) string {
	if c.token.empty() {
		return s
	}
	token := c.token.open()
	pair := base64.StdEncoding.EncodeToString([]byte(c.username + ":" + token))
	s = strings.ReplaceAll(s, pair, redacted)
	return strings.ReplaceAll(s, token, redacted)
}
