package security_test

import (
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"
	"github.com/baton-confluence/baton-confluence/pkg/connector/connectortest"
	"github.com/baton-confluence/baton-confluence/test/faults"
)

// TestHostileNounsAndVerbs: noun and verb values with separators, unicode, case changes,
// control characters and great length are refused with exit status 2 and a message naming the
// flag and the allowed values, before any request, from the command line and the environment.
func TestHostileNounsAndVerbs(t *testing.T) {
	t.Parallel()
	sim := startSim(t, nil, faults.SimOptions{})
	for _, tc := range []struct {
		flag, value string
	}{
		{"noun", "spa:ce"}, {"noun", "space-page"}, {"noun", "ßpäce"}, {"noun", "SPACE"}, {"noun", "space;page"},
		{"noun", "space,pa ge"}, {"noun", strings.Repeat("space", 20000)}, {"noun", "🚀"},
		{"verb", "read-space"}, {"verb", "read:space"}, {"verb", "rëad"}, {"verb", "\u202eread"},
		{"verb", strings.Repeat("ü", 30000)}, {"verb", "administer\x7f"},
	} {
		for _, viaEnv := range []bool{false, true} {
			t.Run(tc.flag+" "+firstN(tc.value, 20)+map[bool]string{true: " (env)"}[viaEnv], func(t *testing.T) {
				t.Parallel()
				args := syncArgs(sim, "", filepath.Join(t.TempDir(), "s.c1z"), t.TempDir())
				env := []string{"BATON_API_KEY=" + sim.Config().APIToken}
				if viaEnv {
					env = append(env, "BATON_"+strings.ToUpper(tc.flag)+"="+tc.value)
				} else {
					args = append(args, "--"+tc.flag, tc.value)
				}
				res := run(t, env, args...)
				require.Equal(t, 2, res.Code, tail(res.Stderr, 2000))
				msg := res.Message()
				require.Contains(t, msg, "--"+tc.flag)
				require.Contains(t, msg, "allowed values are")
				require.True(t, utf8.ValidString(msg), "the message is valid UTF-8")
				require.Less(t, len(msg), 2000, "the message stays readable")
			})
		}
	}
	t.Cleanup(func() { require.Zero(t, sim.Requests(), "a request was sent") })
}

// TestHostileIDsCursorsAndJSON: the server's group and account ids carry separators (':', '/',
// '-', '?', '#', '%', '&', '=', '+', space), unicode and great length; its page cursors are
// long unicode strings with separators; every JSON object holds unexpected fields and nulls.
// The sync must succeed without a panic and store exactly the truth with the hostile ids: no id
// is corrupted on its way through URLs, page tokens, the engine and the c1z.
func TestHostileIDsCursorsAndJSON(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		rbac bool
	}{{name: "granular permissions"}, {name: "rbac", rbac: true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			change := func(c *confluencetest.Config) {
				// More than a page (250) of permissions or role assignments per space, so that v2
				// cursors (and the page tokens holding them) recur.
				c.RBAC, c.Groups, c.PermissionsPerSpace, c.RolesPerSpace = tc.rbac, 12, 260, 300
			}
			plain := startSim(t, change, faults.SimOptions{})
			truth := plain.Truth()
			ids := map[string]string{}
			for i, u := range truth.Users {
				ids[u.AccountID] = hostileID("user", u.AccountID, i)
			}
			for i, g := range truth.Groups {
				ids[g.ID] = hostileID("group", g.ID, i)
			}
			h := newHostile(ids)
			sim := startSim(t, change, faults.SimOptions{Wrap: h.wrap})
			out := filepath.Join(t.TempDir(), "sync.c1z")
			args := syncArgs(sim, "", out, t.TempDir())
			if tc.rbac {
				args = append(args, "--use-rbac")
			}
			res := run(t, []string{"BATON_API_KEY=" + sim.Config().APIToken}, append(args, "--log-level", "debug")...)
			require.Zero(t, res.Code, tail(res.Stderr, 3000))
			got, err := connectortest.ReadContent(t.Context(), out, t.TempDir())
			require.NoError(t, err)
			want := connectortest.Expected(mapTruth(sim.Truth(), ids), connectortest.Options{UseRBAC: tc.rbac})
			if d := connectortest.Diff(want, got, 3); d != "" {
				t.Fatalf("content differs from the truth with hostile ids:\n%s", d)
			}
			h.mu.Lock()
			defer h.mu.Unlock()
			require.NotEmpty(t, h.cursors, "no cursor was rewritten: the scenario does not test hostile cursors")
		})
	}
}

// mapTruth returns t with every id in m replaced by its hostile form.
func mapTruth(t *confluencetest.Truth, m map[string]string) *confluencetest.Truth {
	mp := func(s *string) {
		if v, ok := m[*s]; ok {
			*s = v
		}
	}
	mp(&t.CurrentUserID)
	for i := range t.Users {
		mp(&t.Users[i].AccountID)
	}
	for i := range t.Groups {
		mp(&t.Groups[i].ID)
		for j := range t.Groups[i].Members {
			mp(&t.Groups[i].Members[j])
		}
	}
	for i := range t.Spaces {
		mp(&t.Spaces[i].AuthorID)
		for j := range t.Spaces[i].Permissions {
			mp(&t.Spaces[i].Permissions[j].PrincipalID)
		}
		for j := range t.Spaces[i].RoleAssignments {
			mp(&t.Spaces[i].RoleAssignments[j].PrincipalID)
		}
	}
	return t
}
