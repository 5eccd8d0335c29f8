package config

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/baton-confluence/baton-confluence/internal/baton/field"
)

// checkDomainURL accepts a bare site ("acme.atlassian.net", read as https, as the REST client
// does) or an http or https URL with a valid host and no '@', query or fragment; plain http only
// to a loopback host (a local test server), since the credentials would travel in clear. A value
// containing '@' might carry a password, so it is rejected without being echoed; long values
// are quoted cut short.
func checkDomainURL(raw string) error {
	flag := "--" + DomainURLName + " (" + field.EnvVar(DomainURLName) + ")"
	if strings.Contains(raw, "@") {
		return fmt.Errorf("the value of %s must not contain '@': put credentials in --%s and --%s", flag, UsernameName, APIKeyName)
	}
	flag += " " + quoteShort(raw)
	if strings.IndexFunc(raw, unicode.IsSpace) >= 0 {
		return fmt.Errorf("%s must not contain spaces", flag)
	}
	full := raw
	if !strings.Contains(raw, "://") {
		full = "https://" + strings.TrimPrefix(raw, "//")
	}
	scheme, rest, _ := strings.Cut(full, "://")
	if s := strings.ToLower(scheme); s != "https" && s != "http" {
		return fmt.Errorf("%s has unsupported scheme %s: use https", flag, quoteShort(scheme))
	}
	u, err := url.Parse(full)
	switch {
	case err != nil:
		return fmt.Errorf("%s is not a valid URL", flag)
	case u.Hostname() == "" || rest == "":
		return fmt.Errorf("%s has no host", flag)
	case strings.ContainsAny(raw, "?#"):
		return fmt.Errorf("%s must not have a query or fragment", flag)
	case !validHost(u.Hostname()):
		return fmt.Errorf("%s has an invalid host", flag)
	case strings.EqualFold(scheme, "http") && !isLoopback(u.Hostname()):
		return fmt.Errorf("%s uses plain http: credentials are only sent over https "+
			"(plain http is for local test servers on 127.0.0.1, ::1 or localhost)", flag)
	}
	return nil
}

// isLoopback reports whether host is localhost or a loopback IP address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// maxQuoted bounds the quoted form of a rejected value in an error message.
const maxQuoted = 120

// quoteShort quotes v for an error message; a value whose quoted form is longer than maxQuoted
// is cut (at a rune boundary) until it fits, and its length is given.
func quoteShort(v string) string {
	if q := strconv.Quote(v); len(q) <= maxQuoted+2 {
		return q
	}
	cut := min(len(v), maxQuoted)
	for cut > 0 && (cut < len(v) && !utf8.RuneStart(v[cut]) || len(strconv.Quote(v[:cut])) > maxQuoted+2) {
		cut--
	}
	return fmt.Sprintf("%s... (%d bytes)", strconv.Quote(v[:cut]), len(v))
}

// validHost accepts an IP address or an ASCII DNS name: letters, digits and '-' in labels of 1
// to 63 characters, at most 253 characters in all (a trailing dot allowed).
func validHost(h string) bool {
	if net.ParseIP(h) != nil {
		return true
	}
	h = strings.TrimSuffix(h, ".")
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, r := range label {
			if r != '-' && (r < '0' || r > '9') && (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') {
				return false
			}
		}
	}
	return true
}
