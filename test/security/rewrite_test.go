package security_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// hostile rewrites the simulator's traffic so that the connector sees hostile data while the
// simulator (and so the ground truth) stays unchanged:
//   - ids (group ids and account ids) are swapped for hostile ones in every answer, as exact
//     JSON string values, and swapped back in request paths, queries and bodies;
//   - v2 page cursors become long unicode strings with separators, swapped back on requests;
//   - every JSON object gains unexpected fields (objects, arrays, nulls), and fields the
//     connector does not use are set to null.
type hostile struct {
	ids  map[string]string // original -> hostile
	back map[string]string // hostile -> original

	mu          sync.Mutex
	cursors     map[string]string // hostile -> original
	cursorsFwd  map[string]string // original -> hostile
	nextCursorN int
}

// nulled are fields of entities the connector does not read; they become null.
var nulled = []string{"profilePicture", "timeZone", "_expandable", "icon", "authorId", "createdAt", "homepageId"}

func newHostile(ids map[string]string) *hostile {
	h := &hostile{ids: ids, back: map[string]string{}, cursors: map[string]string{}, cursorsFwd: map[string]string{}}
	for k, v := range ids {
		h.back[v] = k
	}
	return h
}

// hostileID is the hostile form of an id: separators, unicode, characters that need escaping in
// paths and queries, and great length.
func hostileID(kind, id string, n int) string {
	return fmt.Sprintf("%s:%s:ünï-cødé/%%zz?#&=+ %d:%s", kind, id, n, strings.Repeat("long-", 60))
}

func (h *hostile) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h.request(r); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if rec.Code/100 == 2 && strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") && len(body) > 0 {
			body = h.response(body)
		}
		for k, vs := range rec.Header() {
			for _, v := range vs {
				if k == "Link" {
					v = linkRE.ReplaceAllStringFunc(v, func(m string) string { return "<" + h.nextLink(m[1:len(m)-1]) + ">" })
				}
				w.Header().Add(k, v)
			}
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	})
}

var linkRE = regexp.MustCompile(`<[^>]*>`)

// request swaps hostile ids and cursors back in the path, the query and a JSON body.
func (h *hostile) request(r *http.Request) error {
	segs := strings.Split(r.URL.EscapedPath(), "/")
	for i, s := range segs {
		if u, err := url.PathUnescape(s); err == nil {
			if orig, ok := h.back[u]; ok {
				segs[i] = url.PathEscape(orig)
			}
		}
	}
	raw := strings.Join(segs, "/")
	p, err := url.PathUnescape(raw)
	if err != nil {
		return err
	}
	r.URL.Path, r.URL.RawPath = p, ""
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return err
	}
	h.mu.Lock()
	for k, vs := range q {
		for i, v := range vs {
			if orig, ok := h.back[v]; ok {
				vs[i] = orig
			}
			if orig, ok := h.cursors[v]; ok && k == "cursor" {
				vs[i] = orig
			}
		}
	}
	h.mu.Unlock()
	r.URL.RawQuery = q.Encode()
	if r.Body == nil || r.ContentLength == 0 {
		return nil
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	var v any
	if json.Unmarshal(b, &v) == nil {
		v = h.walk(v, h.back, false)
		b, _ = json.Marshal(v)
	}
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
	return nil
}

// response rewrites an answer's JSON.
func (h *hostile) response(body []byte) []byte {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var v any
	if d.Decode(&v) != nil {
		return body
	}
	out, err := json.Marshal(h.walk(v, h.ids, true))
	if err != nil {
		return body
	}
	return out
}

// walk maps exact string values through m; in answers it also rewrites cursors and links and
// adds and nulls fields.
func (h *hostile) walk(v any, m map[string]string, answer bool) any {
	switch x := v.(type) {
	case string:
		if y, ok := m[x]; ok {
			return y
		}
		return x
	case []any:
		for i := range x {
			x[i] = h.walk(x[i], m, answer)
		}
		return x
	case map[string]any:
		for k, e := range x {
			x[k] = h.walk(e, m, answer)
		}
		if !answer {
			return x
		}
		if next, ok := x["next"].(string); ok {
			x["next"] = h.nextLink(next)
		}
		if c, ok := x["cursor"].(string); ok && c != "" {
			x["cursor"] = h.cursor(c)
		}
		_, entity := x["id"]
		_, account := x["accountId"]
		for _, k := range nulled {
			if _, ok := x[k]; ok {
				x[k] = nil
			}
		}
		if _, ok := x["_links"]; ok && (entity || account) {
			x["_links"] = nil
		}
		x["zzUnexpected"] = map[string]any{"nested": []any{nil, 1.5, "ü", map[string]any{}}, "null": nil}
		x["unexpectedNull"] = nil
		return x
	default:
		return x
	}
}

// nextLink swaps the cursor parameter of a next-page link for a hostile one.
func (h *hostile) nextLink(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return link
	}
	q := u.Query()
	c := q.Get("cursor")
	if c == "" {
		return link
	}
	q.Set("cursor", h.cursor(c))
	u.RawQuery = q.Encode()
	return u.String()
}

// cursor returns the hostile form of a server cursor, the same every time.
func (h *hostile) cursor(orig string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if c, ok := h.cursorsFwd[orig]; ok {
		return c
	}
	h.nextCursorN++
	c := fmt.Sprintf("cür:sør-%d/+=&#?%% %s", h.nextCursorN, strings.Repeat("ζ", 400))
	h.cursors[c], h.cursorsFwd[orig] = orig, c
	return c
}
