package connector

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTokenRoundTrip(t *testing.T) {
	t.Parallel()
	tok, err := encodeToken(&userToken{Phase: phaseMembers, Start: 200, Index: 16})
	require.NoError(t, err)
	require.JSONEq(t, `{"phase":"members","start":200,"index":16}`, tok)
	got, err := decodeToken[userToken](tok)
	require.NoError(t, err)
	require.Equal(t, userToken{Phase: phaseMembers, Start: 200, Index: 16}, got)

	// A v2 cursor is kept byte for byte, escapes included.
	raw := "eyJpZCI6MTIzfQ%3D%3D&x=<>"
	tok, err = encodeToken(&cursorToken{Cursor: raw})
	require.NoError(t, err)
	ct, err := decodeToken[cursorToken](tok)
	require.NoError(t, err)
	require.Equal(t, raw, ct.Cursor)

	tok, err = encodeToken(&assignmentsToken{Cursor: "c", Seen: []string{"1", "2"}})
	require.NoError(t, err)
	at, err := decodeToken[assignmentsToken](tok)
	require.NoError(t, err)
	require.Equal(t, []string{"1", "2"}, at.Seen)

	none, err := encodeToken[offsetToken](nil)
	require.NoError(t, err)
	require.Empty(t, none, "no next page")
	first, err := decodeToken[offsetToken]("")
	require.NoError(t, err)
	require.Equal(t, offsetToken{}, first)
}

func TestTokenRejects(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, tok, want string }{
		{"not json", "abc", "invalid page token"},
		{"unknown phase", `{"phase":"later"}`, "unknown phase"},
		{"negative start", `{"phase":"search","start":-1}`, "out of range"},
		{"huge index", `{"phase":"members","index":99999999999}`, "invalid page token"},
		{"negative page size", `{"phase":"search","size":-1}`, "page size -1 out of range"},
		{"huge page size", `{"phase":"search","size":5000}`, "page size 5000 out of range"},
		{"unknown field", `{"phase":"search","extra":1}`, "unknown field"},
		{"trailing data", `{"phase":"search"} {}`, "trailing data"},
		{"too long", `{"phase":"search","start":` + strings.Repeat("0", maxTokenLen) + `1}`, "bytes, at most"},
		{"wrong type", `{"phase":1}`, "invalid page token"},
		{"null", `null`, "unknown phase"},
	} {
		_, err := decodeToken[userToken](tc.tok)
		require.ErrorIs(t, err, errBadToken, tc.name)
		require.ErrorContains(t, err, tc.want, tc.name)
	}
	_, err := decodeToken[cursorToken](`{"cursor":"` + strings.Repeat("x", maxCursorLen+1) + `"}`)
	require.ErrorIs(t, err, errBadToken)
	_, err = decodeToken[assignmentsToken](`{"seen":[` + strings.Repeat(`"1",`, maxSeenRoles) + `"1"]}`)
	require.ErrorIs(t, err, errBadToken)
	_, err = encodeToken(&userToken{Phase: "nope"})
	require.Error(t, err, "an invalid token is never produced")
}
