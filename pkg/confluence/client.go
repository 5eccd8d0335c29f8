package confluence

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// Client talks to one Confluence Cloud site (or to the api.atlassian.com gateway for one cloud
// id). It is safe for concurrent use. Create it with NewClient.
type Client struct {
	base      baseURL
	creds     credentials
	userAgent string
	retry     RetryPolicy
	http      *http.Client
	transport *transport

	// Users reads users: the caller, user search and bulk lookup.
	Users *UsersService
	// Groups lists groups and members and changes memberships.
	Groups *GroupsService
	// Spaces lists spaces and their permissions and changes permissions.
	Spaces *SpacesService
	// SpaceRoles reads and sets RBAC space roles.
	SpaceRoles *SpaceRolesService
	// Tenant reads the site's cloud id.
	Tenant *TenantService
}

type service struct{ client *Client }

// NewClient validates domainURL and the options and composes the client and its transport
// stack. domainURL may be a bare site ("acme.atlassian.net"), a full site URL with or without
// "/wiki", the gateway base "https://api.atlassian.com/ex/confluence/{cloudId}", or an http
// loopback URL for a local simulator. Credentials are never sent over plain http to any other
// host.
func NewClient(domainURL string, opts ...Option) (*Client, error) {
	base, err := parseBaseURL(domainURL)
	if err != nil {
		return nil, err
	}
	s := settings{sleep: sleepContext, now: time.Now, jitter: defaultJitter, maxConcurrency: DefaultMaxConcurrency,
		timeout: DefaultTimeout, userAgent: DefaultUserAgent}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&s); err != nil {
			return nil, fmt.Errorf("configure client for %s: %w", base.hostname(), err)
		}
	}
	if s.timeout == 0 {
		s.timeout = DefaultTimeout
	}
	if err := base.checkPlainHTTP(s.creds.set()); err != nil {
		return nil, err
	}
	c := &Client{base: base, creds: s.creds, userAgent: s.userAgent, retry: s.retry.withDefaults()}
	c.transport = newTransport(&s, c.retry)
	c.http = &http.Client{Transport: c.transport, CheckRedirect: c.checkRedirect}
	if s.httpClient != nil {
		c.http.Jar = s.httpClient.Jar
	}
	c.Users = (*UsersService)(&service{c})
	c.Groups = (*GroupsService)(&service{c})
	c.Spaces = (*SpacesService)(&service{c})
	c.SpaceRoles = (*SpaceRolesService)(&service{c})
	c.Tenant = (*TenantService)(&service{c})
	return c, nil
}

func newTransport(s *settings, policy RetryPolicy) *transport {
	observe := s.observer
	if observe == nil {
		observe = func(Event) {}
	}
	t := &transport{
		base:    baseTransport(s.httpClient, s.maxConcurrency),
		policy:  policy,
		timeout: s.timeout,
		sleep:   s.sleep,
		now:     s.now,
		jitter:  s.jitter,
		observe: observe,
		pace:    newPacer(),
	}
	t.slots = newAIMDLimiter(s.maxConcurrency, func(limit int) {
		observe(Event{Kind: EventConcurrency, Limit: limit})
	})
	if s.rps > 0 {
		t.bucket = rate.NewLimiter(rate.Limit(s.rps), s.burst)
	}
	return t
}

// baseTransport returns the RoundTripper under the retry layer: the given client's transport,
// or a copy of http.DefaultTransport, with TLS 1.2 as the minimum where it can be set.
func baseTransport(hc *http.Client, maxConcurrency int) http.RoundTripper {
	rt := http.DefaultTransport
	if hc != nil && hc.Transport != nil {
		rt = hc.Transport
	}
	t, ok := rt.(*http.Transport)
	if !ok {
		return rt
	}
	t = t.Clone()
	if t.TLSClientConfig == nil {
		t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	} else if t.TLSClientConfig.MinVersion < tls.VersionTLS12 {
		t.TLSClientConfig.MinVersion = tls.VersionTLS12
	}
	if t.MaxIdleConnsPerHost < 2*maxConcurrency {
		t.MaxIdleConnsPerHost = 2 * maxConcurrency
	}
	return t
}

// checkRedirect drops the Authorization header whenever a redirect leaves the original host or
// downgrades to plain http, and stops after 10 redirects.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	first := via[0].URL
	if !strings.EqualFold(req.URL.Host, first.Host) || req.URL.Scheme != first.Scheme ||
		(req.URL.Scheme == "http" && !isLoopback(req.URL.Hostname())) {
		req.Header.Del("Authorization")
	}
	return nil
}

// newRequest builds a request for an endpoint path such as "/wiki/rest/api/group" (path
// segments already escaped by the caller). cursor, when set, is appended as a raw query value.
func (c *Client) newRequest(ctx context.Context, method, path string, q url.Values, cursor string, body any) (*http.Request, error) {
	return c.newRequestTo(ctx, method, c.base.String()+path, q, cursor, body)
}

func (c *Client) newRequestTo(ctx context.Context, method, target string, q url.Values, cursor string, body any) (*http.Request, error) {
	query := q.Encode()
	if cursor != "" {
		if query != "" {
			query += "&"
		}
		query += "cursor=" + escapeCursor(cursor)
	}
	if query != "" {
		target += "?" + query
	}
	var rd io.Reader
	if body != nil {
		buf, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("encode request body: %w", err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if strings.Contains(endpointPath(req), "/wiki/rest/api/") && method != http.MethodGet {
		req.Header.Set("X-Atlassian-Token", "no-check") // v1 writes fail the XSRF check without it
	}
	if auth := c.creds.authorization(); auth != "" {
		req.Header.Set("Authorization", auth)
	}
	return req, nil
}

func endpointPath(req *http.Request) string { return req.URL.EscapedPath() }

// do sends req and decodes a 2xx JSON body into v (when v is not nil). Every non-2xx answer
// goes through checkResponse.
func (c *Client) do(req *http.Request, meta requestMeta, v any) (*Response, error) {
	meta.expectJSON = v != nil
	req = req.WithContext(withMeta(req.Context(), meta))
	hresp, err := c.http.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		var terr *TransportError
		if errors.As(err, &terr) {
			return nil, err
		}
		return nil, fmt.Errorf("%s %s: %w", req.Method, endpointPath(req), err)
	}
	body, _ := io.ReadAll(hresp.Body) // a bytes.Reader filled by the transport
	_ = hresp.Body.Close()
	hresp.Body = io.NopCloser(bytes.NewReader(body))
	resp := newResponse(hresp)
	if err := c.checkResponse(hresp, body); err != nil {
		return resp, err
	}
	if v == nil {
		return resp, nil
	}
	if reason := badJSONAnswer(hresp, body); reason != "" {
		return resp, fmt.Errorf("decode response of %s %s: %s (content type %q)", req.Method, endpointPath(req), reason, hresp.Header.Get("Content-Type"))
	}
	if err := json.Unmarshal(body, v); err != nil {
		return resp, fmt.Errorf("decode response of %s %s: %w", req.Method, endpointPath(req), err)
	}
	return resp, nil
}

// String describes the client without its credentials.
func (c *Client) String() string {
	return fmt.Sprintf("confluence.Client{base: %s, auth: %s}", c.base.String(), c.creds.String())
}

// GoString describes the client without its credentials.
func (c *Client) GoString() string { return c.String() }

// Format describes the client without its credentials, for every verb.
func (c *Client) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

// BaseURL returns the base every endpoint path is appended to, such as
// "https://acme.atlassian.net" or "https://api.atlassian.com/ex/confluence/{cloudId}".
func (c *Client) BaseURL() string { return c.base.String() }

// ConcurrencyLimit returns the adaptive limiter's current limit and the requests in flight.
func (c *Client) ConcurrencyLimit() (limit, inFlight int) { return c.transport.slots.current() }
