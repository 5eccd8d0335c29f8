package connector

import (
	"strings"

	"github.com/baton-confluence/baton-confluence/pkg/confluence"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
	"github.com/baton-confluence/baton-confluence/internal/baton/types/entitlement"
	"github.com/baton-confluence/baton-confluence/internal/baton/types/grant"
	"github.com/baton-confluence/baton-confluence/internal/baton/types/resource"
)

// roleResource maps an RBAC space role: RoleTrait, its description, and the profile
// {description, space_permissions}.
func roleResource(r confluence.SpaceRole) (*v2.Resource, error) {
	name := r.Name
	if name == "" {
		name = r.ID
	}
	perms := make([]any, 0, len(r.SpacePermissions))
	for _, p := range r.SpacePermissions {
		perms = append(perms, p)
	}
	return resource.New(name, spaceRoleType, r.ID,
		resource.WithRoleTrait(),
		resource.WithDescription(r.Description),
		resource.WithProfile(map[string]any{"description": r.Description, "space_permissions": perms}),
	)
}

// assignmentID is the id of the binding of a role to a space: "<spaceId>:<roleId>".
func assignmentID(spaceID, roleID string) string { return spaceID + ":" + roleID }

// assignmentResource maps "role held by someone in a space" to a scope binding, child of the
// space, named "<role name> on <space name>".
func assignmentResource(spaceID, spaceName, roleID, roleName string) (*v2.Resource, error) {
	spaceRID := resource.NewID(spaceType, spaceID)
	return resource.New(roleName+" on "+spaceName, roleAssignmentType, assignmentID(spaceID, roleID),
		resource.WithParent(spaceRID),
		resource.WithScopeBindingTrait(resource.NewID(spaceRoleType, roleID), spaceRID),
	)
}

// assignmentScope returns the space and role a scope-binding resource binds: from its
// ScopeBindingTrait, else by splitting its id at the first ':' (space ids are numeric).
func assignmentScope(r *v2.Resource) (spaceID, roleID string, ok bool) {
	var t v2.ScopeBindingTrait
	if found, err := annotations.Annotations(r.GetAnnotations()).Pick(&t); err == nil && found &&
		t.GetScopeResourceId().GetResource() != "" && t.GetRoleId().GetResource() != "" {
		return t.GetScopeResourceId().GetResource(), t.GetRoleId().GetResource(), true
	}
	spaceID, roleID, ok = strings.Cut(r.GetId().GetResource(), ":")
	return spaceID, roleID, ok && spaceID != "" && roleID != ""
}

// assignedTemplate is the static "assigned" entitlement of every scope binding, grantable to
// users and groups; the engine materializes it per binding.
func assignedTemplate() *v2.Entitlement {
	return entitlement.NewAssignment(nil, assignedSlug,
		entitlement.WithDisplayName(assignedSlug),
		entitlement.WithGrantableTo(userType, groupType),
	)
}

// rolePrincipal maps a role-assignment principal to a user or group id; ACCESS_CLASS and unknown
// types have none.
func rolePrincipal(p confluence.RolePrincipal) (*v2.ResourceId, bool) {
	if p.PrincipalID == "" {
		return nil, false
	}
	switch p.PrincipalType {
	case confluence.PrincipalUser:
		return resource.NewID(userType, p.PrincipalID), true
	case confluence.PrincipalGroup:
		return resource.NewID(groupType, p.PrincipalID), true
	}
	return nil, false
}

// assignmentGrant maps one assignee of a binding to a grant of "assigned"; groups expand to
// their members.
func assignmentGrant(binding *v2.Resource, p confluence.RolePrincipal) (*v2.Grant, bool) {
	pid, ok := rolePrincipal(p)
	if !ok {
		return nil, false
	}
	var opts []grant.Option
	if pid.GetResourceType() == groupTypeID {
		opts = append(opts, grant.WithExpandable(memberEntitlementID(pid.GetResource())))
	}
	return grant.New(binding, assignedSlug, pid, opts...), true
}

// assignmentGrants maps the assignees of roleID in a space (assignments of other roles are
// ignored) and counts the assignees that are neither users nor groups.
func assignmentGrants(binding *v2.Resource, roleID string, as []confluence.RoleAssignment) ([]*v2.Grant, int) {
	out := make([]*v2.Grant, 0, len(as))
	skipped := 0
	for _, a := range as {
		if a.RoleID != roleID {
			continue
		}
		if g, ok := assignmentGrant(binding, a.Principal); ok {
			out = append(out, g)
		} else {
			skipped++
		}
	}
	return out, skipped
}
