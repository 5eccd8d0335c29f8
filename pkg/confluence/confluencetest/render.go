package confluencetest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sync"
	"sync/atomic"
)

// Users and spaces never change after generation, so their JSON is rendered once per variant
// (kind, base URL, expand set) and pages are spliced from the cached bytes. This keeps the
// simulator fast enough to benchmark a connector against it.

// Render kinds.
const (
	kindUser   = iota // v1 User object
	kindSearch        // search/user result entry
)

// Expand bits.
const (
	expOperations = 1 << iota
	expPersonalSpace
	expExternal
)

// maxCacheKeys bounds the number of cached variants (a client sending many Host headers
// falls back to rendering every time).
const maxCacheKeys = 64

func maskOf(exp map[string]bool) int {
	m := 0
	if exp["operations"] {
		m |= expOperations
	}
	if exp["personalSpace"] {
		m |= expPersonalSpace
	}
	if exp["isExternalCollaborator"] {
		m |= expExternal
	}
	return m
}

func expandOf(mask int) map[string]bool {
	return map[string]bool{
		"operations": mask&expOperations != 0, "personalSpace": mask&expPersonalSpace != 0,
		"isExternalCollaborator": mask&expExternal != 0,
	}
}

type cacheKey struct {
	kind int
	base string
	mask int
}

// renderCache holds rendered user JSON per variant, filled lazily and lock-free per entry.
type renderCache struct {
	mu    sync.Mutex
	slots map[cacheKey][]atomic.Pointer[[]byte]
}

func (c *renderCache) slotsFor(key cacheKey, n int) []atomic.Pointer[[]byte] {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.slots[key]; ok {
		return s
	}
	if c.slots == nil {
		c.slots = map[cacheKey][]atomic.Pointer[[]byte]{}
	}
	if len(c.slots) >= maxCacheKeys {
		return nil
	}
	s := make([]atomic.Pointer[[]byte], n)
	c.slots[key] = s
	return s
}

// userJSON returns the rendered JSON of user i in the given variant.
func (s *Server) userJSON(slots []atomic.Pointer[[]byte], key cacheKey, i int) []byte {
	if slots != nil {
		if b := slots[i].Load(); b != nil {
			return *b
		}
	}
	u := s.st.users[i]
	v := s.st.toV1User(key.base, u, expandOf(key.mask))
	var b []byte
	if key.kind == kindSearch {
		b = marshal(searchResult{
			User: v, Title: u.DisplayName, EntityType: "user", URL: "/people/" + u.AccountID,
			Breadcrumbs: []any{}, IconCSSClass: "aui-icon content-type-profile",
			LastModified: "2025-01-01T00:00:00.000Z", FriendlyLastModified: "Jan 01, 2025",
		})
	} else {
		b = marshal(v)
	}
	if slots != nil {
		slots[i].Store(&b)
	}
	return b
}

// usersJSON renders the users at the given indices.
func (s *Server) usersJSON(kind int, base string, exp map[string]bool, idx []int) [][]byte {
	key := cacheKey{kind: kind, base: base, mask: maskOf(exp)}
	slots := s.cache.slotsFor(key, len(s.st.users))
	out := make([][]byte, len(idx))
	for j, i := range idx {
		out[j] = s.userJSON(slots, key, i)
	}
	return out
}

// marshal encodes v without HTML escaping and without the trailing newline.
func marshal(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic("confluencetest: encode " + err.Error()) // only plain data types are encoded
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// v1PageMeta is a v1 page without its results.
type v1PageMeta struct {
	Start          int     `json:"start"`
	Limit          int     `json:"limit"`
	Size           int     `json:"size"`
	TotalSize      *int    `json:"totalSize,omitempty"`
	CQLQuery       string  `json:"cqlQuery,omitempty"`
	SearchDuration *int    `json:"searchDuration,omitempty"`
	Links          v1Links `json:"_links"`
}

// writeRawPage writes {"results":[items...], <rest of meta>} with meta a JSON object.
func writeRawPage(w http.ResponseWriter, items [][]byte, meta any) {
	buf := bufPool.Get().(*bytes.Buffer)
	defer putBuf(buf)
	buf.WriteString(`{"results":[`)
	for i, it := range items {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(it)
	}
	buf.WriteString("],")
	m := marshal(meta)
	buf.Write(m[1:])
	buf.WriteByte('\n')
	writeBytes(w, http.StatusOK, buf.Bytes())
}

// writeRawV2Page writes a v2 page of pre-rendered items (see writeV2Page).
func writeRawV2Page(w http.ResponseWriter, r *http.Request, items [][]byte, next *cursor) {
	writeRawPage(w, items, struct {
		Links v2Links `json:"_links"`
	}{v2NextLinks(w, r, next)})
}
