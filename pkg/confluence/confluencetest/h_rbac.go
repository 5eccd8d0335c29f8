package confluencetest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
)

var (
	principalTypes = []string{"USER", "GROUP", "ACCESS_CLASS"}
	accessClasses  = []string{"anonymous-users", "authenticated-users", "all-licensed-users", "all-product-admins", "jsm-project-admins"}
)

const maxAssignBody = 5 << 20

// spaceRoleMode answers GET /wiki/api/v2/space-role-mode.
func (s *Server) spaceRoleMode(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"mode": s.st.mode})
}

// rbacOn answers 404 when the tenant has no RBAC data.
func (s *Server) rbacOn(w http.ResponseWriter, r *http.Request) bool {
	if s.st.mode == ModePreRoles {
		apiError(w, r, http.StatusNotFound, "Role-based access control is not available for this site")
		return false
	}
	return true
}

// principalFilter reads the paired principal-id/principal-type parameters.
func principalFilter(r *http.Request) (ptype, pid, msg string) {
	q := r.URL.Query()
	ptype, pid = q.Get("principal-type"), q.Get("principal-id")
	if (ptype == "") != (pid == "") {
		return "", "", "principal-id and principal-type must be given together"
	}
	if ptype != "" && !slices.Contains(principalTypes, ptype) {
		return "", "", "Invalid principal-type: " + ptype
	}
	return ptype, pid, ""
}

func roleTypeFilter(r *http.Request) (string, string) {
	rt := r.URL.Query().Get("role-type")
	if rt != "" && rt != "SYSTEM" && rt != "CUSTOM" {
		return "", "Invalid role-type: " + rt
	}
	return rt, ""
}

// listRoles answers GET /wiki/api/v2/space-roles (space-id, role-type, principal filters).
func (s *Server) listRoles(w http.ResponseWriter, r *http.Request) {
	if !s.rbacOn(w, r) {
		return
	}
	ptype, pid, msg := principalFilter(r)
	rt, msg2 := roleTypeFilter(r)
	if msg += msg2; msg != "" {
		apiError(w, r, http.StatusBadRequest, "%s", msg)
		return
	}
	var sp *spaceRec
	if id := r.URL.Query().Get("space-id"); id != "" {
		if sp = s.lookupSpace(w, r, id); sp == nil {
			return
		}
	}
	after, limit, err := v2Params(r, "roles", s.cfg.V2PageCap)
	if err != nil {
		apiError(w, r, http.StatusBadRequest, "%v", err)
		return
	}
	held := s.rolesHeld(sp, ptype, pid)
	var list []Role
	for _, role := range s.st.roles {
		id, _ := strconv.ParseInt(role.ID, 10, 64)
		if id > after && (rt == "" || role.Type == rt) && (held == nil || held[role.ID]) {
			list = append(list, role)
		}
	}
	var next *cursor
	if len(list) > limit {
		list = list[:limit]
		id, _ := strconv.ParseInt(list[limit-1].ID, 10, 64)
		next = &cursor{Kind: "roles", After: id}
	}
	if list == nil {
		list = []Role{}
	}
	writeV2Page(w, r, list, next)
}

// rolesHeld returns the ids of roles the principal holds (in sp, or anywhere when sp is nil);
// nil when there is no principal filter.
func (s *Server) rolesHeld(sp *spaceRec, ptype, pid string) map[string]bool {
	if ptype == "" {
		return nil
	}
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	held := map[string]bool{}
	for _, x := range s.st.spaces {
		if sp != nil && x != sp {
			continue
		}
		for _, a := range x.assigns {
			if a.ptype == ptype && a.pid == pid {
				held[a.roleID] = true
			}
		}
	}
	return held
}

// getRole answers GET /wiki/api/v2/space-roles/{id}.
func (s *Server) getRole(w http.ResponseWriter, r *http.Request) {
	if !s.rbacOn(w, r) {
		return
	}
	i, ok := s.st.roleByID[r.PathValue("id")]
	if !ok {
		apiError(w, r, http.StatusNotFound, "Space role not found: %s", r.PathValue("id"))
		return
	}
	writeJSON(w, http.StatusOK, s.st.roles[i])
}

// listAssignments answers GET /wiki/api/v2/spaces/{id}/role-assignments; the cursor holds the
// sequence number of the last assignment returned.
func (s *Server) listAssignments(w http.ResponseWriter, r *http.Request) {
	if !s.rbacOn(w, r) {
		return
	}
	sp := s.lookupSpace(w, r, r.PathValue("id"))
	if sp == nil {
		return
	}
	ptype, pid, msg := principalFilter(r)
	rt, msg2 := roleTypeFilter(r)
	if msg += msg2; msg != "" {
		apiError(w, r, http.StatusBadRequest, "%s", msg)
		return
	}
	after, limit, err := v2Params(r, "assigns", s.cfg.V2PageCap)
	if err != nil {
		apiError(w, r, http.StatusBadRequest, "%v", err)
		return
	}
	roleID := r.URL.Query().Get("role-id")
	s.st.mu.RLock()
	from := sort.Search(len(sp.assigns), func(i int) bool { return sp.assigns[i].seq > after })
	results := []v2Assignment{}
	var next *cursor
	var last int64
	for _, a := range sp.assigns[from:] {
		if (roleID != "" && a.roleID != roleID) || (ptype != "" && (a.ptype != ptype || a.pid != pid)) ||
			(rt != "" && s.st.roles[s.st.roleByID[a.roleID]].Type != rt) {
			continue
		}
		if len(results) == limit {
			next = &cursor{Kind: "assigns", After: last}
			break
		}
		results = append(results, toV2Assignment(a))
		last = a.seq
	}
	s.st.mu.RUnlock()
	writeV2Page(w, r, results, next)
}

// parseAssignments reads and checks the body of a set-role-assignments request.
func (s *Server) parseAssignments(w http.ResponseWriter, r *http.Request) ([]v2Assignment, bool) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxAssignBody+1))
	if err == nil && len(raw) > maxAssignBody {
		apiError(w, r, http.StatusRequestEntityTooLarge, "Request body is larger than 5 MB")
		return nil, false
	}
	var entries []v2Assignment
	if err != nil || json.NewDecoder(bytes.NewReader(raw)).Decode(&entries) != nil || len(entries) == 0 {
		apiError(w, r, http.StatusBadRequest, "Body must be a non-empty array of role assignments")
		return nil, false
	}
	for _, e := range entries {
		if msg := s.checkAssignment(e); msg != "" {
			apiError(w, r, http.StatusBadRequest, "%s", msg)
			return nil, false
		}
	}
	return entries, true
}

// checkAssignment validates one entry. Callers need no lock: users, roles and group ids are
// read without changes to group existence.
func (s *Server) checkAssignment(e v2Assignment) string {
	p := e.Principal
	switch {
	case p.PrincipalID == "" || !slices.Contains(principalTypes, p.PrincipalType):
		return "Invalid principal: " + p.PrincipalType + " " + p.PrincipalID
	case p.PrincipalType == "USER":
		if _, ok := s.st.user(p.PrincipalID); !ok {
			return "No user with id: " + p.PrincipalID
		}
	case p.PrincipalType == "GROUP":
		if s.st.groupByID[p.PrincipalID] == nil {
			return "No group with id: " + p.PrincipalID
		}
	case !slices.Contains(accessClasses, p.PrincipalID):
		return "Invalid access class: " + p.PrincipalID
	}
	if _, ok := s.st.roleByID[e.RoleID]; e.RoleID != "" && !ok {
		return "No role with id: " + e.RoleID
	}
	return ""
}

// setAssignments answers POST /wiki/api/v2/spaces/{id}/role-assignments: all entries are
// checked first, then each principal's assignment is replaced (with roleId) or removed
// (without); the answer lists the resulting assignments of the principals named.
func (s *Server) setAssignments(w http.ResponseWriter, r *http.Request) {
	if !s.rbacOn(w, r) || !checkJSONBody(w, r) {
		return
	}
	sp := s.lookupSpace(w, r, r.PathValue("id"))
	if sp == nil {
		return
	}
	entries, ok := s.parseAssignments(w, r)
	if !ok {
		return
	}
	named := map[rbacPrincipal]bool{}
	s.st.mu.Lock()
	for _, e := range entries {
		named[e.Principal] = true
		sp.assigns = slices.DeleteFunc(sp.assigns, func(a assign) bool {
			return a.ptype == e.Principal.PrincipalType && a.pid == e.Principal.PrincipalID
		})
		if e.RoleID != "" {
			s.st.nextSeq++
			sp.assigns = append(sp.assigns, assign{seq: s.st.nextSeq, ptype: e.Principal.PrincipalType,
				pid: e.Principal.PrincipalID, roleID: e.RoleID})
		}
	}
	results := []v2Assignment{}
	for _, a := range sp.assigns {
		if named[rbacPrincipal{a.ptype, a.pid}] {
			results = append(results, toV2Assignment(a))
		}
	}
	s.st.mu.Unlock()
	writeV2Page(w, r, results, nil)
}
