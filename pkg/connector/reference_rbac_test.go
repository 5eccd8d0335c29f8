package connector

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/baton-confluence/baton-confluence/pkg/confluence"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	"github.com/baton-confluence/baton-confluence/internal/baton/fixture"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
	"github.com/baton-confluence/baton-confluence/internal/baton/types/entitlement"
)

// materialize does what the engine does with a static entitlement template for one resource
// (spec §5.4).
func materialize(tmpl *v2.Entitlement, r *v2.Resource) *v2.Entitlement {
	e := proto.Clone(tmpl).(*v2.Entitlement)
	e.Resource = r
	e.Id = entitlement.ID(r.GetId(), tmpl.GetSlug())
	if e.GetDisplayName() == "" {
		e.DisplayName = r.GetDisplayName()
	}
	if e.GetDescription() == "" {
		e.Description = r.GetDescription()
	}
	return e
}

// TestReferenceRBAC rebuilds the RBAC rows: spaces with their child type, roles, bindings,
// the materialized "assigned" entitlements and the direct assignment grants.
func TestReferenceRBAC(t *testing.T) {
	t.Parallel()
	db := fixture.DB(t, "reference-rbac.c1z")
	spaceNames := map[string]string{}
	for _, r := range rows(t, db, "v1_resources", "resource_type_id = 'space'") {
		ref := decode(t, r.data, &v2.Resource{})
		sp := confluence.Space{ID: confluence.ID(ref.GetId().GetResource()), Name: ref.GetDisplayName()}
		got, err := spaceResource(sp, true)
		require.NoError(t, err)
		require.Equal(t, r.data, marshal(t, spaceReferenceView(got)), r.id)
		spaceNames[sp.ID.String()] = sp.Name
	}
	require.Len(t, spaceNames, 6)

	roleNames := map[string]string{}
	for _, r := range rows(t, db, "v1_resources", "resource_type_id = 'space_role'") {
		ref := decode(t, r.data, &v2.Resource{})
		role := confluence.SpaceRole{ID: ref.GetId().GetResource(), Name: ref.GetDisplayName(), Description: profileString(ref, "description")}
		for _, v := range ref.GetProfile().GetFields()["space_permissions"].GetListValue().GetValues() {
			role.SpacePermissions = append(role.SpacePermissions, v.GetStringValue())
		}
		got, err := roleResource(role)
		require.NoError(t, err)
		require.Equal(t, r.data, marshal(t, got), r.id)
		roleNames[role.ID] = role.Name
	}
	require.Len(t, roleNames, 6)

	bindings := rows(t, db, "v1_resources", "resource_type_id = 'space_role_assignment'")
	require.Len(t, bindings, 16)
	grants := 0
	for _, r := range bindings {
		sid, rid, ok := strings.Cut(strings.TrimPrefix(r.id, "space_role_assignment:"), ":")
		require.True(t, ok)
		got, err := assignmentResource(sid, spaceNames[sid], rid, roleNames[rid])
		require.NoError(t, err)
		require.Equal(t, r.data, marshal(t, got), r.id)
		gs, gr, ok := assignmentScope(got)
		require.True(t, ok)
		require.Equal(t, []string{sid, rid}, []string{gs, gr})
		ent := materialize(assignedTemplate(), got)
		require.Equal(t, fixture.Blob(t, db, "v1_entitlements", ent.GetId()), marshal(t, ent), ent.GetId())
		grants += checkAssignmentGrants(t, rows(t, db, "v1_grants", "entitlement_id = '"+ent.GetId()+"'"), got)
	}
	require.Positive(t, grants)
}

func checkAssignmentGrants(t *testing.T, grs []row, binding *v2.Resource) int {
	t.Helper()
	n := 0
	for _, gr := range grs {
		stored := decode(t, gr.data, &v2.Grant{})
		if annotations.Annotations(stored.GetAnnotations()).Contains(&v2.GrantImmutable{}) {
			continue
		}
		pid := stored.GetPrincipal().GetId()
		rp := confluence.RolePrincipal{PrincipalType: strings.ToUpper(pid.GetResourceType()), PrincipalID: pid.GetResource()}
		mine, ok := assignmentGrant(binding, rp)
		require.True(t, ok)
		if rp.PrincipalType == confluence.PrincipalGroup {
			var ge v2.GrantExpandable
			found, err := annotations.Annotations(mine.GetAnnotations()).Pick(&ge)
			require.NoError(t, err)
			require.True(t, found)
			require.Equal(t, gr.expansion, marshal(t, &ge))
			mine.Annotations = annotations.Annotations(mine.GetAnnotations()).Without(&v2.GrantExpandable{})
		}
		stored.Sources = nil
		require.Equal(t, marshal(t, stored), marshal(t, mine), gr.id)
		n++
	}
	return n
}
