package confluence

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"unicode"
)

// gatewayHost is the Atlassian API gateway. Through it every endpoint lives under
// https://api.atlassian.com/ex/confluence/{cloudId}.
const gatewayHost = "api.atlassian.com"

// baseURL is a parsed, normalised domain URL: scheme and lower-case host, plus a path prefix
// (empty for a site, "/ex/confluence/{cloudId}" for the gateway) without a trailing slash and
// without the "/wiki" suffix. Endpoint paths ("/wiki/rest/api/...") are appended to it.
type baseURL struct {
	scheme string
	host   string // host[:port], lower case
	prefix string
}

// parseBaseURL accepts a bare site ("acme.atlassian.net"), a full URL with or without a trailing
// slash or "/wiki" suffix, a gateway base with a path prefix, and http loopback URLs for local
// simulators. Surrounding white space is trimmed; any other white space is an error.
func parseBaseURL(raw string) (baseURL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return baseURL{}, errors.New("domain URL is empty")
	}
	if strings.IndexFunc(raw, unicode.IsSpace) >= 0 {
		return baseURL{}, fmt.Errorf("domain URL %q contains white space", raw)
	}
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return baseURL{}, fmt.Errorf("parse domain URL %q: %w", raw, err)
	}
	if err := checkURLParts(u, raw); err != nil {
		return baseURL{}, err
	}
	prefix := strings.TrimRight(u.EscapedPath(), "/")
	if strings.HasSuffix(strings.ToLower(prefix), "/wiki") {
		prefix = prefix[:len(prefix)-len("/wiki")]
	}
	return baseURL{scheme: strings.ToLower(u.Scheme), host: strings.ToLower(u.Host), prefix: prefix}, nil
}

func checkURLParts(u *url.URL, raw string) error {
	switch strings.ToLower(u.Scheme) {
	case "https", "http":
	default:
		return fmt.Errorf("domain URL %q: unsupported scheme %q (use https)", raw, u.Scheme)
	}
	if u.Hostname() == "" {
		return fmt.Errorf("domain URL %q has no host", raw)
	}
	if u.User != nil {
		return fmt.Errorf("domain URL for host %s must not contain credentials: use WithBasicAuth", u.Hostname())
	}
	if u.RawQuery != "" || u.ForceQuery {
		return fmt.Errorf("domain URL %q must not contain a query string", raw)
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return fmt.Errorf("domain URL %q must not contain a fragment", raw)
	}
	if u.Opaque != "" {
		return fmt.Errorf("domain URL %q is not a hierarchical URL", raw)
	}
	return nil
}

// String returns the base URL every endpoint path is appended to.
func (b baseURL) String() string { return b.scheme + "://" + b.host + b.prefix }

// site returns the scheme and host without any prefix, where /_edge/tenant_info lives.
func (b baseURL) site() string { return b.scheme + "://" + b.host }

// hostname returns the host without a port.
func (b baseURL) hostname() string {
	if h, _, err := net.SplitHostPort(b.host); err == nil {
		return strings.Trim(h, "[]")
	}
	return strings.Trim(b.host, "[]")
}

// isGateway reports whether the base is the api.atlassian.com gateway.
func (b baseURL) isGateway() bool { return b.hostname() == gatewayHost }

// isLoopback reports whether host (without port) is localhost or a loopback IP address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkPlainHTTP refuses plain http to a non-loopback host when credentials would be sent.
func (b baseURL) checkPlainHTTP(withCredentials bool) error {
	if b.scheme != "http" || !withCredentials || isLoopback(b.hostname()) {
		return nil
	}
	return fmt.Errorf("refusing to send credentials over plain http to %s: use https", b.hostname())
}
