package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/internal/baton/c1z"
)

// The demo is the newcomer's first command: it must work without credentials, write a c1z that
// readers accept, and print a readable summary.
func TestDemoSyncsTheBuiltInTenant(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "demo.c1z")
	code, out, errOut := execute(t, map[string]string{"BATON_C1Z_TEMP_DIR": dir}, "demo", "-f", file, "--log-level", "warn")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "Simulated Confluence Cloud tenant running at http://127.0.0.1:")
	require.Regexp(t, `Synced in .* with \d+ API requests`, out)
	require.Regexp(t, `user\s+2\d\d\s+0\s+0`, out)
	require.Contains(t, out, "principals can administer the space")
	require.Contains(t, out, "guest ")
	require.Contains(t, out, "app accounts are not synced")
	require.Contains(t, out, "baton-confluence inspect -f "+file)

	r, err := c1z.OpenReader(t.Context(), file, c1z.ReaderOptions{TempDir: dir, RequireFinished: true})
	require.NoError(t, err)
	defer r.Close()
	st, err := r.Stats(t.Context())
	require.NoError(t, err)
	require.Positive(t, st.GrantsByType["space"])
	require.Positive(t, st.GrantsByType["group"])
}

func TestDemoNeedsNoCredentialsAndRefusesExtraArgs(t *testing.T) {
	t.Parallel()
	code, _, errOut := execute(t, nil, "demo", "extra")
	require.NotEqual(t, 0, code)
	require.Contains(t, errOut, "unknown command")
}
