package confluencetest

import (
	"math"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

func atoi(t testing.TB, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	require.NoError(t, err)
	return n
}

func nan() float64 { return math.NaN() }
