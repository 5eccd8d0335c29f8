package connector

import (
	"database/sql"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/baton-confluence/baton-confluence/pkg/config"
	"github.com/baton-confluence/baton-confluence/pkg/confluence"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	"github.com/baton-confluence/baton-confluence/internal/baton/fixture"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// These tests rebuild every row the reference connector stored, with this connector's mapping
// functions, from the API objects the row stands for, and compare the bytes. Where this
// connector deliberately differs, the difference is applied to the reference row first and
// stated here:
//
//   - user trait status follows the account (the reference always writes STATUS_ENABLED);
//   - spaces carry a profile {space_key, space_type, space_status} (the reference has none);
//   - space entitlements are grantable to users and groups (the reference: groups only);
//   - stored grants carry sources after expansion, which is the engine's work, not the mapping's.

type row struct {
	id        string
	data      []byte
	expansion []byte
}

func rows(t *testing.T, db *sql.DB, table, where string) []row {
	t.Helper()
	q := "SELECT external_id, data FROM " + table + " WHERE " + where + " ORDER BY id"
	if table == "v1_grants" {
		q = "SELECT external_id, data, expansion FROM " + table + " WHERE " + where + " ORDER BY id"
	}
	rs, err := db.Query(q)
	require.NoError(t, err)
	defer rs.Close()
	var out []row
	for rs.Next() {
		var r row
		if table == "v1_grants" {
			require.NoError(t, rs.Scan(&r.id, &r.data, &r.expansion))
		} else {
			require.NoError(t, rs.Scan(&r.id, &r.data))
		}
		out = append(out, r)
	}
	require.NoError(t, rs.Err())
	return out
}

func marshal(t *testing.T, m proto.Message) []byte {
	t.Helper()
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	require.NoError(t, err)
	return b
}

func decode[M proto.Message](t *testing.T, b []byte, m M) M {
	t.Helper()
	require.NoError(t, proto.Unmarshal(b, m))
	return m
}

func profileString(r *v2.Resource, key string) string {
	return r.GetProfile().GetFields()[key].GetStringValue()
}

// referenceView applies the deliberate differences to one of our space resources.
func spaceReferenceView(r *v2.Resource) *v2.Resource {
	r = proto.Clone(r).(*v2.Resource)
	r.Profile = nil
	return r
}

func TestReferenceUsers(t *testing.T) {
	t.Parallel()
	db := fixture.DB(t, "reference-small.c1z")
	disabled, hidden, n := 0, 0, 0
	for _, r := range rows(t, db, "v1_resources", "resource_type_id = 'user'") {
		ref := decode(t, r.data, &v2.Resource{})
		enabled := ref.GetStatus().GetStatus() == v2.Status_RESOURCE_STATUS_ENABLED
		u := confluence.User{
			AccountID: profileString(ref, "id"), AccountType: profileString(ref, "account_type"),
			DisplayName: profileString(ref, "user_name"), Email: profileString(ref, "email"),
		}
		got, err := userResource(u, enabled)
		require.NoError(t, err)
		if !enabled {
			disabled++
			setTraitStatus(t, ref, v2.UserTrait_Status_STATUS_DISABLED) // deliberate difference
		}
		if u.Email == "" {
			hidden++
		}
		require.Equal(t, marshal(t, ref), marshal(t, got), r.id)
		require.Equal(t, r.data, marshal(t, withTraitStatus(t, got, v2.UserTrait_Status_STATUS_ENABLED)), r.id)
		n++
	}
	require.Equal(t, 60, n)
	require.Positive(t, disabled, "the fixture has disabled users")
	require.Positive(t, hidden, "the fixture has hidden emails")
}

func setTraitStatus(t *testing.T, r *v2.Resource, s v2.UserTrait_Status_Status) {
	t.Helper()
	var ut v2.UserTrait
	ok, err := annotations.Annotations(r.GetAnnotations()).Pick(&ut)
	require.NoError(t, err)
	require.True(t, ok)
	ut.Status = &v2.UserTrait_Status{Status: s}
	a := annotations.Annotations(r.GetAnnotations())
	a.Update(&ut)
	r.Annotations = a
}

func withTraitStatus(t *testing.T, r *v2.Resource, s v2.UserTrait_Status_Status) *v2.Resource {
	r = proto.Clone(r).(*v2.Resource)
	setTraitStatus(t, r, s)
	return r
}

// referenceGroups rebuilds every group, its entitlement and its membership grants.
func TestReferenceGroups(t *testing.T) {
	t.Parallel()
	db := fixture.DB(t, "reference-small.c1z")
	groups, members := 0, 0
	for _, r := range rows(t, db, "v1_resources", "resource_type_id = 'group'") {
		groups++
		ref := decode(t, r.data, &v2.Resource{})
		g := confluence.Group{ID: profileString(ref, "group_id"), Name: profileString(ref, "group_name"), Type: profileString(ref, "group_type")}
		got, err := groupResource(g)
		require.NoError(t, err)
		require.Equal(t, r.data, marshal(t, got), r.id)
		ent := memberEntitlement(got)
		require.Equal(t, fixture.Blob(t, db, "v1_entitlements", ent.GetId()), marshal(t, ent))
		for _, gr := range rows(t, db, "v1_grants", "entitlement_id = '"+ent.GetId()+"'") {
			stored := decode(t, gr.data, &v2.Grant{})
			mine := memberGrant(got, stored.GetPrincipal().GetId().GetResource())
			require.Equal(t, gr.id, mine.GetId())
			require.Equal(t, gr.data, marshal(t, mine), gr.id)
			require.Nil(t, gr.expansion)
			members++
		}
	}
	require.Equal(t, 8, groups)
	require.Positive(t, members)
}

// TestReferenceSpaces rebuilds every space, its 40 entitlements and its direct permission
// grants (user and group; derived grants are the engine's).
func TestReferenceSpaces(t *testing.T) {
	t.Parallel()
	db := fixture.DB(t, "reference-small.c1z")
	all := newPermFilter(config.AllVerbs, config.AllNouns)
	groupGrants, spaces := 0, 0
	for _, r := range rows(t, db, "v1_resources", "resource_type_id = 'space'") {
		spaces++
		ref := decode(t, r.data, &v2.Resource{})
		sp := confluence.Space{ID: confluence.ID(ref.GetId().GetResource()), Name: ref.GetDisplayName(), Key: "K", Type: "global", Status: "current"}
		ours, err := spaceResource(sp, false)
		require.NoError(t, err)
		require.Equal(t, "K", profileString(ours, "space_key"))
		got := spaceReferenceView(ours)
		require.Equal(t, r.data, marshal(t, got), r.id)
		ents := spaceEntitlements(got, config.AllNouns, config.AllVerbs)
		require.Len(t, ents, 40)
		for _, e := range ents {
			view := proto.Clone(e).(*v2.Entitlement)
			view.GrantableTo = []*v2.ResourceType{groupType} // deliberate difference
			require.Equal(t, fixture.Blob(t, db, "v1_entitlements", e.GetId()), marshal(t, view), e.GetId())
		}
		groupGrants += checkSpaceGrants(t, db, got, all)
	}
	require.Equal(t, 7, spaces)
	require.Positive(t, groupGrants)
}

// checkSpaceGrants compares the space's non-derived grants and returns how many went to groups.
func checkSpaceGrants(t *testing.T, db *sql.DB, space *v2.Resource, f permFilter) int {
	t.Helper()
	groups := 0
	where := "resource_type_id = 'space' AND resource_id = '" + space.GetId().GetResource() + "'"
	for _, gr := range rows(t, db, "v1_grants", where) {
		stored := decode(t, gr.data, &v2.Grant{})
		if annotations.Annotations(stored.GetAnnotations()).Contains(&v2.GrantImmutable{}) {
			continue // derived by expansion
		}
		slug := strings.TrimPrefix(stored.GetEntitlement().GetId(), "space:"+space.GetId().GetResource()+":")
		verb, noun, ok := parsePermissionSlug(slug)
		require.True(t, ok, slug)
		var p confluence.SpacePermission
		p.Principal.Type, p.Principal.ID = stored.GetPrincipal().GetId().GetResourceType(), stored.GetPrincipal().GetId().GetResource()
		p.Operation.Key, p.Operation.TargetType = verb, noun
		mine, why := permissionGrant(space, p, f)
		require.Equal(t, skipNone, why)
		if p.Principal.Type == principalGroup {
			groups++
			var ge v2.GrantExpandable
			ok, err := annotations.Annotations(mine.GetAnnotations()).Pick(&ge)
			require.NoError(t, err)
			require.True(t, ok)
			require.Equal(t, gr.expansion, marshal(t, &ge), gr.id)
			mine.Annotations = annotations.Annotations(mine.GetAnnotations()).Without(&v2.GrantExpandable{})
		}
		stored.Sources = nil // added by expansion when a group also holds it
		require.Equal(t, gr.id, mine.GetId())
		require.Equal(t, marshal(t, stored), marshal(t, mine), gr.id)
	}
	return groups
}
