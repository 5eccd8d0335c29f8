package security_test

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"
	"github.com/baton-confluence/baton-confluence/test/faults"
)

// secret is a recognisable value that must never be written anywhere, and the forms it could
// leak in.
type secret struct {
	name  string
	forms []string
}

// newToken returns a recognisable, unique API token.
func newToken(t *testing.T) string {
	t.Helper()
	b := make([]byte, 12)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return "ATATT3xLEAKCANARY-" + hex.EncodeToString(b)
}

// apiSecrets are the forms of an API token: the token, its middle (a partial leak), the Basic
// credentials and the whole header value.
func apiSecrets(username, token string) []secret {
	basic := base64.StdEncoding.EncodeToString([]byte(username + ":" + token))
	return []secret{
		{name: "API token", forms: []string{token, token[6 : len(token)-6], base64.StdEncoding.EncodeToString([]byte(token))}},
		{name: "Basic auth header", forms: []string{basic, "Basic " + basic}},
	}
}

// requireClean fails if any form of any secret is in data.
func requireClean(t *testing.T, where string, data []byte, secrets []secret) {
	t.Helper()
	for _, s := range secrets {
		for _, f := range s.forms {
			if i := bytes.Index(data, []byte(f)); i >= 0 {
				lo, hi := max(i-120, 0), min(i+len(f)+60, len(data))
				t.Errorf("%s leaked into %s: ...%q...", s.name, where, data[lo:hi])
			}
		}
	}
}

// requireCleanTree scans every file under dir; c1z files are scanned decompressed as well.
func requireCleanTree(t *testing.T, dir string, secrets []secret) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		requireClean(t, p, b, secrets)
		if bytes.HasPrefix(b, []byte("C1ZF\x00")) {
			requireClean(t, p+" (decompressed)", decompress(t, b[5:]), secrets)
		}
		return nil
	})
	require.NoError(t, err)
}

// requireCleanResult scans what a run printed.
func requireCleanResult(t *testing.T, what string, res faults.Result, secrets []secret) {
	t.Helper()
	requireClean(t, what+" stdout", []byte(res.Stdout), secrets)
	requireClean(t, what+" stderr", []byte(res.Stderr), secrets)
}

func decompress(t *testing.T, frame []byte) []byte {
	t.Helper()
	d, err := zstd.NewReader(bufio.NewReader(bytes.NewReader(frame)), zstd.WithDecoderMaxWindow(1<<30))
	require.NoError(t, err)
	defer d.Close()
	out, err := io.ReadAll(d)
	require.NoError(t, err)
	return out
}

// startSim starts a simulated tenant (Small, with cfg's changes) for the test.
func startSim(t *testing.T, change func(*confluencetest.Config), opts faults.SimOptions) *faults.Sim {
	t.Helper()
	cfg := confluencetest.Small()
	if change != nil {
		change(&cfg)
	}
	sim, err := faults.StartSim(cfg, opts)
	require.NoError(t, err)
	t.Cleanup(sim.Close)
	return sim
}

// run runs the binary with args and extra environment, and waits.
func run(t *testing.T, env []string, args ...string) faults.Result {
	t.Helper()
	res, err := faults.Exec{Bin: binPath, Args: args, Env: env}.Run(t.Context())
	require.NoError(t, err)
	require.NotContains(t, res.Stderr, "panic:", "the run panicked")
	return res
}

// syncArgs are the flags of a sync of sim into out with temp dir tmp (credentials not included).
func syncArgs(sim *faults.Sim, domainURL, out, tmp string) []string {
	if domainURL == "" {
		domainURL = sim.URL()
	}
	return []string{"--domain-url", domainURL, "--username", sim.Config().Username, "--file", out, "--c1z-temp-dir", tmp}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}

// lower is strings.ToLower, for case-insensitive message checks.
func lower(s string) string { return strings.ToLower(s) }
