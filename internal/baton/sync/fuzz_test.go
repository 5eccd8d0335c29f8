package sync

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzParseState: a checkpoint token read back from a working copy or an existing output file
// never panics the parser; an accepted token holds only positions the scans can use, and
// re-encodes to a token that parses to the same state.
func FuzzParseState(f *testing.F) {
	st := newState("fp")
	f.Add(st.encode())
	st.Phase = phaseGrants
	st.Cursor = &cursor{Pos: scanPos{T: 2, Cur: []pageCur{{After: 10, Skip: 3}, {}}}, Done: []string{"user:a"},
		Open: map[string]string{"group:b": `{"phase":"members","start":200}`}}
	st.Dropped["user"] = 3
	f.Add(st.encode())
	for _, s := range []string{"", "{", "null", `{"engine":"baton-confluence","engine_version":1,"phase":"grants","round":-1}`,
		`{"engine":"baton-confluence","engine_version":1,"phase":"done","cursor":{"pos":{"t":-1}}}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) {
		st, err := parseState(token)
		if err != nil {
			require.Nil(t, st)
			return
		}
		require.GreaterOrEqual(t, st.Round, 0)
		if st.Cursor != nil {
			require.GreaterOrEqual(t, st.Cursor.Pos.T, 0)
			for _, c := range st.Cursor.Pos.Cur {
				require.GreaterOrEqual(t, c.After, int64(0))
				require.GreaterOrEqual(t, c.Skip, 0)
			}
		}
		again, err := parseState(st.encode())
		require.NoError(t, err)
		require.Equal(t, st.encode(), again.encode())
	})
}
