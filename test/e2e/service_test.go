package e2e

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
	"github.com/baton-confluence/baton-confluence/internal/baton/service/c1fake"
	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"
	"github.com/baton-confluence/baton-confluence/pkg/connector/connectortest"
)

// firstRequestDelay holds the sync's first Confluence request long enough for periodic
// heartbeats (every 1 s, the shortest interval a connector accepts) to flow during the sync.
const firstRequestDelay = 2500 * time.Millisecond

// TestServiceModeEndToEnd runs a full sync, a grant and a revoke through the real binaries:
// c1-fake hands out the tasks, baton-confluence works against the simulated tenant.
func TestServiceModeEndToEnd(t *testing.T) {
	needBinaries(t)
	t.Parallel()
	cfg := confluencetest.Small()
	// A generous rate limit makes the simulator send rate-limit headers, which provisioning
	// responses must report as RateLimitDescription annotations.
	cfg.Faults = confluencetest.Faults{RateLimit: 10000, Burst: 10000, Latency: time.Nanosecond, Sleep: delayFirst(firstRequestDelay)}
	sim := startSim(t, cfg)
	before, wantAfter := sim.Truth(), sim.Truth()
	want := connectortest.Expected(before, connectortest.Options{})

	groupID, accountID := outsider(t, before)
	grantEnt := connectortest.MemberEntitlementID(groupID)
	revoked := directUserSpaceGrant(t, want)
	revokeJSON := filepath.Join(t.TempDir(), "revoke.json")
	raw, err := protojson.Marshal(revoked)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(revokeJSON, raw, 0o600))
	applyGrantAndRevoke(t, wantAfter, groupID, accountID, revoked)

	// One task at a time: the grant runs only after the sync has finished, so the sync sees
	// the tenant as it was before any change.
	f := startFake(t, "--sync", "--grant", grantEnt+" user "+accountID, "--revoke-json", revokeJSON,
		"--heartbeat-interval", "1s")
	c := startConnector(t, connectorEnv(f, sim), "--task-concurrency", "1", "--log-level", "debug")
	sum := f.summary(t, taskTimeout)
	c.stop(t)
	c.requireNoTempFiles(t)
	requireNoSecrets(t, c.stdout.String()+c.stderr.String(), f, sim)

	require.Empty(t, sum.Violations)
	require.True(t, sum.AllTasksFinished)
	require.NotEmpty(t, sum.Hellos)
	require.Equal(t, "e2e-host", sum.Hellos[0].HostID)
	for _, tr := range sum.Tasks {
		require.Equal(t, 1, tr.FinishCalls, "FinishTask calls of %s", tr.Type)
		require.Equal(t, "success", tr.Result, "%s: %d %s", tr.Type, tr.Code, tr.Message)
	}

	syncTask := taskOfType(t, sum, "sync_full")
	require.GreaterOrEqual(t, syncTask.Heartbeats, 2, "the initial heartbeat and periodic ones during the sync")
	fin := finishRequest(t, syncTask)
	require.Nil(t, fin.GetStatus())
	require.Nil(t, fin.GetSuccess().GetResponse(), "a sync reports no response")
	require.Len(t, sum.Uploads, 1)
	require.True(t, sum.Uploads[0].Complete && sum.Uploads[0].ChecksumOK)
	got := readContent(t.Context(), t, filepath.Join(f.outDir, syncTask.ID+".c1z"))
	requireContent(t, want, got)

	checkGrantFinish(t, taskOfType(t, sum, "grant"), grantEnt+":user:"+accountID)
	checkRevokeFinish(t, taskOfType(t, sum, "revoke"))
	if d := cmp.Diff(wantAfter, sim.Truth()); d != "" {
		t.Fatalf("tenant after the grant and the revoke (-want +got):\n%s", d)
	}
}

// applyGrantAndRevoke changes truth the way the grant (accountID joins groupID) and the revoke
// (the user loses the space permission of g) must change the tenant.
func applyGrantAndRevoke(t *testing.T, truth *confluencetest.Truth, groupID, accountID string, g *v2.Grant) {
	t.Helper()
	i := slices.IndexFunc(truth.Groups, func(x confluencetest.Group) bool { return x.ID == groupID })
	truth.Groups[i].Members = append(truth.Groups[i].Members, accountID)

	spaceID := g.GetEntitlement().GetResource().GetId().GetResource()
	slug := g.GetEntitlement().GetId()[strings.LastIndex(g.GetEntitlement().GetId(), ":")+1:]
	verb, noun, ok := strings.Cut(slug, "-")
	require.True(t, ok, "permission slug %q", slug)
	user := g.GetPrincipal().GetId().GetResource()
	s := slices.IndexFunc(truth.Spaces, func(x confluencetest.Space) bool { return x.ID == spaceID })
	perms := truth.Spaces[s].Permissions
	n := len(perms)
	truth.Spaces[s].Permissions = slices.DeleteFunc(perms, func(p confluencetest.SpacePermission) bool {
		return p.PrincipalType == "user" && p.PrincipalID == user && p.Key == verb && p.Target == noun
	})
	require.Equal(t, n-1, len(truth.Spaces[s].Permissions), "the revoked grant is one permission entry")
}

// checkGrantFinish checks a successful grant report: the created grant in a
// GrantManagerServiceGrantResponse, and the rate-limit annotation both in the response and in
// the success message.
func checkGrantFinish(t *testing.T, tr c1fake.TaskRecord, wantGrantID string) {
	t.Helper()
	fin := finishRequest(t, tr)
	require.Nil(t, fin.GetStatus())
	resp := unpack(t, fin.GetSuccess().GetResponse(), &v2.GrantManagerServiceGrantResponse{})
	require.Len(t, resp.GetGrants(), 1)
	require.Equal(t, wantGrantID, resp.GetGrants()[0].GetId())
	requireRateLimit(t, fin.GetSuccess().GetAnnotations(), resp.GetAnnotations())
	require.False(t, annotations.Annotations(resp.GetAnnotations()).Contains(&v2.GrantAlreadyExists{}), "the user was not a member")
}

// checkRevokeFinish checks a successful revoke report.
func checkRevokeFinish(t *testing.T, tr c1fake.TaskRecord) {
	t.Helper()
	fin := finishRequest(t, tr)
	require.Nil(t, fin.GetStatus())
	resp := unpack(t, fin.GetSuccess().GetResponse(), &v2.GrantManagerServiceRevokeResponse{})
	requireRateLimit(t, fin.GetSuccess().GetAnnotations(), resp.GetAnnotations())
	require.False(t, annotations.Annotations(resp.GetAnnotations()).Contains(&v2.GrantAlreadyRevoked{}), "the grant existed")
}

// requireRateLimit checks that the success annotations are the response's and carry a
// RateLimitDescription with the simulator's limit.
func requireRateLimit(t *testing.T, success, response annotations.Annotations) {
	t.Helper()
	require.Len(t, success, len(response))
	for i := range success {
		require.True(t, proto.Equal(success[i], response[i]), "success annotations equal the response's")
	}
	var rl v2.RateLimitDescription
	ok, err := success.Pick(&rl)
	require.NoError(t, err)
	require.True(t, ok, "no RateLimitDescription in %v", success)
	require.Equal(t, v2.RateLimitDescription_STATUS_OK, rl.GetStatus())
	require.EqualValues(t, 10000, rl.GetLimit())
	require.Positive(t, rl.GetRemaining())
}

// requireNoSecrets fails when a log holds a credential: the client secret (or its key), the
// Confluence API token (or the Basic credentials carrying it) or a ConductorOne access token.
func requireNoSecrets(t *testing.T, log string, f *fakeC1, sim *confluencetest.Server) {
	t.Helper()
	require.NotEmpty(t, log)
	secret := f.envValue(t, "BATON_CLIENT_SECRET")
	token := sim.Config().APIToken
	for what, s := range map[string]string{
		"client secret":     secret,
		"client secret key": secret[strings.LastIndex(secret, ":")+1:],
		"API token":         token,
		"Basic credentials": base64.StdEncoding.EncodeToString([]byte(sim.Config().Username + ":" + token)),
		"access token":      "fake-access-token-",
	} {
		require.NotContains(t, log, s, "%s in the connector's output", what)
	}
}
