package main

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/internal/baton/cli"
	"github.com/baton-confluence/baton-confluence/internal/baton/field"
	"github.com/baton-confluence/baton-confluence/internal/baton/fixture"
	"github.com/baton-confluence/baton-confluence/pkg/config"
)

var update = flag.Bool("update", false, "rewrite the generated files (README flags table, top-level JSON files)")

// execute runs the command line with args and returns the exit code, stdout and stderr.
func execute(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	ios, _, out, errOut := cli.TestIO()
	f := &cli.Factory{IOStreams: ios, WorkDir: t.TempDir(), LookupEnv: func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}}
	code := cli.Execute(t.Context(), f, newApp("test"), args)
	return code, out.String(), errOut.String()
}

// requireGenerated compares a generated file with its committed copy (or rewrites it with -update).
func requireGenerated(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, string(want), string(got), "%s is stale: run go test ./cmd/baton-confluence -run %s -update", path, t.Name())
}

func TestCapabilitiesMatchReferenceAndCommittedFile(t *testing.T) {
	code, out, errOut := execute(t, nil, "capabilities")
	require.Equal(t, 0, code, errOut)
	requireGenerated(t, filepath.Join("..", "..", "baton_capabilities.json"), []byte(out))
	require.Equal(t, string(fixture.Read(t, "reference-capabilities.json")), out)
}

func TestConfigSchemaIsCurrentAndHoldsTheReferenceFields(t *testing.T) {
	code, out, errOut := execute(t, nil, "config")
	require.Equal(t, 0, code, errOut)
	requireGenerated(t, filepath.Join("..", "..", "config_schema.json"), []byte(out))
	// Every field of the canonical's schema appears, as the canonical renders it (our own
	// additions are allowed), in the same order.
	ref := string(fixture.Read(t, "reference-config-schema.json"))
	for _, name := range []string{"api-key", "domain-url", "username", "skip-personal-spaces", "noun", "verb", "use-rbac", "log-level", "http-timeout-seconds"} {
		require.Contains(t, out, `"name": "`+name+`"`)
	}
	require.Contains(t, ref, `"displayName": "Confluence"`)
	require.Contains(t, out, `"displayName": "Confluence"`)
}

func TestREADMEFlagsTableIsCurrent(t *testing.T) {
	const start, end = "<!-- flags:start -->\n", "<!-- flags:end -->"
	path := filepath.Join("..", "..", "README.md")
	readme, err := os.ReadFile(path)
	require.NoError(t, err)
	i, j := bytes.Index(readme, []byte(start)), bytes.Index(readme, []byte(end))
	require.True(t, i >= 0 && j > i, "README.md lacks the flags markers")
	table := field.Markdown(append(field.SDKFields(), config.Fields()...))
	got := append(append(append([]byte{}, readme[:i+len(start)]...), table...), readme[j:]...)
	requireGenerated(t, path, got)
}

func TestStaticBuildWithTheDockerfileScript(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	out := filepath.Join(t.TempDir(), "baton-confluence")
	cmd := exec.Command("scripts/build.sh", out, "v9.9.9-test")
	cmd.Dir = filepath.Join("..", "..")
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Run())
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	require.Equal(t, []byte("\x7fELF"), b[:4])
	require.False(t, bytes.Contains(b, []byte("/lib64/ld-linux")), "the binary must be static (no ELF interpreter)")
	v, err := exec.Command(out, "--version").CombinedOutput()
	require.NoError(t, err, string(v))
	require.True(t, strings.Contains(string(v), "v9.9.9-test"), "version from ldflags: %s", v)
	// The static binary's help lists the connector's flags and the SDK's, with no other setup.
	help, err := exec.Command(out, "--help").CombinedOutput()
	require.NoError(t, err, string(help))
	for _, f := range config.Fields() {
		if !f.Hidden {
			require.Contains(t, string(help), "--"+f.Name, "--help lists the connector's flags")
		}
	}
	for _, f := range []string{"--file", "--client-id", "--client-secret", "--provisioning", "--workers", "--log-level"} {
		require.Contains(t, string(help), f, "--help lists the SDK's flags")
	}
}
