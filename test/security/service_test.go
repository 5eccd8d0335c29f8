package security_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/internal/baton/service/c1fake"
	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"
	"github.com/baton-confluence/baton-confluence/test/faults"
)

// clientSecrets are the forms of a ConductorOne client secret: the whole value, its JWK
// payload, and the private key inside.
func clientSecrets(t *testing.T, clientSecret string) []secret {
	t.Helper()
	payload := clientSecret[strings.LastIndex(clientSecret, ":")+1:]
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	require.NoError(t, err)
	var jwk map[string]string
	require.NoError(t, json.Unmarshal(raw, &jwk))
	require.NotEmpty(t, jwk["d"])
	return []secret{{name: "client secret", forms: []string{clientSecret, payload, jwk["d"]}}}
}

// bearerSecrets are the access tokens the fake issues ("fake-access-token-N").
func bearerSecrets() []secret {
	return []secret{{name: "bearer token", forms: []string{"fake-access-token-"}}}
}

// TestServiceModeSecrets runs service mode against the fake ConductorOne control plane at
// debug level: a full sync task that succeeds (token exchange, Hello, heartbeats, upload), and a
// run whose token requests are all refused. Neither the client secret, the private key inside
// it, the bearer tokens nor the API token appear in anything written (stdout, stderr, the
// --log-path file, the temp dir, the uploaded c1z decompressed).
func TestServiceModeSecrets(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		failToken bool
	}{{name: "sync task succeeds"}, {name: "token requests refused", failToken: true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			uploads := t.TempDir()
			fake, err := c1fake.New(c1fake.Options{NextPoll: 50 * time.Millisecond, IdleNextPoll: 100 * time.Millisecond,
				OutDir: uploads, FailToken: tc.failToken})
			require.NoError(t, err)
			t.Cleanup(func() { _ = fake.Close() })
			fake.Enqueue(c1fake.SyncTask())

			token := newToken(t)
			sim := startSim(t, func(c *confluencetest.Config) { c.APIToken = token }, faults.SimOptions{})
			tmp, logs := t.TempDir(), t.TempDir()
			env := append(fake.Env(), "BATON_API_KEY="+token, "BATON_DOMAIN_URL="+sim.URL(),
				"BATON_USERNAME="+sim.Config().Username, "BATON_C1Z_TEMP_DIR="+tmp)
			p, err := faults.Exec{Bin: binPath, Env: env,
				Args: []string{"--log-level", "debug", "--log-path", filepath.Join(logs, "run.log"), "--shutdown-grace", "5s"}}.Start(t.Context())
			require.NoError(t, err)

			var res faults.Result
			if tc.failToken {
				select {
				case <-p.Done():
				case <-time.After(2 * time.Minute):
					require.Fail(t, "service mode kept running although every token request is refused")
				}
				res = p.Wait()
				require.NotZero(t, res.Code)
				require.Contains(t, lower(res.Message()), "client", "the message names the client credentials")
			} else {
				ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
				defer cancel()
				require.NoError(t, fake.WaitIdle(ctx), "the sync task finished; stderr:\n%s", tail(p.Stderr(), 3000))
				require.NoError(t, p.Signal(syscall.SIGTERM))
				res = p.Wait()
				sum := fake.Summary()
				require.Len(t, sum.Tasks, 1)
				require.Equal(t, "success", sum.Tasks[0].Result, sum.Tasks[0].Message)
				require.NotEmpty(t, sum.Uploads)
				require.Positive(t, sum.TokensIssued)
			}
			secrets := append(append(clientSecrets(t, fake.Credentials().ClientSecret), bearerSecrets()...),
				apiSecrets(sim.Config().Username, token)...)
			requireCleanResult(t, "service mode", res, secrets)
			requireCleanTree(t, logs, secrets)
			requireCleanTree(t, tmp, secrets)
			requireCleanTree(t, uploads, secrets)
		})
	}
}
