package c1z

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// openRaw decompresses a c1z written by this package and opens the database inside with plain
// database/sql, for tests that check rows and schema directly.
func openRaw(t testing.TB, path string) *sql.DB {
	t.Helper()
	dbPath := filepath.Join(t.TempDir(), "raw.db")
	require.NoError(t, decodeFile(t.Context(), path, dbPath, limitsFromEnv()))
	db, err := sql.Open("sqlite", dbPath)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// newStore opens a Store on a fresh output path in a test temp dir.
func newStore(t testing.TB, opts Options) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	if opts.TempDir == "" {
		opts.TempDir = filepath.Join(dir, "tmp")
	}
	out := filepath.Join(dir, "out.c1z")
	s, err := Open(t.Context(), out, opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s, out
}

func mustMarshal(t testing.TB, m proto.Message) []byte {
	t.Helper()
	b, err := marshal.Marshal(m)
	require.NoError(t, err)
	return b
}

var (
	userRT  = &v2.ResourceType{Id: "user", DisplayName: "User", Traits: []v2.ResourceType_Trait{v2.ResourceType_TRAIT_USER}, Annotations: annotations.New(&v2.SkipEntitlementsAndGrants{})}
	groupRT = &v2.ResourceType{Id: "group", DisplayName: "Group", Traits: []v2.ResourceType_Trait{v2.ResourceType_TRAIT_GROUP}}
	spaceRT = &v2.ResourceType{Id: "space", DisplayName: "Space"}
)

func rid(typ, id string) *v2.ResourceId { return &v2.ResourceId{ResourceType: typ, Resource: id} }

func userRes(id string) *v2.Resource {
	profile, _ := structpb.NewStruct(map[string]any{"account_type": "atlassian", "email": id + "@example.com", "id": id, "user_name": "User " + id})
	return &v2.Resource{
		Id:          rid("user", id),
		DisplayName: "User " + id,
		Annotations: annotations.New(&v2.UserTrait{
			Emails:      []*v2.UserTrait_Email{{Address: id + "@example.com", IsPrimary: true}},
			Status:      &v2.UserTrait_Status{Status: v2.UserTrait_Status_STATUS_ENABLED},
			AccountType: v2.UserTrait_ACCOUNT_TYPE_HUMAN,
		}),
		Profile: profile,
		Status:  &v2.Status{Status: v2.Status_RESOURCE_STATUS_ENABLED},
	}
}

func groupRes(id string) *v2.Resource {
	return &v2.Resource{Id: rid("group", id), DisplayName: "Group " + id, Annotations: annotations.New(&v2.GroupTrait{})}
}

func spaceRes(id string) *v2.Resource {
	return &v2.Resource{Id: rid("space", id), DisplayName: "Space " + id}
}

// ent builds the entitlement slug of r with the full resource embedded.
func ent(r *v2.Resource, slug string, grantable ...*v2.ResourceType) *v2.Entitlement {
	return &v2.Entitlement{
		Resource:    r,
		Id:          ResourceKey(r.GetId()) + ":" + slug,
		DisplayName: r.GetDisplayName() + " " + slug,
		Slug:        slug,
		Purpose:     v2.Entitlement_PURPOSE_VALUE_PERMISSION,
		GrantableTo: grantable,
	}
}

// grant builds the grant of e to principal, as connectors do (entitlement = {resource, id},
// principal = {id}), with optional annotations.
func grant(e *v2.Entitlement, principal *v2.ResourceId, annos ...proto.Message) *v2.Grant {
	return &v2.Grant{
		Entitlement: &v2.Entitlement{Resource: e.GetResource(), Id: e.GetId()},
		Principal:   &v2.Resource{Id: principal},
		Id:          e.GetId() + ":" + principal.GetResourceType() + ":" + principal.GetResource(),
		Annotations: annotations.New(annos...),
	}
}

func expandable(ids ...string) *v2.GrantExpandable { return &v2.GrantExpandable{EntitlementIds: ids} }

// collect drains an iterator.
func collect[M any](t testing.TB, seq func(func(M, error) bool)) []M {
	t.Helper()
	var out []M
	for m, err := range seq {
		require.NoError(t, err)
		out = append(out, m)
	}
	return out
}
