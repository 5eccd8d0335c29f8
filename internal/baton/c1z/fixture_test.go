package c1z

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/internal/baton/fixture"
)

// TestReaderFixtureCounts opens the reference files written by the upstream SDK and checks the
// counts their README documents, per resource type.
func TestReaderFixtureCounts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file         string
		resources    map[string]int64
		entitlements int64
		grants       int64
	}{
		{"reference-small.c1z", map[string]int64{"user": 60, "group": 8, "space": 7, "space_role": 0, "space_role_assignment": 0}, 288, 406},
		{"reference-rbac.c1z", map[string]int64{"user": 40, "group": 6, "space": 6, "space_role": 6, "space_role_assignment": 16}, 22, 143},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			r, err := OpenReader(t.Context(), fixture.Path(t, tt.file), ReaderOptions{TempDir: t.TempDir()})
			require.NoError(t, err)
			t.Cleanup(func() { require.NoError(t, r.Close()) })
			require.NotNil(t, r.Sync())
			require.Equal(t, SyncTypeFull, r.Sync().Type)
			require.True(t, r.Sync().Finished())

			st, err := r.Stats(t.Context())
			require.NoError(t, err)
			require.Equal(t, tt.resources, st.ResourcesByType)
			require.Equal(t, int64(5), st.ResourceTypes)
			require.Equal(t, tt.entitlements, st.Entitlements)
			require.Equal(t, tt.grants, st.Grants)

			// The iterators agree with the counts.
			var n int64
			for _, err := range r.Grants(t.Context(), GrantFilter{}) {
				require.NoError(t, err)
				n++
			}
			require.Equal(t, tt.grants, n)
			for typ, want := range tt.resources {
				var got int64
				for _, err := range r.Resources(t.Context(), ResourceFilter{ResourceTypeID: typ}) {
					require.NoError(t, err)
					got++
				}
				require.Equal(t, want, got, typ)
			}
		})
	}
}
