package connector

import (
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/baton-confluence/baton-confluence/pkg/config"
	"github.com/baton-confluence/baton-confluence/pkg/confluence"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	"github.com/baton-confluence/baton-confluence/internal/baton/fixture"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

func userTrait(t *testing.T, r *v2.Resource) *v2.UserTrait {
	t.Helper()
	var ut v2.UserTrait
	ok, err := annotations.Annotations(r.GetAnnotations()).Pick(&ut)
	require.NoError(t, err)
	require.True(t, ok, "user trait")
	return &ut
}

func TestUserResource(t *testing.T) {
	t.Parallel()
	ops := []confluence.Operation{{Operation: "use", TargetType: "application"}}
	tests := []struct {
		name      string
		user      confluence.User
		enabled   bool
		wantName  string
		wantEmail []string
	}{
		{"unicode and emoji", confluence.User{AccountID: "712020:9f1c", AccountType: "atlassian", DisplayName: "Zoë Ñúñez 🚀", Email: "zoe@example.com", Operations: ops}, true, "Zoë Ñúñez 🚀", []string{"zoe@example.com"}},
		{"id with colons, hidden email", confluence.User{AccountID: "qm:a1b2:c3d4", AccountType: "atlassian", DisplayName: "Lars Jones"}, false, "Lars Jones", nil},
		{"hidden display name uses public name", confluence.User{AccountID: "abc", AccountType: "atlassian", PublicName: "Lars"}, true, "Lars", nil},
		{"nothing but an id", confluence.User{AccountID: "0aff87582db5db0591157d5f", AccountType: "atlassian"}, false, "0aff87582db5db0591157d5f", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := userResource(tc.user, tc.enabled)
			require.NoError(t, err)
			requireProto(t, &v2.ResourceId{ResourceType: "user", Resource: tc.user.AccountID}, r.GetId())
			require.Equal(t, tc.wantName, r.GetDisplayName())
			ut := userTrait(t, r)
			var emails []string
			for _, e := range ut.GetEmails() {
				require.True(t, e.GetIsPrimary())
				emails = append(emails, e.GetAddress())
			}
			require.Equal(t, tc.wantEmail, emails)
			require.Equal(t, v2.UserTrait_ACCOUNT_TYPE_HUMAN, ut.GetAccountType())
			wantTrait, wantStatus := v2.UserTrait_Status_STATUS_DISABLED, v2.Status_RESOURCE_STATUS_DISABLED
			if tc.enabled {
				wantTrait, wantStatus = v2.UserTrait_Status_STATUS_ENABLED, v2.Status_RESOURCE_STATUS_ENABLED
			}
			require.Equal(t, wantTrait, ut.GetStatus().GetStatus())
			require.Equal(t, wantStatus, r.GetStatus().GetStatus())
			require.Equal(t, map[string]any{
				"user_name": tc.wantName, "account_type": "atlassian", "email": tc.user.Email, "id": tc.user.AccountID,
			}, r.GetProfile().AsMap())
		})
	}
}

func TestAccountHelpers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status         string
		enabled, known bool
	}{{"active", true, true}, {"inactive", false, true}, {"closed", false, true}, {"unknown", false, false}, {"", false, false}} {
		on, known := bulkStatus(confluence.BulkUser{AccountStatus: tc.status})
		require.Equal(t, []bool{tc.enabled, tc.known}, []bool{on, known}, tc.status)
	}
	require.True(t, isHuman("atlassian"))
	for _, at := range []string{"app", "customer", "unknown", ""} {
		require.False(t, isHuman(at), at)
	}
	users := []confluence.User{
		{AccountID: "u1", AccountType: "atlassian"}, {AccountID: "bot", AccountType: "app"},
		{AccountID: "qm:c:1", AccountType: "customer"}, {AccountType: "atlassian"}, {AccountID: "u2:x", AccountType: "atlassian"},
	}
	require.Equal(t, []string{"u1", "u2:x"}, humanIDs(users))
	require.False(t, hasOperations(confluence.User{}))
	require.True(t, hasOperations(confluence.User{Operations: []confluence.Operation{{Operation: "use"}}}))
}

func TestGroupMapping(t *testing.T) {
	t.Parallel()
	g, err := groupResource(confluence.Group{ID: "7b1e:ü", Name: "Équipe Données 📊", Type: "group"})
	require.NoError(t, err)
	require.Equal(t, "Équipe Données 📊", g.GetDisplayName())
	require.True(t, annotations.Annotations(g.GetAnnotations()).Contains(&v2.GroupTrait{}))
	require.Equal(t, map[string]any{"group_id": "7b1e:ü", "group_name": "Équipe Données 📊", "group_type": "group"}, g.GetProfile().AsMap())

	noName, err := groupResource(confluence.Group{ID: "g2"})
	require.NoError(t, err)
	require.Equal(t, "g2", noName.GetDisplayName())
	require.Equal(t, "group", noName.GetProfile().AsMap()["group_type"])
	_, err = groupResource(confluence.Group{Name: "no id"})
	require.Error(t, err)

	e := memberEntitlement(g)
	require.Equal(t, "group:7b1e:ü:member", e.GetId())
	require.Equal(t, "Équipe Données 📊 Group Member", e.GetDisplayName())
	require.Equal(t, "Is member of the Équipe Données 📊 group in Confluence", e.GetDescription())
	require.Equal(t, v2.Entitlement_PURPOSE_VALUE_ASSIGNMENT, e.GetPurpose())
	require.Equal(t, []string{"user"}, typeIDs(e.GetGrantableTo()))

	gs := memberGrants(g, []string{"qm:a:b", "u1"})
	require.Len(t, gs, 2)
	require.Equal(t, "group:7b1e:ü:member:user:qm:a:b", gs[0].GetId())
	require.Equal(t, "group:7b1e:ü:member", gs[0].GetEntitlement().GetId())
	requireProto(t, &v2.ResourceId{ResourceType: "user", Resource: "qm:a:b"}, gs[0].GetPrincipal().GetId())
	require.Empty(t, gs[0].GetAnnotations())
}

func requireProto(t *testing.T, want, got proto.Message) {
	t.Helper()
	require.True(t, proto.Equal(want, got), "want %v, got %v", want, got)
}

func typeIDs(rts []*v2.ResourceType) []string {
	var out []string
	for _, rt := range rts {
		out = append(out, rt.GetId())
	}
	return out
}

func TestSpaceMapping(t *testing.T) {
	t.Parallel()
	sp := confluence.Space{ID: "98307", Key: "~712020:abc", Name: "Søren's space", Type: "personal", Status: "archived"}
	r, err := spaceResource(sp, false)
	require.NoError(t, err)
	require.Equal(t, "98307", r.GetId().GetResource())
	require.Empty(t, r.GetAnnotations())
	require.Equal(t, map[string]any{"space_key": "~712020:abc", "space_type": "personal", "space_status": "archived"}, r.GetProfile().AsMap())
	rbac, err := spaceResource(confluence.Space{ID: "1", Key: "KEY"}, true)
	require.NoError(t, err)
	require.Equal(t, "KEY", rbac.GetDisplayName(), "a nameless space is named by its key")
	var child v2.ChildResourceType
	ok, err := annotations.Annotations(rbac.GetAnnotations()).Pick(&child)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "space_role_assignment", child.GetResourceTypeId())

	ents := spaceEntitlements(r, []string{"space", "page"}, []string{"restrict_content", "read"})
	var ids []string
	for _, e := range ents {
		ids = append(ids, e.GetId())
		require.Equal(t, []string{"user", "group"}, typeIDs(e.GetGrantableTo()))
		require.Equal(t, v2.Entitlement_PURPOSE_VALUE_PERMISSION, e.GetPurpose())
	}
	require.Equal(t, []string{"space:98307:restrict_content-space", "space:98307:read-space", "space:98307:restrict_content-page", "space:98307:read-page"}, ids)
	require.Equal(t, "Can restrict_content-space Søren's space", ents[0].GetDisplayName())
	require.Equal(t, "Has permission to restrict_content space the Søren's space space in Confluence", ents[0].GetDescription())
	require.Len(t, spaceEntitlements(r, config.AllNouns, config.AllVerbs), 40)
}

func perm(ptype, pid, key, target string) confluence.SpacePermission {
	var p confluence.SpacePermission
	p.ID = "1"
	p.Principal.Type, p.Principal.ID = ptype, pid
	p.Operation.Key, p.Operation.TargetType = key, target
	return p
}

func TestPermissionGrants(t *testing.T) {
	t.Parallel()
	space, err := spaceResource(confluence.Space{ID: "42", Name: "Runbooks"}, false)
	require.NoError(t, err)
	f := newPermFilter([]string{"read", "restrict_content"}, []string{"space"})
	perms := []confluence.SpacePermission{
		perm("user", "qm:1:2", "read", "space"),
		perm("group", "g-1", "restrict_content", "space"),
		perm("role", "anonymous-users", "read", "space"),
		perm("user", "u1", "create", "page"),      // not configured
		perm("user", "u1", "read", "whiteboard"),  // v2-only target
		perm("application", "x", "read", "space"), // unknown principal type
		perm("user", "", "read", "space"),         // null id
	}
	grants, skipped := permissionGrants(space, perms, f)
	require.Len(t, grants, 2)
	require.Equal(t, map[string]int{skipRole: 1, skipFiltered: 2, skipOther: 2}, skipped)
	require.Equal(t, "space:42:read-space:user:qm:1:2", grants[0].GetId())
	require.Empty(t, grants[0].GetAnnotations())
	require.Equal(t, "space:42:restrict_content-space:group:g-1", grants[1].GetId())
	var ge v2.GrantExpandable
	ok, err := annotations.Annotations(grants[1].GetAnnotations()).Pick(&ge)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, []string{"group:g-1:member"}, ge.GetEntitlementIds())
}

func TestPermissionSlug(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		slug, verb, noun string
		ok               bool
	}{
		{"restrict_content-space", "restrict_content", "space", true},
		{"read-space", "read", "space", true},
		{"read", "", "", false},
		{"-space", "", "", false},
		{"read-", "", "", false},
		{"a-b-c", "", "", false},
	} {
		v, n, ok := parsePermissionSlug(tc.slug)
		require.Equal(t, tc.ok, ok, tc.slug)
		if ok {
			require.Equal(t, []string{tc.verb, tc.noun}, []string{v, n})
			require.Equal(t, tc.slug, permissionSlug(v, n))
		}
	}
}

func TestRBACMapping(t *testing.T) {
	t.Parallel()
	role, err := roleResource(confluence.SpaceRole{ID: "1016242", Name: "Ménage Auditor ✓", Description: "Audits", SpacePermissions: nil})
	require.NoError(t, err)
	require.True(t, annotations.Annotations(role.GetAnnotations()).Contains(&v2.RoleTrait{}))
	require.Equal(t, "Audits", role.GetDescription())
	require.Equal(t, map[string]any{"description": "Audits", "space_permissions": []any{}}, role.GetProfile().AsMap())

	b, err := assignmentResource("65910", "产品文档 EMEA", "1016242", "Ménage Auditor ✓")
	require.NoError(t, err)
	require.Equal(t, "65910:1016242", b.GetId().GetResource())
	require.Equal(t, "Ménage Auditor ✓ on 产品文档 EMEA", b.GetDisplayName())
	requireProto(t, &v2.ResourceId{ResourceType: "space", Resource: "65910"}, b.GetParentResourceId())
	sid, rid, ok := assignmentScope(b)
	require.True(t, ok)
	require.Equal(t, []string{"65910", "1016242"}, []string{sid, rid})
	bare := &v2.Resource{Id: &v2.ResourceId{ResourceType: "space_role_assignment", Resource: "7:r:1"}}
	sid, rid, ok = assignmentScope(bare)
	require.True(t, ok, "falls back to the id")
	require.Equal(t, []string{"7", "r:1"}, []string{sid, rid})
	_, _, ok = assignmentScope(&v2.Resource{Id: &v2.ResourceId{Resource: "nocolon"}})
	require.False(t, ok)

	tmpl := assignedTemplate()
	require.Equal(t, "::assigned", tmpl.GetId())
	require.Equal(t, []string{"user", "group"}, typeIDs(tmpl.GetGrantableTo()))

	as := []confluence.RoleAssignment{
		{Principal: confluence.RolePrincipal{PrincipalType: "USER", PrincipalID: "qm:1:2"}, RoleID: "1016242"},
		{Principal: confluence.RolePrincipal{PrincipalType: "GROUP", PrincipalID: "g-9"}, RoleID: "1016242"},
		{Principal: confluence.RolePrincipal{PrincipalType: "ACCESS_CLASS", PrincipalID: "anonymous-users"}, RoleID: "1016242"},
		{Principal: confluence.RolePrincipal{PrincipalType: "USER", PrincipalID: "other-role"}, RoleID: "5"},
	}
	grants, skipped := assignmentGrants(b, "1016242", as)
	require.Equal(t, 1, skipped)
	require.Len(t, grants, 2)
	require.Equal(t, "space_role_assignment:65910:1016242:assigned:user:qm:1:2", grants[0].GetId())
	require.Equal(t, "space_role_assignment:65910:1016242:assigned:group:g-9", grants[1].GetId())
	require.True(t, annotations.Annotations(grants[1].GetAnnotations()).Contains(&v2.GrantExpandable{}))
}

// TestResourceTypesMatchReference compares the declared resource types with the reference rows.
func TestResourceTypesMatchReference(t *testing.T) {
	t.Parallel()
	db := fixture.DB(t, "reference-rbac.c1z")
	for _, rt := range []*v2.ResourceType{userType, groupType, spaceType, spaceRoleType, roleAssignmentType} {
		require.Equal(t, fixture.Blob(t, db, "v1_resource_types", rt.GetId()), marshal(t, rt), rt.GetId())
	}
}
