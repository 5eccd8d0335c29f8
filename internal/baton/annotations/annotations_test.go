package annotations

import (
	"testing"

	"github.com/stretchr/testify/require"

	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

func TestUpdateReplacesInPlaceAndAppendAdds(t *testing.T) {
	t.Parallel()
	a := New(&v2.SkipEntitlementsAndGrants{}, &v2.ChildResourceType{ResourceTypeId: "a"})
	a.Update(&v2.ChildResourceType{ResourceTypeId: "b"})
	require.Len(t, a, 2)
	got := &v2.ChildResourceType{}
	ok, err := a.Pick(got)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "b", got.GetResourceTypeId())

	a.Append(&v2.ChildResourceType{ResourceTypeId: "c"})
	require.Len(t, a, 3)
	ok, err = a.Pick(got)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "b", got.GetResourceTypeId(), "readers pick the first of a type")
}

func TestMarkerAnnotationHasOnlyTypeURL(t *testing.T) {
	t.Parallel()
	a := New(&v2.GrantImmutable{})
	require.Equal(t, "type.googleapis.com/c1.connector.v2.GrantImmutable", a[0].GetTypeUrl())
	require.Empty(t, a[0].GetValue())
}

func TestContainsAndWithout(t *testing.T) {
	t.Parallel()
	a := New(&v2.GrantExpandable{EntitlementIds: []string{"group:g:member"}}, &v2.GrantImmutable{})
	require.True(t, a.Contains(&v2.GrantExpandable{}))
	b := a.Without(&v2.GrantExpandable{})
	require.False(t, b.Contains(&v2.GrantExpandable{}))
	require.True(t, b.Contains(&v2.GrantImmutable{}))
	require.Len(t, a, 2, "Without leaves the original alone")

	ok, err := b.Pick(&v2.GrantExpandable{})
	require.NoError(t, err)
	require.False(t, ok)
}
