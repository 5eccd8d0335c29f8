package connector

import (
	"github.com/baton-confluence/baton-confluence/pkg/confluence"

	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
	"github.com/baton-confluence/baton-confluence/internal/baton/types/entitlement"
	"github.com/baton-confluence/baton-confluence/internal/baton/types/grant"
	"github.com/baton-confluence/baton-confluence/internal/baton/types/resource"
)

// groupResource maps a group: GroupTrait and the profile {group_id, group_name, group_type}.
// Group names are mutable and may be empty in odd answers; the id is used then.
func groupResource(g confluence.Group) (*v2.Resource, error) {
	name := g.Name
	if name == "" {
		name = g.ID
	}
	typ := g.Type
	if typ == "" {
		typ = "group"
	}
	return resource.New(name, groupType, g.ID,
		resource.WithGroupTrait(),
		resource.WithProfile(map[string]any{"group_id": g.ID, "group_name": g.Name, "group_type": typ}),
	)
}

// memberEntitlementID is the id of the membership entitlement of the group with groupID.
func memberEntitlementID(groupID string) string {
	return entitlement.ID(&v2.ResourceId{ResourceType: groupTypeID, Resource: groupID}, memberSlug)
}

// memberEntitlement is the membership entitlement of a group resource, grantable to users.
func memberEntitlement(group *v2.Resource) *v2.Entitlement {
	name := group.GetDisplayName()
	return entitlement.NewAssignment(group, memberSlug,
		entitlement.WithDisplayName(name+" Group Member"),
		entitlement.WithDescription("Is member of the "+name+" group in Confluence"),
		entitlement.WithGrantableTo(userType),
	)
}

// memberGrant is the membership grant of the account in the group.
func memberGrant(group *v2.Resource, accountID string) *v2.Grant {
	return grant.New(group, memberSlug, resource.NewID(userType, accountID))
}

// memberGrants maps the human members of a group to membership grants.
func memberGrants(group *v2.Resource, accountIDs []string) []*v2.Grant {
	out := make([]*v2.Grant, 0, len(accountIDs))
	for _, id := range accountIDs {
		out = append(out, memberGrant(group, id))
	}
	return out
}

// humanIDs returns the account ids of the humans among users, in order.
func humanIDs(users []confluence.User) []string {
	out := make([]string, 0, len(users))
	for _, u := range users {
		if isHuman(u.AccountType) && u.AccountID != "" {
			out = append(out, u.AccountID)
		}
	}
	return out
}
