package connector

import (
	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// Resource type ids.
const (
	userTypeID           = "user"
	groupTypeID          = "group"
	spaceTypeID          = "space"
	spaceRoleTypeID      = "space_role"
	roleAssignmentTypeID = "space_role_assignment"
)

// Entitlement slugs that are not space permissions.
const (
	memberSlug   = "member"
	assignedSlug = "assigned"
)

// The resource types, exactly as the canonical connector declares them (Appendix A). They are
// shared and embedded in entitlements (grantable_to): never modify them.
var (
	userType = &v2.ResourceType{
		Id: userTypeID, DisplayName: "User",
		Traits:      []v2.ResourceType_Trait{v2.ResourceType_TRAIT_USER},
		Annotations: annotations.New(&v2.SkipEntitlementsAndGrants{}),
	}
	groupType = &v2.ResourceType{
		Id: groupTypeID, DisplayName: "Group",
		Traits: []v2.ResourceType_Trait{v2.ResourceType_TRAIT_GROUP},
	}
	spaceType     = &v2.ResourceType{Id: spaceTypeID, DisplayName: "Space"}
	spaceRoleType = &v2.ResourceType{
		Id: spaceRoleTypeID, DisplayName: "Space Role",
		Traits:      []v2.ResourceType_Trait{v2.ResourceType_TRAIT_ROLE},
		Annotations: annotations.New(&v2.SkipEntitlementsAndGrants{}, &v2.OptInRequired{}),
	}
	roleAssignmentType = &v2.ResourceType{
		Id: roleAssignmentTypeID, DisplayName: "Space Role Assignment",
		Traits:      []v2.ResourceType_Trait{v2.ResourceType_TRAIT_SCOPE_BINDING},
		Annotations: annotations.New(&v2.SkipEntitlements{}, &v2.OptInRequired{}),
	}
)
