package connector

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzDecodeToken feeds arbitrary text to every page-token decoder: none may panic, every
// failure wraps errBadToken, and a token that decodes re-encodes to a canonical token that
// decodes and encodes to itself.
func FuzzDecodeToken(f *testing.F) {
	for _, s := range []string{
		"", `{"phase":"search","start":200}`, `{"phase":"search","start":1600,"size":200}`, `{"phase":"members","start":0,"index":16}`,
		`{"start":400}`, `{"cursor":"eyJpZCI6MTIzfQ%3D%3D"}`, `{"cursor":"c","seen":["1016126","1016137"]}`,
		`{"phase":"search","start":-5}`, `[]`, `{"phase":"members"}{"phase":"search"}`, "\x00\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		roundTrip[userToken](t, s)
		roundTrip[offsetToken](t, s)
		roundTrip[cursorToken](t, s)
		roundTrip[assignmentsToken](t, s)
	})
}

func roundTrip[T token](t *testing.T, s string) {
	v, err := decodeToken[T](s)
	if err != nil {
		require.ErrorIs(t, err, errBadToken)
		return
	}
	if s == "" {
		var zero T
		require.Equal(t, zero, v, "the empty token is the first page")
		return
	}
	enc, err := encodeToken(&v)
	require.NoError(t, err)
	again, err := decodeToken[T](enc)
	require.NoError(t, err)
	enc2, err := encodeToken(&again)
	require.NoError(t, err)
	require.Equal(t, enc, enc2)
}
