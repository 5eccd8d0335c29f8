package connector

import (
	"strings"

	"github.com/baton-confluence/baton-confluence/pkg/confluence"

	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
	"github.com/baton-confluence/baton-confluence/internal/baton/types/entitlement"
	"github.com/baton-confluence/baton-confluence/internal/baton/types/grant"
	"github.com/baton-confluence/baton-confluence/internal/baton/types/resource"
)

// Principal types of v2 space permissions.
const (
	principalUser  = "user"
	principalGroup = "group"
	principalRole  = "role"
)

// personalSpace is the type of personal spaces.
const personalSpace = "personal"

// spaceResource maps a space. The profile (not written by the canonical connector) says which
// spaces are personal or archived. With RBAC the space lists its role assignments as children.
func spaceResource(s confluence.Space, rbac bool) (*v2.Resource, error) {
	id := s.ID.String()
	name := s.Name
	if name == "" {
		name = s.Key
	}
	opts := []resource.Option{resource.WithProfile(map[string]any{
		"space_key": s.Key, "space_type": s.Type, "space_status": s.Status,
	})}
	if rbac {
		opts = append(opts, resource.WithChildResourceType(roleAssignmentTypeID))
	}
	return resource.New(name, spaceType, id, opts...)
}

// permissionSlug is the entitlement slug of a space permission: "<verb>-<noun>".
func permissionSlug(verb, noun string) string { return verb + "-" + noun }

// parsePermissionSlug splits "<verb>-<noun>"; verbs and nouns contain no '-'.
func parsePermissionSlug(slug string) (verb, noun string, ok bool) {
	verb, noun, ok = strings.Cut(slug, "-")
	return verb, noun, ok && verb != "" && noun != "" && !strings.Contains(noun, "-")
}

// spaceEntitlements are the permission entitlements of a space: one per configured noun and
// verb (nouns outer, verbs inner, in configured order), grantable to users and groups.
func spaceEntitlements(space *v2.Resource, nouns, verbs []string) []*v2.Entitlement {
	name := space.GetDisplayName()
	out := make([]*v2.Entitlement, 0, len(nouns)*len(verbs))
	for _, noun := range nouns {
		for _, verb := range verbs {
			slug := permissionSlug(verb, noun)
			out = append(out, entitlement.NewPermission(space, slug,
				entitlement.WithDisplayName("Can "+slug+" "+name),
				entitlement.WithDescription("Has permission to "+verb+" "+noun+" the "+name+" space in Confluence"),
				entitlement.WithGrantableTo(userType, groupType),
			))
		}
	}
	return out
}

// permFilter says which (verb, noun) pairs are synced.
type permFilter struct{ verbs, nouns map[string]bool }

func newPermFilter(verbs, nouns []string) permFilter {
	f := permFilter{verbs: make(map[string]bool, len(verbs)), nouns: make(map[string]bool, len(nouns))}
	for _, v := range verbs {
		f.verbs[v] = true
	}
	for _, n := range nouns {
		f.nouns[n] = true
	}
	return f
}

func (f permFilter) allows(verb, noun string) bool { return f.verbs[verb] && f.nouns[noun] }

// Why a space permission produced no grant.
const (
	skipNone     = ""
	skipRole     = "role principal"
	skipOther    = "unsupported principal"
	skipFiltered = "operation not configured"
)

// principalID builds the id of a user or group principal.
func principalID(principalType, id string) *v2.ResourceId {
	if principalType == principalGroup {
		return resource.NewID(groupType, id)
	}
	return resource.NewID(userType, id)
}

// permissionGrant maps one v2 space permission to a grant, or says why it has none. Group grants
// expand to the group's members.
func permissionGrant(space *v2.Resource, p confluence.SpacePermission, f permFilter) (*v2.Grant, string) {
	switch {
	case p.Principal.Type == principalRole:
		return nil, skipRole
	case p.Principal.Type != principalUser && p.Principal.Type != principalGroup, p.Principal.ID == "":
		return nil, skipOther
	case !f.allows(p.Operation.Key, p.Operation.TargetType):
		return nil, skipFiltered
	}
	slug := permissionSlug(p.Operation.Key, p.Operation.TargetType)
	var opts []grant.Option
	if p.Principal.Type == principalGroup {
		opts = append(opts, grant.WithExpandable(memberEntitlementID(p.Principal.ID)))
	}
	return grant.New(space, slug, principalID(p.Principal.Type, p.Principal.ID), opts...), skipNone
}

// permissionGrants maps a page of space permissions and counts the skipped ones by reason.
func permissionGrants(space *v2.Resource, perms []confluence.SpacePermission, f permFilter) ([]*v2.Grant, map[string]int) {
	out := make([]*v2.Grant, 0, len(perms))
	skipped := map[string]int{}
	for _, p := range perms {
		g, why := permissionGrant(space, p, f)
		if g == nil {
			skipped[why]++
			continue
		}
		out = append(out, g)
	}
	return out, skipped
}
