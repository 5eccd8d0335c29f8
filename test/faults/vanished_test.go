package faults_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"
)

// TestFaultVanished: a group and a space are listed but answer 404 on every detail call
// (deleted between list and detail). The sync skips their members and permissions with a
// warning and succeeds; the content is the truth without them.
func TestFaultVanished(t *testing.T) {
	parallel(t)
	e := newEnv(t, sz.sim())
	truth := e.sim.Truth()
	var g confluencetest.Group
	for _, x := range truth.Groups {
		if len(x.Members) > len(g.Members) {
			g = x
		}
	}
	var sp confluencetest.Space
	for _, x := range truth.Spaces {
		if len(x.Permissions) > len(sp.Permissions) {
			sp = x
		}
	}
	require.NotEmpty(t, g.Members)
	require.NotEmpty(t, sp.Permissions)
	e.sim.SetFaults(confluencetest.Faults{VanishedGroups: []string{g.ID}, VanishedSpaces: []string{sp.ID}})
	res := e.run()
	st := e.sim.Stats()
	matrix(t, "404 for a vanished group and space", res, st)
	e.requireSuccess(res, func(tr *confluencetest.Truth) {
		for i := range tr.Groups {
			if tr.Groups[i].ID == g.ID {
				tr.Groups[i].Members = nil
			}
		}
		for i := range tr.Spaces {
			if tr.Spaces[i].ID == sp.ID {
				tr.Spaces[i].Permissions, tr.Spaces[i].RoleAssignments = nil, nil
			}
		}
	})
	require.Positive(t, st.Faults["vanished"], "no 404 was served")
	require.Contains(t, res.Stderr, "group vanished", "a warning names the vanished group")
	require.Contains(t, res.Stderr, "space vanished", "a warning names the vanished space")
	require.Contains(t, res.Stderr, g.ID)
	require.Contains(t, res.Stderr, sp.ID)
}
