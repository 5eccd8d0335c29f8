package connectortest

import (
	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// The resource types as the reference stores them (spec Appendix A).
var (
	UserType = &v2.ResourceType{
		Id: "user", DisplayName: "User",
		Traits:      []v2.ResourceType_Trait{v2.ResourceType_TRAIT_USER},
		Annotations: annotations.New(&v2.SkipEntitlementsAndGrants{}),
	}
	GroupType = &v2.ResourceType{
		Id: "group", DisplayName: "Group",
		Traits: []v2.ResourceType_Trait{v2.ResourceType_TRAIT_GROUP},
	}
	SpaceType     = &v2.ResourceType{Id: "space", DisplayName: "Space"}
	SpaceRoleType = &v2.ResourceType{
		Id: "space_role", DisplayName: "Space Role",
		Traits:      []v2.ResourceType_Trait{v2.ResourceType_TRAIT_ROLE},
		Annotations: annotations.New(&v2.SkipEntitlementsAndGrants{}, &v2.OptInRequired{}),
	}
	RoleAssignmentType = &v2.ResourceType{
		Id: "space_role_assignment", DisplayName: "Space Role Assignment",
		Traits:      []v2.ResourceType_Trait{v2.ResourceType_TRAIT_SCOPE_BINDING},
		Annotations: annotations.New(&v2.SkipEntitlements{}, &v2.OptInRequired{}),
	}
)

// AllNouns and AllVerbs are the space permission targets and operations in entitlement order.
var (
	AllNouns = []string{"attachment", "blogpost", "comment", "page", "space"}
	AllVerbs = []string{"administer", "archive", "create", "delete", "export", "read", "restrict_content", "update"}
)
