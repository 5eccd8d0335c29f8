package confluencetest

import (
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
)

var (
	spaceTypes    = []string{"global", "collaboration", "knowledge_base", "personal", "system", "onboarding", "xflow_sample_space"}
	spaceStatuses = []string{"current", "archived"}
	spaceSorts    = []string{"id", "-id", "key", "-key", "name", "-name"}
)

// spaceFilter is the parsed query of GET /wiki/api/v2/spaces.
type spaceFilter struct {
	ids, keys   map[string]bool
	typ, status string
	sortBy      string
}

func parseSpaceFilter(r *http.Request) (spaceFilter, string) {
	q := r.URL.Query()
	f := spaceFilter{typ: q.Get("type"), status: q.Get("status"), sortBy: q.Get("sort")}
	if f.typ != "" && !slices.Contains(spaceTypes, f.typ) {
		return f, "Invalid value for type: " + f.typ
	}
	if f.status != "" && !slices.Contains(spaceStatuses, f.status) {
		return f, "Invalid value for status: " + f.status
	}
	if f.sortBy == "" {
		f.sortBy = "id"
	}
	if !slices.Contains(spaceSorts, f.sortBy) {
		return f, "Invalid value for sort: " + f.sortBy
	}
	if ids := listParam(r, "ids"); len(ids) > 0 {
		f.ids = setOf(ids)
		for _, id := range ids {
			if _, err := strconv.ParseInt(id, 10, 64); err != nil {
				return f, "Invalid value for ids: " + id
			}
		}
	}
	if keys := listParam(r, "keys"); len(keys) > 0 {
		f.keys = setOf(keys)
	}
	return f, ""
}

func (f spaceFilter) match(sp *spaceRec) bool {
	return (f.ids == nil || f.ids[sp.ID]) && (f.keys == nil || f.keys[sp.Key]) &&
		(f.typ == "" || sp.Type == f.typ) && (f.status == "" || sp.Status == f.status)
}

// sortSpaces orders a filtered list; ties break by id.
func sortSpaces(list []*spaceRec, by string) {
	field := strings.TrimPrefix(by, "-")
	desc := strings.HasPrefix(by, "-")
	slices.SortStableFunc(list, func(a, b *spaceRec) int {
		c := 0
		switch field {
		case "key":
			c = strings.Compare(a.Key, b.Key)
		case "name":
			c = strings.Compare(a.Name, b.Name)
		}
		if c == 0 {
			c = cmpInt(a.numID, b.numID)
		}
		if desc {
			c = -c
		}
		return c
	})
}

// listSpaces answers GET /wiki/api/v2/spaces (filters, sort, cursor pagination). Spaces never
// change, so the cursor holds an offset into the filtered, sorted list.
func (s *Server) listSpaces(w http.ResponseWriter, r *http.Request) {
	f, msg := parseSpaceFilter(r)
	if msg != "" {
		apiError(w, r, http.StatusBadRequest, "%s", msg)
		return
	}
	after, limit, err := v2Params(r, "spaces", s.cfg.V2PageCap)
	if err != nil {
		apiError(w, r, http.StatusBadRequest, "%v", err)
		return
	}
	var list []*spaceRec
	for _, sp := range s.st.spaces {
		if f.match(sp) {
			list = append(list, sp)
		}
	}
	if f.sortBy != "id" {
		sortSpaces(list, f.sortBy)
	}
	from := int(min(max(after, 0), int64(len(list))))
	to := min(from+limit, len(list))
	items := make([][]byte, 0, to-from)
	for _, sp := range list[from:to] {
		items = append(items, sp.json)
	}
	var next *cursor
	if to < len(list) {
		next = &cursor{Kind: "spaces", After: int64(to)}
	}
	writeRawV2Page(w, r, items, next)
}

// lookupSpace finds a space by numeric id that has not vanished; it answers 400 for a
// non-numeric id and 404 otherwise.
func (s *Server) lookupSpace(w http.ResponseWriter, r *http.Request, id string) *spaceRec {
	if _, err := strconv.ParseInt(id, 10, 64); err != nil {
		apiError(w, r, http.StatusBadRequest, "Invalid space id: %s", id)
		return nil
	}
	sp := s.st.spaceByID[id]
	if sp != nil && s.faults.Load().spaceVanished(sp.ID, sp.Key) {
		s.stats.fault("vanished")
		sp = nil
	}
	if sp == nil {
		apiError(w, r, http.StatusNotFound, "Space not found: %s", id)
	}
	return sp
}

const embedMax = 50

// getSpace answers GET /wiki/api/v2/spaces/{id} with optional include-operations (what the
// caller may do) and include-permissions (first 50 assignments).
func (s *Server) getSpace(w http.ResponseWriter, r *http.Request) {
	sp := s.lookupSpace(w, r, r.PathValue("id"))
	if sp == nil {
		return
	}
	v := toV2Space(sp)
	s.st.mu.RLock()
	if boolParam(r, "include-operations") {
		ops := s.st.callerOperations(sp)
		v.Operations = &v2Embedded{Results: ops[:min(len(ops), embedMax)],
			Meta:  v2MetaPage{HasMore: len(ops) > embedMax},
			Links: selfLink{Self: "/wiki/api/v2/spaces/" + sp.ID + "/operations"}}
	}
	if boolParam(r, "include-permissions") {
		n := min(len(sp.perms), embedMax)
		perms := make([]v2Permission, n)
		for i, p := range sp.perms[:n] {
			perms[i] = toV2Permission(p)
		}
		e := &v2Embedded{Results: perms, Links: selfLink{Self: "/wiki/api/v2/spaces/" + sp.ID + "/permissions"}}
		if len(sp.perms) > n {
			e.Meta = v2MetaPage{HasMore: true, Cursor: cursor{Kind: "perms", After: sp.perms[n-1].id}.encode()}
		}
		v.Permissions = e
	}
	s.st.mu.RUnlock()
	writeJSON(w, http.StatusOK, v)
}

// callerOperations lists the distinct operations the authenticated user holds in the space,
// directly or through a group. Callers hold mu.
func (st *state) callerOperations(sp *spaceRec) []operation {
	groups := st.groupsOf(st.currentUser)
	seen := map[opPair]bool{}
	ops := []operation{}
	for _, p := range sp.perms {
		mine := (p.ptype == "user" && p.pid == st.currentUser) || (p.ptype == "group" && groups[p.pid])
		if o := (opPair{p.key, p.target}); mine && !seen[o] {
			seen[o] = true
			ops = append(ops, operation{Operation: p.key, TargetType: p.target})
		}
	}
	return ops
}

// spacePermissions answers GET /wiki/api/v2/spaces/{id}/permissions; the cursor holds the last
// permission id returned, so grants and revokes between pages do not shift the listing.
func (s *Server) spacePermissions(w http.ResponseWriter, r *http.Request) {
	sp := s.lookupSpace(w, r, r.PathValue("id"))
	if sp == nil {
		return
	}
	after, limit, err := v2Params(r, "perms", s.cfg.V2PageCap)
	if err != nil {
		apiError(w, r, http.StatusBadRequest, "%v", err)
		return
	}
	s.st.mu.RLock()
	from := sort.Search(len(sp.perms), func(i int) bool { return sp.perms[i].id > after })
	to := min(from+limit, len(sp.perms))
	items := make([][]byte, 0, to-from)
	for _, p := range sp.perms[from:to] {
		items = append(items, p.json)
	}
	var next *cursor
	if to < len(sp.perms) {
		next = &cursor{Kind: "perms", After: sp.perms[to-1].id}
	}
	s.st.mu.RUnlock()
	writeRawV2Page(w, r, items, next)
}
