// Package confluence is a client for the parts of the Atlassian Confluence Cloud REST API (v1 and
// v2) that an identity-governance connector needs: users, groups and their members, spaces, space
// permissions, RBAC space roles and role assignments, and the tenant's cloud id.
//
// The client follows the shape of google/go-github: NewClient returns a *Client with one service per
// API area (Users, Groups, Spaces, SpaceRoles, Tenant). Every method takes a context, its required
// arguments and an optional *XOptions, and returns the decoded value, a *Response and an error.
// Response carries the position of the next page: NextStart for v1 (offset) endpoints and
// NextCursor for v2 (cursor) endpoints. Iterators (All, AllMembers, ...) walk every page.
//
// # Pagination
//
// v1 lists advance start by the number of results actually returned and stop only on an empty page
// or a missing _links.next: the server may cap the page size silently, and totalSize is not
// trusted. v2 cursors are passed back exactly as received. Links in responses are site-relative
// even through the api.atlassian.com gateway, so the client never follows them as URLs: it takes
// only the start or cursor value and keeps its own base URL. Default page sizes are each
// endpoint's documented maximum: 200 for groups, group members and user search, 250 for v2 lists.
//
// # Transport
//
// All requests go through one RoundTripper stack composed in NewClient. It retries idempotent
// requests (GET, HEAD, DELETE, and POSTs the client marks safe: users-bulk and set-role-assignments)
// on 429, 5xx, transport errors, truncated bodies and malformed JSON, honouring Retry-After and
// Beta-Retry-After (seconds or HTTP-date) and otherwise backing off exponentially with full jitter
// up to a cap (see RetryPolicy). A plain POST is retried only on 429, which the server sends before
// doing any work. An optional client-side token bucket comes from WithRequestRate. Every wait
// respects the context and goes through the sleep function set by WithSleep.
//
// # Rate limits
//
// An adaptive (AIMD) limiter bounds the requests in flight: it halves on a 429 and grows by one
// after a run of successes, up to WithMaxConcurrency. A pacer spaces requests out from the first
// sign of pressure: a 429, X-RateLimit-NearLimit: true, or an X-RateLimit-Remaining that is low
// now or will be once the requests already on the wire land. When answers carry
// X-RateLimit-Limit and X-RateLimit-Remaining, the client estimates the server's refill rate from
// how Remaining moves against its own requests (or reads one from a distant X-RateLimit-Reset)
// and paces to it, faster while the server's bucket holds more than 30% of its capacity and
// slower as it empties, so the budget is used without being overrun; NearLimit is then left to
// the pace and only a 429 lowers the concurrency, never below what the pace needs at the
// observed round trip. The request that got a 429 always waits its Retry-After; the others wait
// it out too until the refill rate is known, and afterwards go on at the lowered pace instead of
// stalling together and then all resuming at once. Until the refill rate is known, or without
// rate-limit headers, the pace is AIMD on the measured request rate and NearLimit also halves
// the concurrency.
//
// # Errors
//
// Non-2xx answers become *Error (use errors.Is with ErrNotFound, ErrUnauthorized, ErrForbidden,
// ErrBadRequest, ErrPermissionExists). A 429 or 503 that is still there after the retries becomes
// *RateLimitError, which has RetryAfter() and Temporary(). Other 5xx and transport failures also
// report Temporary() == true. Credentials never appear in errors, events or formatted output.
package confluence
