package config

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/baton-confluence/baton-confluence/internal/baton/field"
)

// checkDomainURL accepts a bare site ("acme.atlassian.net", read as https, as the REST client
// does) or an http or https URL with a host and no '@', query or fragment (http only makes
// sense for a local test server). A value containing '@' might carry a password, so it is
// rejected without being echoed.
func checkDomainURL(raw string) error {
	flag := "--" + DomainURLName + " (" + field.EnvVar(DomainURLName) + ")"
	if strings.Contains(raw, "@") {
		return fmt.Errorf("the value of %s must not contain '@': put credentials in --%s and --%s", flag, UsernameName, APIKeyName)
	}
	flag += " " + strconv.Quote(raw)
	if strings.IndexFunc(raw, unicode.IsSpace) >= 0 {
		return fmt.Errorf("%s must not contain spaces", flag)
	}
	full := raw
	if !strings.Contains(raw, "://") {
		full = "https://" + strings.TrimPrefix(raw, "//")
	}
	scheme, rest, _ := strings.Cut(full, "://")
	if s := strings.ToLower(scheme); s != "https" && s != "http" {
		return fmt.Errorf("%s has unsupported scheme %q: use https", flag, scheme)
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
	}
	return nil
}

// validHost accepts an IP address or an ASCII host name (letters, digits, '-', '.').
func validHost(h string) bool {
	if net.ParseIP(h) != nil {
		return true
	}
	for _, r := range h {
		if !(r == '-' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}
