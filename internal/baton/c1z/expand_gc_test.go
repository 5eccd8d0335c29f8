package c1z

import (
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/require"
)

// gcPercent reads the collector's target.
func gcPercent() int {
	v := debug.SetGCPercent(100)
	debug.SetGCPercent(v)
	return v
}

// TestExpansionLowersGCTarget: the target is expandGCPercent while an expansion runs and is
// restored afterwards; nested users share it; a lower target is left alone. Not parallel: the
// target is process-wide.
func TestExpansionLowersGCTarget(t *testing.T) {
	t.Setenv("GOGC", "") // unset for lowerGCTarget (an empty value counts as unset)
	prev := debug.SetGCPercent(100)
	defer debug.SetGCPercent(prev)

	s, _ := newStore(t, Options{})
	rs := newRandomSync(3)
	syncID := rs.store(t, s)
	var during []int
	s.tune.afterDest = func() { during = append(during, gcPercent()) }
	st, err := s.ExpandGrants(t.Context(), syncID)
	require.NoError(t, err)
	require.Positive(t, st.Created)
	require.NotEmpty(t, during)
	for _, v := range during {
		require.Equal(t, expandGCPercent, v)
	}
	require.Equal(t, 100, gcPercent(), "restored")

	r1 := lowerGCTarget()
	r2 := lowerGCTarget()
	require.Equal(t, expandGCPercent, gcPercent())
	r1()
	r1() // a second call does nothing
	require.Equal(t, expandGCPercent, gcPercent(), "still held by the second user")
	r2()
	require.Equal(t, 100, gcPercent())

	debug.SetGCPercent(20)
	restore := lowerGCTarget()
	require.Equal(t, 20, gcPercent(), "a lower target is kept")
	restore()
	require.Equal(t, 20, gcPercent())
}

// TestExpansionKeepsOperatorGOGC: with GOGC set, the target is not touched.
func TestExpansionKeepsOperatorGOGC(t *testing.T) {
	t.Setenv("GOGC", "300")
	prev := debug.SetGCPercent(300)
	defer debug.SetGCPercent(prev)
	restore := lowerGCTarget()
	require.Equal(t, 300, gcPercent())
	restore()
	require.Equal(t, 300, gcPercent())
}
