package resource

import (
	"testing"

	"github.com/stretchr/testify/require"

	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

func TestParseBatonID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in             string
		id, parent     *v2.ResourceId
		wantErrContain string
	}{
		{in: "bid:r:group/g1", id: &v2.ResourceId{ResourceType: "group", Resource: "g1"}},
		{in: `bid:r:user/qm\:abc\:def`, id: &v2.ResourceId{ResourceType: "user", Resource: "qm:abc:def"}},
		{in: `bid:r:space/100/space_role_assignment/100\:r1`,
			id:     &v2.ResourceId{ResourceType: "space_role_assignment", Resource: "100:r1"},
			parent: &v2.ResourceId{ResourceType: "space", Resource: "100"}},
		{in: `bid:r:x/a\/b\\c`, id: &v2.ResourceId{ResourceType: "x", Resource: `a/b\c`}},
		{in: "group/g1", wantErrContain: "not a resource Baton id"},
		{in: "bid:r:group", wantErrContain: "got 1"},
		{in: "bid:r:a/b/c", wantErrContain: "got 3"},
		{in: "bid:r:group/", wantErrContain: "empty part"},
		{in: `bid:r:group/g\`, wantErrContain: "unfinished"},
		{in: "bid:r:user/a:b", wantErrContain: "unescaped ':'"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			id, parent, err := ParseBatonID(tt.in)
			if tt.wantErrContain != "" {
				require.ErrorContains(t, err, tt.wantErrContain)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.id.String(), id.String())
			require.Equal(t, tt.parent.String(), parent.String())
			require.Equal(t, tt.in, FormatBatonID(id, parent))
		})
	}
}

func FuzzParseBatonID(f *testing.F) {
	for _, s := range []string{"bid:r:group/g1", `bid:r:space/1/space_role_assignment/1\:r`, "bid:r:", `bid:r:\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, parent, err := ParseBatonID(s)
		if err != nil {
			return
		}
		again, p2, err := ParseBatonID(FormatBatonID(id, parent))
		if err != nil || again.String() != id.String() || p2.String() != parent.String() {
			t.Fatalf("round trip of %q: %v %v %v", s, again, p2, err)
		}
	})
}
