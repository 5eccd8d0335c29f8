// Package types_test checks the builders against rows written by the upstream SDK.
package types_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	"github.com/baton-confluence/baton-confluence/internal/baton/fixture"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
	"github.com/baton-confluence/baton-confluence/internal/baton/types/entitlement"
	"github.com/baton-confluence/baton-confluence/internal/baton/types/grant"
	"github.com/baton-confluence/baton-confluence/internal/baton/types/resource"
)

var (
	userType = &v2.ResourceType{
		Id: "user", DisplayName: "User",
		Traits:      []v2.ResourceType_Trait{v2.ResourceType_TRAIT_USER},
		Annotations: annotations.New(&v2.SkipEntitlementsAndGrants{}),
	}
	groupType = &v2.ResourceType{Id: "group", DisplayName: "Group", Traits: []v2.ResourceType_Trait{v2.ResourceType_TRAIT_GROUP}}
	spaceType = &v2.ResourceType{Id: "space", DisplayName: "Space"}
)

func marshal(t *testing.T, m proto.Message) []byte {
	t.Helper()
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	require.NoError(t, err)
	return b
}

func TestBuildersReproduceReferenceRows(t *testing.T) {
	t.Parallel()
	db := fixture.DB(t, "reference-small.c1z")

	user, err := resource.New("Søren Chen", userType, "0aff87582db5db0591157d5f",
		resource.WithUserTrait(resource.WithEmail("sren.chen37@example.com", true)),
		resource.WithProfile(map[string]any{
			"account_type": "atlassian", "email": "sren.chen37@example.com",
			"id": "0aff87582db5db0591157d5f", "user_name": "Søren Chen",
		}),
		resource.WithStatus(v2.Status_RESOURCE_STATUS_ENABLED),
	)
	require.NoError(t, err)
	require.Equal(t, fixture.Blob(t, db, "v1_resources", "user:0aff87582db5db0591157d5f"), marshal(t, user))

	gid := "306d69e3-b2bb-4f63-af52-100d1cb21d25"
	group, err := resource.New("administrators", groupType, gid,
		resource.WithGroupTrait(),
		resource.WithProfile(map[string]any{"group_id": gid, "group_name": "administrators", "group_type": "group"}),
	)
	require.NoError(t, err)
	require.Equal(t, fixture.Blob(t, db, "v1_resources", "group:"+gid), marshal(t, group))

	space, err := resource.New("Support Archive", spaceType, "131088")
	require.NoError(t, err)
	require.Equal(t, fixture.Blob(t, db, "v1_resources", "space:131088"), marshal(t, space))

	ent := entitlement.NewPermission(space, "administer-attachment",
		entitlement.WithDisplayName("Can administer-attachment Support Archive"),
		entitlement.WithDescription("Has permission to administer attachment the Support Archive space in Confluence"),
		entitlement.WithGrantableTo(userType),
		entitlement.WithGrantableTo(groupType),
	)
	require.Equal(t, "space:131088:administer-attachment", ent.GetId())
	require.Equal(t, fixture.Blob(t, db, "v1_entitlements", ent.GetId()), marshal(t, ent))

	// Stored grants have their GrantExpandable moved to the expansion column.
	g := grant.New(space, "read-space", group.GetId(), grant.WithExpandable("group:"+gid+":member"))
	require.Equal(t, "space:131088:read-space:group:"+gid, g.GetId())
	g.Annotations = annotations.Annotations(g.GetAnnotations()).Without(&v2.GrantExpandable{})
	require.Equal(t, fixture.Blob(t, db, "v1_grants", g.GetId()), marshal(t, g))
}

func TestIDsAreOpaqueJoins(t *testing.T) {
	t.Parallel()
	rid := &v2.ResourceId{ResourceType: "space_role_assignment", Resource: "100:r1"}
	require.Equal(t, "space_role_assignment:100:r1", resource.ExternalID(rid))
	eid := entitlement.ID(rid, "assigned")
	require.Equal(t, "space_role_assignment:100:r1:assigned", eid)
	require.Equal(t, "space_role_assignment:100:r1:assigned:user:u2",
		grant.ID(eid, &v2.ResourceId{ResourceType: "user", Resource: "u2"}))
}

func TestNewRejectsEmptyID(t *testing.T) {
	t.Parallel()
	_, err := resource.New("x", spaceType, "")
	require.ErrorContains(t, err, "empty id")
}
