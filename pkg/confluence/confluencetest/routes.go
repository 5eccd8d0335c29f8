package confluencetest

import (
	"encoding/json"
	"io"
	"net/http"
)

// Route names, as counted in Stats.Routes.
const (
	RouteCurrentUser    = "GET /wiki/rest/api/user/current"
	RouteUser           = "GET /wiki/rest/api/user"
	RouteMemberOf       = "GET /wiki/rest/api/user/memberof"
	RouteGroups         = "GET /wiki/rest/api/group"
	RouteGroup          = "GET /wiki/rest/api/group/by-id"
	RouteGroupMembers   = "GET /wiki/rest/api/group/{id}/membersByGroupId"
	RouteAddMember      = "POST /wiki/rest/api/group/userByGroupId"
	RouteRemoveMember   = "DELETE /wiki/rest/api/group/userByGroupId"
	RouteSearchUsers    = "GET /wiki/rest/api/search/user"
	RouteAddPermission  = "POST /wiki/rest/api/space/{key}/permission"
	RouteDelPermission  = "DELETE /wiki/rest/api/space/{key}/permission/{id}"
	RouteUsersBulk      = "POST /wiki/api/v2/users-bulk"
	RouteSpaces         = "GET /wiki/api/v2/spaces"
	RouteSpace          = "GET /wiki/api/v2/spaces/{id}"
	RouteSpacePerms     = "GET /wiki/api/v2/spaces/{id}/permissions"
	RoutePermCatalogue  = "GET /wiki/api/v2/space-permissions"
	RouteRoleMode       = "GET /wiki/api/v2/space-role-mode"
	RouteRoles          = "GET /wiki/api/v2/space-roles"
	RouteRole           = "GET /wiki/api/v2/space-roles/{id}"
	RouteAssignments    = "GET /wiki/api/v2/spaces/{id}/role-assignments"
	RouteSetAssignments = "POST /wiki/api/v2/spaces/{id}/role-assignments"
	RouteTenantInfo     = "GET /_edge/tenant_info"
	RouteUnknown        = "unknown"
)

func (s *Server) routes() {
	for pattern, h := range map[string]http.HandlerFunc{
		RouteCurrentUser: s.getCurrentUser, RouteUser: s.getUser, RouteMemberOf: s.memberOf,
		RouteGroups: s.listGroups, RouteGroup: s.getGroup, RouteGroupMembers: s.groupMembers,
		RouteAddMember: s.addMember, RouteRemoveMember: s.removeMember, RouteSearchUsers: s.searchUsers,
		RouteAddPermission: s.addPermission, RouteDelPermission: s.deletePermission,
		RouteUsersBulk: s.usersBulk, RouteSpaces: s.listSpaces, RouteSpace: s.getSpace,
		RouteSpacePerms: s.spacePermissions, RoutePermCatalogue: s.spacePermissionCatalogue,
		RouteRoleMode: s.spaceRoleMode, RouteRoles: s.listRoles, RouteRole: s.getRole,
		RouteAssignments: s.listAssignments, RouteSetAssignments: s.setAssignments,
	} {
		s.handle(pattern, false, h)
	}
	s.handle(RouteTenantInfo, true, s.tenantInfo)
	s.mux.Handle("/", s.wrap(RouteUnknown, false, func(w http.ResponseWriter, r *http.Request) {
		apiError(w, r, http.StatusNotFound, "No route for %s %s", r.Method, r.URL.Path)
	}))
}

// tenantInfo answers GET /_edge/tenant_info (no authentication).
func (s *Server) tenantInfo(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"cloudId": s.st.cloudID})
}

// control serves the /_sim/ endpoints: stats, stats reset, truth and faults.
func (s *Server) control(w http.ResponseWriter, r *http.Request) {
	switch r.Method + " " + r.URL.Path {
	case "GET /_sim/stats":
		writeJSON(w, http.StatusOK, s.Stats())
	case "POST /_sim/stats/reset":
		s.ResetStats()
		w.WriteHeader(http.StatusNoContent)
	case "GET /_sim/truth":
		writeJSON(w, http.StatusOK, s.Truth())
	case "GET /_sim/faults":
		writeJSON(w, http.StatusOK, s.Faults())
	case "PUT /_sim/faults":
		var f Faults
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&f); err != nil {
			http.Error(w, "decode faults: "+err.Error(), http.StatusBadRequest)
			return
		}
		if err := f.validate(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.SetFaults(f)
		w.WriteHeader(http.StatusNoContent)
	default:
		http.Error(w, "unknown simulator endpoint", http.StatusNotFound)
	}
}
