package c1fake

import (
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

func rid(typ, id string) *v2.ResourceId { return &v2.ResourceId{ResourceType: typ, Resource: id} }

func TestGrantTask(t *testing.T) {
	t.Parallel()
	tests := []struct {
		spec      string
		ent       *v2.Entitlement
		principal *v2.ResourceId
		wantErr   string
	}{
		{spec: "group:g-1:member user acc-1",
			ent:       &v2.Entitlement{Id: "group:g-1:member", Slug: "member", Resource: &v2.Resource{Id: rid("group", "g-1")}},
			principal: rid("user", "acc-1")},
		{spec: "  space:12345:read-space   group  g-2 ",
			ent:       &v2.Entitlement{Id: "space:12345:read-space", Slug: "read-space", Resource: &v2.Resource{Id: rid("space", "12345")}},
			principal: rid("group", "g-2")},
		{spec: "space_role_assignment:SP:ro:le:assigned user u",
			ent:       &v2.Entitlement{Id: "space_role_assignment:SP:ro:le:assigned", Slug: "assigned", Resource: &v2.Resource{Id: rid("space_role_assignment", "SP:ro:le")}},
			principal: rid("user", "u")},
		{spec: "group:g-1:member user", wantErr: "want"},
		{spec: "group:member user u", wantErr: "entitlement id"},
		{spec: ":g:member user u", wantErr: "entitlement id"},
		{spec: "group:g: user u", wantErr: "entitlement id"},
	}
	for _, tt := range tests {
		task, err := GrantTask(tt.spec)
		if tt.wantErr != "" {
			require.ErrorContains(t, err, tt.wantErr, tt.spec)
			continue
		}
		require.NoError(t, err, tt.spec)
		require.Equal(t, "grant", TaskType(task))
		require.True(t, proto.Equal(tt.ent, task.GetGrant().GetEntitlement()), "%s: %v", tt.spec, task.GetGrant().GetEntitlement())
		require.True(t, proto.Equal(tt.principal, task.GetGrant().GetPrincipal().GetId()), tt.spec)
	}
}

func TestRevokeTask(t *testing.T) {
	t.Parallel()
	task, err := RevokeTask("group:g-1:member:user:acc-1")
	require.NoError(t, err)
	g := task.GetRevoke().GetGrant()
	require.Equal(t, "group:g-1:member:user:acc-1", g.GetId())
	require.Equal(t, "group:g-1:member", g.GetEntitlement().GetId())
	require.True(t, proto.Equal(rid("group", "g-1"), g.GetEntitlement().GetResource().GetId()))
	require.True(t, proto.Equal(rid("user", "acc-1"), g.GetPrincipal().GetId()))

	task, err = RevokeTask("space:SP:a:b:read:group:g-9")
	require.NoError(t, err)
	require.Equal(t, "SP:a:b", task.GetRevoke().GetGrant().GetEntitlement().GetResource().GetId().GetResource())

	for _, bad := range []string{"group:g-1:member:user", "a:b:c:d:", "group::member:user:u"} {
		_, err := RevokeTask(bad)
		require.Error(t, err, bad)
	}

	want := &v2.Grant{Id: "x", Entitlement: &v2.Entitlement{Id: "group:g:member", Resource: &v2.Resource{Id: rid("group", "g")}},
		Principal: &v2.Resource{Id: rid("user", "a:b")}}
	js, err := protojson.Marshal(want)
	require.NoError(t, err)
	task, err = RevokeTaskFromJSON(js)
	require.NoError(t, err)
	require.True(t, proto.Equal(want, task.GetRevoke().GetGrant()))
	_, err = RevokeTaskFromJSON([]byte(`{"id":"x"}`))
	require.ErrorContains(t, err, "required")
	_, err = RevokeTaskFromJSON([]byte(`{`))
	require.Error(t, err)
}

func TestTaskTypeNames(t *testing.T) {
	t.Parallel()
	require.Equal(t, "sync_full", TaskType(SyncTask()))
	require.Equal(t, "hello", TaskType(HelloTask()))
	task, err := RevokeTask("group:g:member:user:u")
	require.NoError(t, err)
	require.Equal(t, "revoke", TaskType(task))
}
