package connectortest

import (
	"slices"

	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"

	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
	"github.com/baton-confluence/baton-confluence/internal/baton/types/entitlement"
	"github.com/baton-confluence/baton-confluence/internal/baton/types/grant"
	"github.com/baton-confluence/baton-confluence/internal/baton/types/resource"
)

// Options are the connector settings that change what a sync stores.
type Options struct {
	// Nouns and Verbs restrict the space permissions (empty = all, in AllNouns/AllVerbs order).
	Nouns, Verbs       []string
	SkipPersonalSpaces bool
	UseRBAC            bool
}

func (o Options) nouns() []string { return orAll(o.Nouns, AllNouns) }
func (o Options) verbs() []string { return orAll(o.Verbs, AllVerbs) }

func orAll(xs, all []string) []string {
	if len(xs) == 0 {
		return all
	}
	return xs
}

// expectation accumulates the expected content.
type expectation struct {
	t     *confluencetest.Truth
	o     Options
	c     *Content
	users map[string]bool // synced account ids
	// groups by id: resource, human members
	groups map[string]*v2.Resource
}

// Expected computes what a full sync of the tenant described by t stores with options o.
func Expected(t *confluencetest.Truth, o Options) *Content {
	e := &expectation{t: t, o: o, c: NewContent(), users: map[string]bool{}, groups: map[string]*v2.Resource{}}
	for _, rt := range []*v2.ResourceType{UserType, GroupType, SpaceType, SpaceRoleType, RoleAssignmentType} {
		e.c.AddResourceType(rt)
	}
	e.addUsers()
	e.addGroups()
	e.addSpaces()
	if o.UseRBAC {
		e.addRoles()
	}
	Expand(e.c)
	return e.c
}

// ReachableUsers returns the human accounts a sync lists: the user search with every site
// permission type (capped) plus every group member, each once, in that order.
func ReachableUsers(t *confluencetest.Truth) []confluencetest.User {
	var out []confluencetest.User
	seen := map[string]bool{}
	add := func(u confluencetest.User) {
		if u.AccountType == confluencetest.AccountAtlassian && !seen[u.AccountID] {
			seen[u.AccountID] = true
			out = append(out, u)
		}
	}
	for _, u := range t.SearchResults(confluencetest.FilterAll) {
		add(u)
	}
	for _, g := range t.Groups {
		for _, id := range g.Members {
			if u, ok := t.User(id); ok {
				add(u)
			}
		}
	}
	return out
}

// UserResource is the expected user resource: enabled exactly when the account is active.
func UserResource(u confluencetest.User) *v2.Resource { return UserResourceWithStatus(u, u.Active()) }

// UserResourceWithStatus is the expected user resource with the given status (for a connector
// that could not read account statuses).
func UserResourceWithStatus(u confluencetest.User, enabled bool) *v2.Resource {
	name := u.DisplayName
	if name == "" {
		name = u.PublicName
	}
	if name == "" {
		name = u.AccountID
	}
	ts, rs := v2.UserTrait_Status_STATUS_DISABLED, v2.Status_RESOURCE_STATUS_DISABLED
	if enabled {
		ts, rs = v2.UserTrait_Status_STATUS_ENABLED, v2.Status_RESOURCE_STATUS_ENABLED
	}
	return must(resource.New(name, UserType, u.AccountID,
		resource.WithUserTrait(resource.WithEmail(u.Email, true), resource.WithUserStatus(ts)),
		resource.WithProfile(map[string]any{"user_name": name, "account_type": u.AccountType, "email": u.Email, "id": u.AccountID}),
		resource.WithStatus(rs),
	))
}

func (e *expectation) addUsers() {
	for _, u := range ReachableUsers(e.t) {
		e.users[u.AccountID] = true
		e.c.AddResource(UserResource(u))
	}
}

// GroupResource is the expected group resource.
func GroupResource(g confluencetest.Group) *v2.Resource {
	return must(resource.New(g.Name, GroupType, g.ID, resource.WithGroupTrait(),
		resource.WithProfile(map[string]any{"group_id": g.ID, "group_name": g.Name, "group_type": "group"})))
}

// MemberEntitlementID is the id of a group's membership entitlement.
func MemberEntitlementID(groupID string) string { return "group:" + groupID + ":member" }

func (e *expectation) addGroups() {
	for _, g := range e.t.Groups {
		r := GroupResource(g)
		e.groups[g.ID] = r
		e.c.AddResource(r)
		e.c.AddEntitlement(entitlement.NewAssignment(r, "member",
			entitlement.WithDisplayName(g.Name+" Group Member"),
			entitlement.WithDescription("Is member of the "+g.Name+" group in Confluence"),
			entitlement.WithGrantableTo(UserType)))
		for _, id := range g.Members {
			if e.users[id] {
				e.c.AddGrant(grant.New(r, "member", resource.NewID(UserType, id)))
			}
		}
	}
}

// SpaceResource is the expected space resource.
func SpaceResource(s confluencetest.Space, rbac bool) *v2.Resource {
	opts := []resource.Option{resource.WithProfile(map[string]any{
		"space_key": s.Key, "space_type": s.Type, "space_status": s.Status,
	})}
	if rbac {
		opts = append(opts, resource.WithChildResourceType(RoleAssignmentType.GetId()))
	}
	return must(resource.New(s.Name, SpaceType, s.ID, opts...))
}

// SyncedSpaces returns the spaces a sync lists.
func SyncedSpaces(t *confluencetest.Truth, skipPersonal bool) []confluencetest.Space {
	var out []confluencetest.Space
	for _, s := range t.Spaces {
		if !skipPersonal || s.Type != "personal" {
			out = append(out, s)
		}
	}
	return out
}

func (e *expectation) addSpaces() {
	for _, s := range SyncedSpaces(e.t, e.o.SkipPersonalSpaces) {
		r := SpaceResource(s, e.o.UseRBAC)
		e.c.AddResource(r)
		if e.o.UseRBAC {
			e.addBindings(s, r)
			continue
		}
		for _, noun := range e.o.nouns() {
			for _, verb := range e.o.verbs() {
				slug := verb + "-" + noun
				e.c.AddEntitlement(entitlement.NewPermission(r, slug,
					entitlement.WithDisplayName("Can "+slug+" "+s.Name),
					entitlement.WithDescription("Has permission to "+verb+" "+noun+" the "+s.Name+" space in Confluence"),
					entitlement.WithGrantableTo(UserType, GroupType)))
			}
		}
		for _, p := range s.Permissions {
			if slices.Contains(e.o.verbs(), p.Key) && slices.Contains(e.o.nouns(), p.Target) {
				e.principalGrant(r, p.Key+"-"+p.Target, p.PrincipalType, p.PrincipalID)
			}
		}
	}
}

// principalGrant adds the grant of slug on r to a synced user or an existing group (group
// grants expand to the members).
func (e *expectation) principalGrant(r *v2.Resource, slug, ptype, pid string) {
	switch ptype {
	case "user", "USER":
		if e.users[pid] {
			e.c.AddGrant(grant.New(r, slug, resource.NewID(UserType, pid)))
		}
	case "group", "GROUP":
		if e.groups[pid] != nil {
			e.c.AddGrant(grant.New(r, slug, resource.NewID(GroupType, pid), grant.WithExpandable(MemberEntitlementID(pid))))
		}
	}
}

func (e *expectation) addRoles() {
	for _, role := range e.t.Roles {
		perms := make([]any, 0, len(role.SpacePermissions))
		for _, p := range role.SpacePermissions {
			perms = append(perms, p)
		}
		e.c.AddResource(must(resource.New(role.Name, SpaceRoleType, role.ID, resource.WithRoleTrait(),
			resource.WithDescription(role.Description),
			resource.WithProfile(map[string]any{"description": role.Description, "space_permissions": perms}))))
	}
}

// addBindings adds one scope binding per role with an assignee in the space, its "assigned"
// entitlement and the grants to its user and group assignees.
func (e *expectation) addBindings(s confluencetest.Space, space *v2.Resource) {
	done := map[string]*v2.Resource{}
	for _, a := range s.RoleAssignments {
		b := done[a.RoleID]
		if b == nil {
			b = e.binding(s, space, a.RoleID)
			done[a.RoleID] = b
		}
		e.principalGrant(b, "assigned", a.PrincipalType, a.PrincipalID)
	}
}

func (e *expectation) binding(s confluencetest.Space, space *v2.Resource, roleID string) *v2.Resource {
	roleName := roleID
	for _, r := range e.t.Roles {
		if r.ID == roleID {
			roleName = r.Name
		}
	}
	b := must(resource.New(roleName+" on "+s.Name, RoleAssignmentType, s.ID+":"+roleID,
		resource.WithParent(space.GetId()),
		resource.WithScopeBindingTrait(resource.NewID(SpaceRoleType, roleID), space.GetId())))
	e.c.AddResource(b)
	ent := entitlement.NewAssignment(b, "assigned", entitlement.WithDisplayName("assigned"),
		entitlement.WithGrantableTo(UserType, GroupType))
	e.c.AddEntitlement(ent)
	return b
}

func must(r *v2.Resource, err error) *v2.Resource {
	if err != nil {
		panic("connectortest: " + err.Error())
	}
	return r
}
