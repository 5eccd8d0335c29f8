package confluencetest

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"
)

// getCurrentUser answers GET /wiki/rest/api/user/current.
func (s *Server) getCurrentUser(w http.ResponseWriter, r *http.Request) {
	u, _ := s.st.user(s.st.currentUser)
	writeJSON(w, http.StatusOK, s.st.toV1User(baseURL(r), u, expands(r)))
}

// getUser answers GET /wiki/rest/api/user?accountId=.
func (s *Server) getUser(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("accountId")
	if id == "" {
		apiError(w, r, http.StatusBadRequest, "accountId is required")
		return
	}
	u, ok := s.st.user(id)
	if !ok {
		apiError(w, r, http.StatusNotFound, "No user found with accountId: %s", id)
		return
	}
	writeJSON(w, http.StatusOK, s.st.toV1User(baseURL(r), u, expands(r)))
}

// searchResult is one entry of search/user.
type searchResult struct {
	User                 v1User  `json:"user"`
	Title                string  `json:"title"`
	Excerpt              string  `json:"excerpt"`
	URL                  string  `json:"url"`
	Breadcrumbs          []any   `json:"breadcrumbs"`
	EntityType           string  `json:"entityType"`
	IconCSSClass         string  `json:"iconCssClass"`
	LastModified         string  `json:"lastModified"`
	FriendlyLastModified string  `json:"friendlyLastModified"`
	Score                float64 `json:"score"`
}

// isUserCQL accepts type=user in its usual spellings.
func isUserCQL(cql string) bool {
	c := strings.ToLower(strings.Join(strings.Fields(cql), ""))
	return c == "type=user" || c == `type="user"` || c == "type='user'"
}

// searchUsers answers GET /wiki/rest/api/search/user: only cql=type=user is understood; the
// filter picks licensed users (none, default), guests (externalCollaborator) or everyone (all);
// at most SearchCap results are reachable; limit is silently capped at SearchPageCap.
func (s *Server) searchUsers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	cql := q.Get("cql")
	if !isUserCQL(cql) {
		apiError(w, r, http.StatusBadRequest, "Could not parse cql : %s", cql)
		return
	}
	filter := q.Get("sitePermissionTypeFilter")
	switch filter {
	case "":
		filter = FilterNone
	case FilterNone, FilterExternalCollaborator, FilterAll:
	default:
		apiError(w, r, http.StatusBadRequest, "Invalid sitePermissionTypeFilter: %s", filter)
		return
	}
	list := s.st.search[filter]
	win, err := v1Paginate(r, len(list), pageLimits{25, s.cfg.SearchPageCap})
	if err != nil {
		apiError(w, r, http.StatusBadRequest, "%v", err)
		return
	}
	items := s.usersJSON(kindSearch, baseURL(r), expands(r), list[win.from:win.to])
	size, dur := len(items), 12
	writeRawPage(w, items, v1PageMeta{
		Start: win.start, Limit: win.limit, Size: size,
		TotalSize: &size, // as observed on real tenants: the page size, not the total
		CQLQuery:  cql, SearchDuration: &dur, Links: v1PageLinks(r, win),
	})
}

// usersBulk answers POST /wiki/api/v2/users-bulk: 1–250 ids, unknown ids omitted.
func (s *Server) usersBulk(w http.ResponseWriter, r *http.Request) {
	if !checkJSONBody(w, r) {
		return
	}
	var body struct {
		AccountIDs []string `json:"accountIds"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil {
		apiError(w, r, http.StatusBadRequest, "Invalid request body")
		return
	}
	if n := len(body.AccountIDs); n < 1 || n > DefaultBulkMax {
		apiError(w, r, http.StatusBadRequest, "accountIds must hold between 1 and %d ids", DefaultBulkMax)
		return
	}
	results := make([]v2User, 0, len(body.AccountIDs))
	seen := map[string]bool{}
	for _, id := range body.AccountIDs {
		if u, ok := s.st.user(id); ok && !seen[id] {
			seen[id] = true
			results = append(results, toV2User(u))
		}
	}
	writeV2Page(w, r, results, nil)
}

// checkJSONBody answers 415 unless the request declares a JSON body.
func checkJSONBody(w http.ResponseWriter, r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		apiError(w, r, http.StatusUnsupportedMediaType, "Unsupported media type: Content-Type must be application/json")
		return false
	}
	return true
}

// checkV1Write enforces what real v1 writes need: a JSON content type (415) and the XSRF
// opt-out header (403 "XSRF check failed").
func checkV1Write(w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get("X-Atlassian-Token") != "no-check" {
		apiError(w, r, http.StatusForbidden, "XSRF check failed")
		return false
	}
	return checkJSONBody(w, r)
}
