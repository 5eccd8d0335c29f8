package connector_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zapcore"

	"github.com/baton-confluence/baton-confluence/pkg/config"
	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"
	"github.com/baton-confluence/baton-confluence/pkg/connector/connectortest"
)

// TestVanishedGroupAndSpace: a group and a space are listed but answer 404 on detail calls
// (deleted between list and detail). The sync skips their members, permissions and role
// assignments with a warning and succeeds.
func TestVanishedGroupAndSpace(t *testing.T) {
	t.Parallel()
	for _, rbac := range []bool{false, true} {
		t.Run(map[bool]string{false: "granular", true: "rbac"}[rbac], func(t *testing.T) {
			t.Parallel()
			ctx, logs := observedCtx(t)
			cfg := confluencetest.Small()
			cfg.RBAC = rbac
			srv := startSim(t, cfg)
			truth := srv.Truth()
			g := truth.Groups[len(truth.Groups)-1]
			var sp confluencetest.Space
			for _, s := range truth.Spaces {
				if len(s.Permissions) > 0 && len(s.RoleAssignments) > 0 == rbac {
					sp = s
				}
			}
			require.NotEmpty(t, g.Members)
			srv.SetFaults(confluencetest.Faults{VanishedGroups: []string{g.ID}, VanishedSpaces: []string{sp.ID}})
			conn := newConnector(t, srv, func(c *config.Config) { c.UseRBAC = rbac })
			got := syncContent(ctx, t, conn)

			for i := range truth.Groups {
				if truth.Groups[i].ID == g.ID {
					truth.Groups[i].Members = nil
				}
			}
			for i := range truth.Spaces {
				if truth.Spaces[i].ID == sp.ID {
					truth.Spaces[i].Permissions, truth.Spaces[i].RoleAssignments = nil, nil
				}
			}
			requireContent(t, connectortest.Expected(truth, connectortest.Options{UseRBAC: rbac}), got)
			require.Contains(t, got.Resources, "group:"+g.ID, "the group is still listed")
			warns := logs.FilterLevelExact(zapcore.WarnLevel)
			require.Positive(t, warns.FilterMessageSnippet("group vanished").Len())
			require.Positive(t, warns.FilterMessageSnippet("space vanished").Len())
		})
	}
}
