package confluencetest

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// v1 add-permission enums (spec §5.10).
var (
	v1OpKeys    = []string{"administer", "archive", "copy", "create", "delete", "export", "move", "purge", "purge_version", "read", "restore", "restrict_content", "update", "use"}
	v1OpTargets = []string{"page", "blogpost", "comment", "attachment", "space"}
)

type permSubject struct {
	Type       string `json:"type"`
	Identifier string `json:"identifier"`
}

type permOperation struct {
	Key    string `json:"key"`
	Target string `json:"target"`
}

type permLinks struct {
	Self string `json:"self"`
	Base string `json:"base"`
}

// permV1 is the body of the v1 add-permission request and answer (SpacePermissionV2).
type permV1 struct {
	ID        int64         `json:"id,omitempty"`
	Subject   permSubject   `json:"subject"`
	Operation permOperation `json:"operation"`
	Links     *permLinks    `json:"_links,omitempty"`
}

// parsePermRequest decodes and checks the body of an add-permission request.
func parsePermRequest(r *http.Request) (permV1, string) {
	var p permV1
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&p); err != nil {
		return p, "Could not parse request body"
	}
	if p.Subject.Type != "user" && p.Subject.Type != "group" {
		return p, "Invalid subject type: " + p.Subject.Type
	}
	if p.Subject.Identifier == "" {
		return p, "Subject identifier is required"
	}
	op := opPair{p.Operation.Key, p.Operation.Target}
	if !slices.Contains(v1OpKeys, op.key) || !slices.Contains(v1OpTargets, op.target) || !slices.Contains(v1Pairs, op) {
		return p, "Invalid operation: " + op.key + " " + op.target
	}
	return p, ""
}

// lookupSpaceKey finds a space by key that has not vanished, answering 404 otherwise.
// Callers hold mu.
func (s *Server) lookupSpaceKey(w http.ResponseWriter, r *http.Request, key string) *spaceRec {
	sp := s.st.spaceByKey[key]
	if sp != nil && s.faults.Load().spaceVanished(sp.ID, sp.Key) {
		s.stats.fault("vanished")
		sp = nil
	}
	if sp == nil {
		apiError(w, r, http.StatusNotFound, "No space with key : %s", key)
	}
	return sp
}

// resolvePrincipal returns the principal id a subject names (groups by id or, as the deprecated
// interim form, by name); "" when unknown. Callers hold mu.
func (st *state) resolvePrincipal(sub permSubject) string {
	if sub.Type == "user" {
		if _, ok := st.user(sub.Identifier); ok {
			return sub.Identifier
		}
		return ""
	}
	if g := st.groupByID[sub.Identifier]; g != nil {
		return g.id
	}
	for _, g := range st.groups {
		if g.name == sub.Identifier {
			return g.id
		}
	}
	return ""
}

func (sp *spaceRec) holds(ptype, pid string, op opPair) bool {
	return slices.ContainsFunc(sp.perms, func(p perm) bool {
		return p.ptype == ptype && p.pid == pid && p.key == op.key && p.target == op.target
	})
}

// addPermission answers POST /wiki/rest/api/space/{key}/permission: 400 for a duplicate, for
// an operation other than read/space while the principal lacks read/space, or for an unknown
// principal; 404 for an unknown key.
func (s *Server) addPermission(w http.ResponseWriter, r *http.Request) {
	if !checkV1Write(w, r) {
		return
	}
	req, msg := parsePermRequest(r)
	if msg != "" {
		apiError(w, r, http.StatusBadRequest, "%s", msg)
		return
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	sp := s.lookupSpaceKey(w, r, r.PathValue("key"))
	if sp == nil {
		return
	}
	pid := s.st.resolvePrincipal(req.Subject)
	if pid == "" {
		apiError(w, r, http.StatusBadRequest, "No %s found with identifier: %s", req.Subject.Type, req.Subject.Identifier)
		return
	}
	op := opPair{req.Operation.Key, req.Operation.Target}
	if sp.holds(req.Subject.Type, pid, op) {
		apiError(w, r, http.StatusBadRequest, "Permission already exists")
		return
	}
	if op != readSpace && !sp.holds(req.Subject.Type, pid, readSpace) {
		apiError(w, r, http.StatusBadRequest,
			"Could not add permission: the principal must have 'read space' permission before other permissions are added")
		return
	}
	p := newPerm(s.st.nextPermID, principal{req.Subject.Type, pid}, op)
	s.st.nextPermID++
	sp.perms = append(sp.perms, p)
	base := baseURL(r)
	writeJSON(w, http.StatusOK, permV1{ID: p.id, Subject: permSubject{Type: p.ptype, Identifier: pid},
		Operation: permOperation{Key: p.key, Target: p.target},
		Links: &permLinks{Base: base, Self: base + "/rest/api/space/" + escapePath(sp.Key) + "/permission/" +
			strconv.FormatInt(p.id, 10)}})
}

// deletePermission answers DELETE /wiki/rest/api/space/{key}/permission/{id}: removing
// read/space removes all of that principal's permissions in the space; removing the last
// administer/space answers 400.
func (s *Server) deletePermission(w http.ResponseWriter, r *http.Request) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	sp := s.lookupSpaceKey(w, r, r.PathValue("key"))
	if sp == nil {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	i := slices.IndexFunc(sp.perms, func(p perm) bool { return p.id == id })
	if err != nil || i < 0 {
		apiError(w, r, http.StatusNotFound, "No permission with id %s in space %s", r.PathValue("id"), sp.Key)
		return
	}
	target := sp.perms[i]
	gone := func(p perm) bool { return p.id == id }
	if target.key == readSpace.key && target.target == readSpace.target {
		gone = func(p perm) bool { return p.ptype == target.ptype && p.pid == target.pid }
	}
	admins, removedAdmins := 0, 0
	for _, p := range sp.perms {
		if p.key == administerSpace.key && p.target == administerSpace.target {
			admins++
			if gone(p) {
				removedAdmins++
			}
		}
	}
	if removedAdmins > 0 && removedAdmins == admins {
		apiError(w, r, http.StatusBadRequest, "All of the admin permissions cannot be removed from a space")
		return
	}
	sp.perms = slices.DeleteFunc(sp.perms, gone)
	w.WriteHeader(http.StatusNoContent)
}

// catalogueEntry is one entry of GET /wiki/api/v2/space-permissions.
type catalogueEntry struct {
	ID                    string   `json:"id"`
	DisplayName           string   `json:"displayName"`
	Description           string   `json:"description"`
	RequiredPermissionIDs []string `json:"requiredPermissionIds"`
}

func catalogue() []catalogueEntry {
	var out []catalogueEntry
	for _, op := range slices.Concat(v1Pairs, v2OnlyPairs) {
		name := strings.ToUpper(op.key[:1]) + strings.ReplaceAll(op.key[1:], "_", " ") + " " + op.target
		e := catalogueEntry{ID: op.id(), DisplayName: name, Description: "Can " + strings.ToLower(name),
			RequiredPermissionIDs: []string{}}
		if op != readSpace {
			e.RequiredPermissionIDs = []string{readSpace.id()}
		}
		out = append(out, e)
	}
	return out
}

// spacePermissionCatalogue answers GET /wiki/api/v2/space-permissions (offset cursor).
func (s *Server) spacePermissionCatalogue(w http.ResponseWriter, r *http.Request) {
	after, limit, err := v2Params(r, "catalogue", s.cfg.V2PageCap)
	if err != nil {
		apiError(w, r, http.StatusBadRequest, "%v", err)
		return
	}
	all := catalogue()
	from := int(min(max(after, 0), int64(len(all))))
	to := min(from+limit, len(all))
	var next *cursor
	if to < len(all) {
		next = &cursor{Kind: "catalogue", After: int64(to)}
	}
	writeV2Page(w, r, all[from:to], next)
}
