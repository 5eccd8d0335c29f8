package main

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"
)

// The README's one-shot commands, end to end through the command line: sync, grant (with the
// entitlement and principal looked up in the file), idempotent repeat, revoke.
func TestOneShotSyncGrantRevoke(t *testing.T) {
	t.Parallel()
	sim, err := confluencetest.NewServer(confluencetest.Small())
	require.NoError(t, err)
	t.Cleanup(sim.Close)
	dir := t.TempDir()
	env := map[string]string{
		"BATON_DOMAIN_URL": sim.URL(), "BATON_USERNAME": confluencetest.DefaultUsername,
		"BATON_API_KEY": confluencetest.DefaultAPIToken, "BATON_FILE": filepath.Join(dir, "sync.c1z"),
		"BATON_C1Z_TEMP_DIR": dir, "BATON_LOG_LEVEL": "warn",
	}
	code, _, errOut := execute(t, env)
	require.Equal(t, 0, code, errOut)

	// A user who is not a member of the first group.
	truth := sim.Truth()
	group := truth.Groups[0]
	var user string
	for _, u := range truth.Users {
		if u.AccountType == confluencetest.AccountAtlassian && u.Active() && !slices.Contains(group.Members, u.AccountID) {
			user = u.AccountID
			break
		}
	}
	require.NotEmpty(t, user)
	ent := "group:" + group.ID + ":member"

	code, out, errOut := execute(t, env, "--grant-entitlement", ent, "--grant-principal-type", "user", "--grant-principal", user)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "granted")
	g, _ := sim.Truth().Group(group.ID)
	require.Contains(t, g.Members, user)

	code, out, errOut = execute(t, env, "--grant-entitlement", ent, "--grant-principal-type", "user", "--grant-principal", user)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "already")

	// The grant id is only in the file after a new sync.
	code, _, errOut = execute(t, env)
	require.Equal(t, 0, code, errOut)
	code, out, errOut = execute(t, env, "--revoke-grant", ent+":user:"+user)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "revoked")
	g, _ = sim.Truth().Group(group.ID)
	require.NotContains(t, g.Members, user)

	code, _, errOut = execute(t, env, "--grant-entitlement", "group:nope:member", "--grant-principal-type", "user", "--grant-principal", user)
	require.NotEqual(t, 0, code)
	require.Contains(t, errOut, "not found")
}

func TestMissingRequiredFieldsNameFlagAndEnv(t *testing.T) {
	t.Parallel()
	code, _, errOut := execute(t, nil)
	require.Equal(t, 1, code)
	for _, want := range []string{"--domain-url (or BATON_DOMAIN_URL)", "--username (or BATON_USERNAME)", "--api-key (or BATON_API_KEY)"} {
		require.Contains(t, errOut, want)
	}
}
