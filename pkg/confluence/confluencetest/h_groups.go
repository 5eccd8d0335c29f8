package confluencetest

import (
	"encoding/json"
	"io"
	"net/http"
)

// listGroups answers GET /wiki/rest/api/group (alphabetical, accessType filter).
func (s *Server) listGroups(w http.ResponseWriter, r *http.Request) {
	access := r.URL.Query().Get("accessType")
	switch access {
	case "", "user", "admin", "site-admin":
	default:
		apiError(w, r, http.StatusBadRequest, "Invalid accessType: %s", access)
		return
	}
	// Group ids and names never change (only members do), so no lock is needed here.
	groups := s.st.groups
	if access != "" {
		groups = nil
		for _, g := range s.st.groups {
			if g.access == access {
				groups = append(groups, g)
			}
		}
	}
	win, err := v1Paginate(r, len(groups), pageLimits{200, s.cfg.GroupPageCap})
	if err != nil {
		apiError(w, r, http.StatusBadRequest, "%v", err)
		return
	}
	base := baseURL(r)
	page := make([]v1Group, 0, win.to-win.from)
	for _, g := range groups[win.from:win.to] {
		page = append(page, toV1Group(base, g))
	}
	writeJSON(w, http.StatusOK, v1Page{Results: page, Start: win.start, Limit: win.limit,
		Size: len(page), Links: v1PageLinks(r, win)})
}

// lookupGroup finds a group that has not vanished; it answers 404 otherwise. Callers hold mu.
func (s *Server) lookupGroup(w http.ResponseWriter, r *http.Request, id string) *groupRec {
	g := s.st.groupByID[id]
	if g != nil && s.faults.Load().groupVanished(id) {
		s.stats.fault("vanished")
		g = nil
	}
	if g == nil {
		apiError(w, r, http.StatusNotFound, "No group found with id: %s", id)
	}
	return g
}

// getGroup answers GET /wiki/rest/api/group/by-id?id=.
func (s *Server) getGroup(w http.ResponseWriter, r *http.Request) {
	s.st.mu.RLock()
	g := s.lookupGroup(w, r, r.URL.Query().Get("id"))
	var v v1Group
	if g != nil {
		v = toV1Group(baseURL(r), g)
	}
	s.st.mu.RUnlock()
	if g != nil {
		writeJSON(w, http.StatusOK, v)
	}
}

// groupMembers answers GET /wiki/rest/api/group/{id}/membersByGroupId: 400 above the limit
// maximum, 404 for an unknown group, every account type.
func (s *Server) groupMembers(w http.ResponseWriter, r *http.Request) {
	limit, err := intParam(r, "limit", 200)
	if err != nil {
		apiError(w, r, http.StatusBadRequest, "%v", err)
		return
	}
	if limit > s.cfg.MembersPageCap {
		apiError(w, r, http.StatusBadRequest, "The limit must not be greater than %d", s.cfg.MembersPageCap)
		return
	}
	idx, meta, ok := s.membersPage(w, r)
	if ok {
		writeRawPage(w, s.usersJSON(kindUser, baseURL(r), expands(r), idx), meta)
	}
}

// membersPage picks one page of members under the read lock (errors are written under it).
func (s *Server) membersPage(w http.ResponseWriter, r *http.Request) ([]int, v1PageMeta, bool) {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	g := s.lookupGroup(w, r, r.PathValue("id"))
	if g == nil {
		return nil, v1PageMeta{}, false
	}
	win, err := v1Paginate(r, len(g.members), pageLimits{200, s.cfg.MembersPageCap})
	if err != nil {
		apiError(w, r, http.StatusBadRequest, "%v", err)
		return nil, v1PageMeta{}, false
	}
	idx := make([]int, 0, win.to-win.from)
	for _, id := range g.members[win.from:win.to] {
		idx = append(idx, s.st.userIdx[id])
	}
	meta := v1PageMeta{Start: win.start, Limit: win.limit, Size: len(idx), Links: v1PageLinks(r, win)}
	if boolParam(r, "shouldReturnTotalSize") {
		total := len(g.members)
		meta.TotalSize = &total
	}
	return idx, meta, true
}

// memberOf answers GET /wiki/rest/api/user/memberof?accountId= (the user's groups).
func (s *Server) memberOf(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("accountId")
	if _, ok := s.st.user(id); !ok {
		apiError(w, r, http.StatusNotFound, "No user found with accountId: %s", id)
		return
	}
	base := baseURL(r)
	s.st.mu.RLock()
	var groups []v1Group
	for _, g := range s.st.groups {
		if g.has(id) {
			groups = append(groups, toV1Group(base, g))
		}
	}
	s.st.mu.RUnlock()
	win, err := v1Paginate(r, len(groups), pageLimits{200, s.cfg.GroupPageCap})
	if err != nil {
		apiError(w, r, http.StatusBadRequest, "%v", err)
		return
	}
	writeJSON(w, http.StatusOK, v1Page{Results: append([]v1Group{}, groups[win.from:win.to]...), Start: win.start,
		Limit: win.limit, Size: win.to - win.from, Links: v1PageLinks(r, win)})
}

// addMember answers POST /wiki/rest/api/group/userByGroupId?groupId=: 201 with an empty body,
// also when the user already is a member (the real behaviour is undocumented; the simulator
// treats the call as idempotent).
func (s *Server) addMember(w http.ResponseWriter, r *http.Request) {
	if !checkV1Write(w, r) {
		return
	}
	var body struct {
		AccountID string `json:"accountId"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&body); err != nil || body.AccountID == "" {
		apiError(w, r, http.StatusBadRequest, "accountId is required")
		return
	}
	groupID := r.URL.Query().Get("groupId")
	if groupID == "" {
		apiError(w, r, http.StatusBadRequest, "groupId is required")
		return
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	g := s.lookupGroup(w, r, groupID)
	if g == nil {
		return
	}
	if _, ok := s.st.user(body.AccountID); !ok {
		apiError(w, r, http.StatusBadRequest, "No user found with accountId: %s", body.AccountID)
		return
	}
	g.add(body.AccountID)
	w.WriteHeader(http.StatusCreated)
}

// removeMember answers DELETE /wiki/rest/api/group/userByGroupId?groupId=&accountId=: 204,
// also when the user was not a member; 404 for an unknown group or account.
func (s *Server) removeMember(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	groupID, accountID := q.Get("groupId"), q.Get("accountId")
	if groupID == "" || accountID == "" {
		apiError(w, r, http.StatusBadRequest, "groupId and accountId are required")
		return
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	g := s.lookupGroup(w, r, groupID)
	if g == nil {
		return
	}
	if _, ok := s.st.user(accountID); !ok {
		apiError(w, r, http.StatusNotFound, "No user found with accountId: %s", accountID)
		return
	}
	g.remove(accountID)
	w.WriteHeader(http.StatusNoContent)
}
