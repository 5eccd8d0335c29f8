package security_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"
	"github.com/baton-confluence/baton-confluence/test/faults"
)

// echoCredentials wraps the simulator so that every answer carries the request's Authorization
// header back (a header a debug log might print), and the routes in fail answer with an error
// whose body quotes the header and the decoded credentials (a body an error message or a retry
// log line might quote): every time, or only the first `first` times.
func echoCredentials(fail map[string]int, first int) func(http.Handler) http.Handler {
	var mu sync.Mutex
	seen := map[string]int{}
	failing := func(route string) (int, bool) {
		code, ok := fail[route]
		if !ok {
			return 0, false
		}
		mu.Lock()
		defer mu.Unlock()
		seen[route]++
		return code, first == 0 || seen[route] <= first
	}
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			auth := r.Header.Get("Authorization")
			w.Header().Set("X-Echo-Authorization", auth)
			w.Header().Add("Www-Authenticate", `Basic realm="`+auth+`"`)
			if code, ok := failing(r.Method + " " + r.URL.Path); ok {
				user, pass, _ := r.BasicAuth()
				body, _ := json.Marshal(map[string]any{
					"statusCode": code,
					"message":    "Rejected request with Authorization: " + auth + " for " + user + " using token " + pass,
					"data":       map[string]any{"authorized": false, "errors": []string{"token " + pass + " is not allowed"}},
				})
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(code)
				_, _ = w.Write(body)
				return
			}
			h.ServeHTTP(w, r)
		})
	}
}

// TestSecretsNeverWritten runs syncs at debug level with a recognisable API token and checks
// every byte they write: stdout, stderr, the --log-path file, the output dir (the c1z
// decompressed), the temp dir and the OS temp dir (TMPDIR), for a successful sync and for
// failing ones, including a server that echoes the credentials back in headers and error
// bodies.
func TestSecretsNeverWritten(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		simToken func(token string) string // the token the simulator accepts
		faults   confluencetest.Faults
		fail     map[string]int
		// failFirst limits the failures to the first answers of each failing route (0: all).
		failFirst int
		wantExit  bool // the run must succeed
	}{
		{name: "successful sync with credentials echoed in every answer", wantExit: true},
		{name: "wrong token (401 at once)", simToken: func(string) string { return "another-token" }},
		{name: "token revoked mid-sync", faults: confluencetest.Faults{RevokeAfter: 6}},
		{name: "credentials quoted in a 400 body", fail: map[string]int{"GET /wiki/rest/api/group": http.StatusBadRequest}},
		{name: "credentials quoted in 500 bodies that are retried", fail: map[string]int{"GET /wiki/api/v2/spaces": http.StatusInternalServerError},
			failFirst: 3, wantExit: true},
		{name: "credentials quoted in a 403 body of the credential check",
			fail: map[string]int{"GET /wiki/rest/api/user/current": http.StatusForbidden}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			token := newToken(t)
			simToken := token
			if tc.simToken != nil {
				simToken = tc.simToken(token)
			}
			sim := startSim(t, func(c *confluencetest.Config) { c.APIToken, c.Faults = simToken, tc.faults },
				faults.SimOptions{Wrap: echoCredentials(tc.fail, tc.failFirst)})
			out, tmp, osTmp, logs := t.TempDir(), t.TempDir(), t.TempDir(), t.TempDir()
			args := append(syncArgs(sim, "", filepath.Join(out, "sync.c1z"), tmp),
				"--log-level", "debug", "--log-path", filepath.Join(logs, "run.log"))
			res := run(t, []string{"BATON_API_KEY=" + token, "TMPDIR=" + osTmp}, args...)
			if tc.wantExit {
				require.Zero(t, res.Code, tail(res.Stderr, 3000))
				require.FileExists(t, filepath.Join(out, "sync.c1z"))
			} else {
				require.NotZero(t, res.Code, "the run must fail")
			}
			logged, err := os.ReadFile(filepath.Join(logs, "run.log"))
			require.NoError(t, err)
			require.Contains(t, string(logged), `"level":"debug"`, "the log file holds debug lines")
			secrets := apiSecrets(sim.Config().Username, token)
			requireCleanResult(t, "the run's", res, secrets)
			requireCleanTree(t, logs, secrets)
			requireCleanTree(t, out, secrets)
			requireCleanTree(t, tmp, secrets)
			requireCleanTree(t, osTmp, secrets)
		})
	}
}

// TestSecretsNotInCommandOutput: with every secret set in the environment (and on the command
// line), the commands that print configuration or fail validation never print them.
func TestSecretsNotInCommandOutput(t *testing.T) {
	t.Parallel()
	token := newToken(t)
	clientSecret := "secret-token:conductorone.com:v1:" + strings.Repeat("TEAKCANARYCLIENTSECRET", 3)
	env := []string{"BATON_API_KEY=" + token, "BATON_CLIENT_SECRET=" + clientSecret,
		"BATON_CLIENT_ID=conn@tenant.conductor.one/pcc", "BATON_USERNAME=admin@example.com"}
	secrets := append(apiSecrets("admin@example.com", token), secret{name: "client secret",
		forms: []string{clientSecret, strings.Repeat("TEAKCANARYCLIENTSECRET", 3)}})
	for _, args := range [][]string{
		{"config"},
		{"capabilities"},
		{"--help"},
		{"--log-level", "debug", "--domain-url", "ftp://example.com", "--noun", "bogus"},
		{"--log-level", "debug", "--api-key", token, "--client-secret", clientSecret, "--domain-url", "https://u:" + token + "@example.com"},
		{"--log-level", "debug", "--api-key", token, "--workers", "many"},
		{"--log-level", "debug", "--client-secret", "secret-token:conductorone.com:v1:not!base64" + token},
		{"inspect", "-f", filepath.Join(t.TempDir(), "missing.c1z"), "stats", "--log-level", "debug"},
	} {
		res := run(t, env, args...)
		requireCleanResult(t, strings.Join(args, " "), res, secrets)
	}
}

// TestReadmeHasNoSecrets: the README's examples and example output hold no credential-looking
// value: no Authorization header, Basic or Bearer credentials, Atlassian API token or client
// secret payload.
func TestReadmeHasNoSecrets(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	for _, re := range []*regexp.Regexp{
		regexp.MustCompile(`(?i)authorization:\s*\S+`),
		regexp.MustCompile(`Basic [A-Za-z0-9+/]{12,}={0,2}`),
		regexp.MustCompile(`Bearer [A-Za-z0-9._~+/-]{12,}`),
		regexp.MustCompile(`ATATT[A-Za-z0-9_=-]{8,}`),
		regexp.MustCompile(`secret-token:[a-z0-9.]+:v1:[A-Za-z0-9_-]{8,}`),
		regexp.MustCompile(`(?i)(--api-key|--client-secret|BATON_API_KEY|BATON_CLIENT_SECRET)[ =]+["']?[A-Za-z0-9_+/-]{12,}`),
	} {
		require.Empty(t, re.FindAllString(string(b), -1), "README.md holds something that looks like a credential")
	}
}
