package connector_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"
	"github.com/baton-confluence/baton-confluence/pkg/connector/connectortest"

	"github.com/baton-confluence/baton-confluence/internal/baton/runner"
	"github.com/baton-confluence/baton-confluence/internal/baton/sync"
)

// TestOneShotProvisioning drives provisioning the way the command line does: entitlement,
// principal and grant are looked up in the c1z of the previous sync.
func TestOneShotProvisioning(t *testing.T) {
	t.Parallel()
	ctx, _ := observedCtx(t)
	e := newProvEnv(t, confluencetest.Small(), nil)
	dir := t.TempDir()
	file := filepath.Join(dir, "sync.c1z")
	run := func(o runner.OneShot) string {
		t.Helper()
		var out bytes.Buffer
		o.File, o.TempDir, o.Connector, o.Out = file, dir, e.fresh(), &out
		o.Sync = sync.Options{Sleep: noSleep}
		require.NoError(t, o.Run(ctx))
		return out.String()
	}
	s, u := e.bareSpace()
	ent := "space:" + s.ID + ":read-space"
	grantID := ent + ":user:" + u.AccountID

	run(runner.OneShot{})
	out := run(runner.OneShot{GrantEntitlement: ent, GrantPrincipal: u.AccountID, GrantPrincipalType: "user"})
	require.Equal(t, "granted entitlement "+ent+" to user:"+u.AccountID+"\ngrant "+grantID+"\n", out)
	out = run(runner.OneShot{GrantEntitlement: ent, GrantPrincipal: u.AccountID, GrantPrincipalType: "user"})
	require.Contains(t, out, "already has entitlement")

	run(runner.OneShot{})
	got := readContent(ctx, t, file)
	requireContent(t, connectortest.Expected(e.srv.Truth(), connectortest.Options{}), got)
	require.True(t, hasDirect(got, grantID))

	out = run(runner.OneShot{RevokeGrant: grantID})
	require.Equal(t, "revoked grant "+grantID+"\n", out)
	out = run(runner.OneShot{RevokeGrant: grantID})
	require.Equal(t, "grant "+grantID+" was already revoked\n", out)
	run(runner.OneShot{})
	got = readContent(ctx, t, file)
	requireContent(t, connectortest.Expected(e.srv.Truth(), connectortest.Options{}), got)
	require.False(t, hasGrant(got, grantID))
}
