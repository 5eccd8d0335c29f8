package confluence

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Response wraps the HTTP answer (its body is already read) and carries the position of the next
// page and the rate-limit headers.
type Response struct {
	*http.Response

	// NextStart is the start of the next page of a v1 list, or 0 when this was the last page.
	NextStart int
	// NextCursor is the cursor of the next page of a v2 list exactly as the server sent it (still
	// URL-escaped), or "" when this was the last page. Pass it back unchanged.
	NextCursor string
	// RateLimit holds the parsed rate-limit headers.
	RateLimit RateLimit
}

// RateLimit holds the X-RateLimit-* headers of one answer.
type RateLimit struct {
	// Limit and Remaining are -1 when the header is absent.
	Limit     int
	Remaining int
	// ResetAt is zero when X-RateLimit-Reset is absent or unreadable.
	ResetAt time.Time
	// NearLimit is X-RateLimit-NearLimit: true (less than 20% of the capacity left).
	NearLimit bool
}

// nearLimitFraction is the share of capacity under which Remaining counts as low, matching the
// server's own X-RateLimit-NearLimit threshold.
const nearLimitFraction = 0.2

// Pressure reports whether the answer asks the client to slow down: NearLimit, or Remaining
// below 20% of Limit.
func (r RateLimit) Pressure() bool {
	if r.NearLimit {
		return true
	}
	return r.Limit > 0 && r.Remaining >= 0 && float64(r.Remaining) < nearLimitFraction*float64(r.Limit)
}

func newResponse(r *http.Response) *Response {
	resp := &Response{Response: r, RateLimit: parseRateLimit(r.Header)}
	if next := linkNext(r.Header.Values("Link")); next != "" {
		resp.NextCursor = cursorFromLink(next)
	}
	return resp
}

func parseRateLimit(h http.Header) RateLimit {
	return RateLimit{
		Limit:     headerInt(h, "X-RateLimit-Limit"),
		Remaining: headerInt(h, "X-RateLimit-Remaining"),
		ResetAt:   parseResetTime(h.Get("X-RateLimit-Reset")),
		NearLimit: strings.EqualFold(strings.TrimSpace(h.Get("X-RateLimit-NearLimit")), "true"),
	}
}

func headerInt(h http.Header, name string) int {
	v, err := strconv.Atoi(strings.TrimSpace(h.Get(name)))
	if err != nil || v < 0 {
		return -1
	}
	return v
}

// resetLayouts are the forms X-RateLimit-Reset arrives in; Atlassian sends yyyy-MM-ddTHH:mmZ,
// which time.RFC3339 rejects.
var resetLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02T15:04Z", "2006-01-02T15:04:05Z0700"}

func parseResetTime(v string) time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}
	}
	for _, layout := range resetLayouts {
		if t, err := time.Parse(layout, v); err == nil {
			return t
		}
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil && secs > 1_000_000_000 {
		return time.Unix(secs, 0)
	}
	return time.Time{}
}

// linkNext returns the target of the rel="next" entry of Link headers, or "". An entry is
// "<target>; param; param", entries are separated by commas; parameters end where the next "<"
// starts.
func linkNext(values []string) string {
	for _, v := range values {
		for {
			open := strings.IndexByte(v, '<')
			if open < 0 {
				break
			}
			end := strings.IndexByte(v[open:], '>')
			if end < 0 {
				break
			}
			target := v[open+1 : open+end]
			if i := strings.LastIndexByte(target, '<'); i >= 0 {
				target = target[i+1:] // "<<x>": the innermost "<" starts the target
			}
			v = v[open+end+1:]
			params := v
			if i := strings.IndexByte(v, '<'); i >= 0 {
				params = v[:i]
			}
			if hasRelNext(strings.TrimRight(strings.TrimSpace(params), ",")) {
				return strings.TrimSpace(target)
			}
		}
	}
	return ""
}

// hasRelNext reports whether link parameters contain rel=next (rel may list several types).
func hasRelNext(params string) bool {
	for p := range strings.SplitSeq(params, ";") {
		name, value, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(name), "rel") {
			continue
		}
		for rel := range strings.FieldsSeq(strings.Trim(strings.TrimSpace(value), `"`)) {
			if strings.EqualFold(rel, "next") {
				return true
			}
		}
	}
	return false
}

// cursorFromLink returns the raw (still escaped) value of the cursor query parameter of a link,
// or "". The link is never followed: only the cursor is kept.
func cursorFromLink(link string) string {
	_, query, ok := strings.Cut(link, "?")
	if !ok {
		return ""
	}
	query, _, _ = strings.Cut(query, "#")
	for pair := range strings.SplitSeq(query, "&") {
		if key, value, ok := strings.Cut(pair, "="); ok && key == "cursor" {
			return value
		}
	}
	return ""
}
