package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/require"
)

// FuzzConfigFile feeds arbitrary YAML to the config file (./.baton.yaml) next to secret values
// for the secret fields: resolving never panics, and neither an error nor the rendered
// configuration ever contains a secret.
func FuzzConfigFile(f *testing.F) {
	for _, s := range []string{
		"domain-url: https://x.atlassian.net\nusername: me@example.com\n",
		"noun: [page, space]\npage-size: 300\n",
		"page-size: hunter2hunter2\n",
		"poll: forever\nskip-personal-spaces: maybe\n",
		"api-key: [1, 2]\n",
		"client-secret: {a: b}\n",
		"unknown-key: 1\n\t- bad indent",
		"- a list at the top\n",
		"noun: page\nnoun: space\n",
		"log-level: &a debug\nlog-format: *a\n",
	} {
		f.Add(s, "S3cr3tValue9")
	}
	app := testApp()
	f.Fuzz(func(t *testing.T, body, secret string) {
		if len(secret) < 8 || strings.Contains(body, secret) ||
			strings.IndexFunc(secret, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) >= 0 {
			return // only plain tokens the body does not repeat: others may occur in any message
		}
		dir := t.TempDir()
		yaml := "api-key: " + secret + "\nclient-secret: " + secret + "\n" + body
		require.NoError(t, os.WriteFile(filepath.Join(dir, ".baton.yaml"), []byte(yaml), 0o600))
		ios, _, _, _ := TestIO()
		fac := &Factory{IOStreams: ios, LookupEnv: func(string) (string, bool) { return "", false }, WorkDir: dir}
		cfg, err := Load(fac, app, nil)
		if err != nil {
			require.NotContains(t, err.Error(), secret, "an error quotes a secret")
			return
		}
		require.NotContains(t, cfg.String(), secret, "the rendered configuration shows a secret")
		for _, w := range cfg.warnings {
			require.NotContains(t, w, secret, "a warning quotes a secret")
		}
	})
}
