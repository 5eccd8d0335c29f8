package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	"github.com/baton-confluence/baton-confluence/internal/baton/connectorbuilder"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
	"github.com/baton-confluence/baton-confluence/internal/baton/service"
	"github.com/baton-confluence/baton-confluence/internal/baton/service/c1fake"
)

// clientEnv makes the test binary act as a service-mode connector (see runClient).
const clientEnv = "C1FAKE_TEST_CLIENT"

const syncSize = 700_000

func TestMain(m *testing.M) {
	if os.Getenv(clientEnv) == "1" {
		os.Exit(runClient())
	}
	os.Exit(m.Run())
}

// runClient runs service.Run with a tiny in-process connector, as the real binary would, taking
// credentials, BATON_C1_API_HOST and SSL_CERT_FILE from the environment.
func runClient() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := service.Run(ctx, service.Config{
		ClientID:     os.Getenv("BATON_CLIENT_ID"),
		ClientSecret: os.Getenv("BATON_CLIENT_SECRET"),
		Provisioning: true,
		TempDir:      os.Getenv("BATON_C1Z_TEMP_DIR"),
	}, service.Deps{
		Connector: testConnector{},
		Sync: func(_ context.Context, out string, _ service.SyncOptions) error {
			return os.WriteFile(out, bytes.Repeat([]byte("c1z!"), syncSize/4), 0o600)
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
	}
	return service.ExitCode(err)
}

type testConnector struct{}

func (testConnector) Metadata(context.Context) (*v2.ConnectorMetadata, error) {
	return &v2.ConnectorMetadata{DisplayName: "Test"}, nil
}

func (testConnector) Validate(context.Context) (annotations.Annotations, error) { return nil, nil }

func (testConnector) ResourceSyncers(context.Context) []connectorbuilder.ResourceSyncer {
	return []connectorbuilder.ResourceSyncer{groups{}}
}

type groups struct{}

func (groups) ResourceType(context.Context) *v2.ResourceType {
	return &v2.ResourceType{Id: "group", DisplayName: "Group", Traits: []v2.ResourceType_Trait{v2.ResourceType_TRAIT_GROUP}}
}

func (groups) List(context.Context, *v2.ResourceId, string) ([]*v2.Resource, string, annotations.Annotations, error) {
	return nil, "", nil, nil
}

func (groups) Entitlements(context.Context, *v2.Resource, string) ([]*v2.Entitlement, string, annotations.Annotations, error) {
	return nil, "", nil, nil
}

func (groups) Grants(context.Context, *v2.Resource, string) ([]*v2.Grant, string, annotations.Annotations, error) {
	return nil, "", nil, nil
}

func (groups) Grant(_ context.Context, p *v2.Resource, e *v2.Entitlement) ([]*v2.Grant, annotations.Annotations, error) {
	return []*v2.Grant{{Id: e.GetId() + ":" + p.GetId().GetResourceType() + ":" + p.GetId().GetResource(), Entitlement: e, Principal: p}}, nil, nil
}

func (groups) Revoke(context.Context, *v2.Grant) (annotations.Annotations, error) {
	return annotations.New(&v2.GrantAlreadyRevoked{}), nil
}

func TestFlagsBuildTasksInOrder(t *testing.T) {
	t.Parallel()
	grantJSON := filepath.Join(t.TempDir(), "grant.json")
	require.NoError(t, os.WriteFile(grantJSON, []byte(`{"id":"g","entitlement":{"id":"group:g:member","resource":{"id":{"resourceType":"group","resource":"g"}}},"principal":{"id":{"resourceType":"user","resource":"a:b"}}}`), 0o600))
	var got *options
	cmd := newCmdRoot(iostreams{out: io.Discard, errOut: io.Discard}, func(_ context.Context, o *options) error { got = o; return nil })
	cmd.SetArgs([]string{"--sync", "--sync", "--hello-task", "--grant", "group:g-1:member user acc-1",
		"--revoke", "group:g-1:member:user:acc-1", "--revoke-json", grantJSON,
		"--next-poll", "10ms", "--heartbeat-interval", "2s", "--cancel-after-heartbeats", "3", "--upload-fail", "1",
		"--get-task-errors", "2", "--token-expires-in", "12", "--fail-token", "--out-dir", "/tmp/x", "--timeout", "5s"})
	require.NoError(t, cmd.ExecuteContext(t.Context()))
	tasks, err := got.tasks()
	require.NoError(t, err)
	var types []string
	for _, tk := range tasks {
		types = append(types, c1fake.TaskType(tk))
	}
	require.Equal(t, []string{"hello", "sync_full", "sync_full", "grant", "revoke", "revoke"}, types)
	require.Equal(t, "a:b", tasks[5].GetRevoke().GetGrant().GetPrincipal().GetId().GetResource())
	f := got.fake
	require.Equal(t, 10*time.Millisecond, f.NextPoll)
	require.Equal(t, 2*time.Second, f.HeartbeatInterval)
	require.Equal(t, 3, f.CancelAfterHeartbeats)
	require.Equal(t, 1, f.UploadFail)
	require.Equal(t, 2, f.GetTaskErrors)
	require.Equal(t, 12, f.TokenExpiresIn)
	require.True(t, f.FailToken)
	require.Equal(t, "/tmp/x", f.OutDir)
	require.Equal(t, 5*time.Second, got.timeout)
}

func TestBadTaskSpecIsUsageError(t *testing.T) {
	t.Parallel()
	var errOut bytes.Buffer
	code := execute(t.Context(), []string{"--grant", "nonsense"}, iostreams{out: io.Discard, errOut: &errOut})
	require.Equal(t, exitUsage, code)
	require.Contains(t, errOut.String(), "grant \"nonsense\"")
}

func TestTimeoutWithUnfinishedTasks(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithCancel(t.Context())
	cancel() // stands in for SIGINT: stop at once
	code := execute(ctx, []string{"--sync"}, iostreams{out: &out, errOut: &errOut})
	require.Equal(t, exitUnfinished, code)
	var sum c1fake.Summary
	require.NoError(t, json.Unmarshal(out.Bytes(), &sum))
	require.Equal(t, 1, sum.PendingTasks)
	require.False(t, sum.AllTasksFinished)
	require.Contains(t, errOut.String(), "c1-fake ready")
}

func buildFake(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "c1-fake")
	cmd := exec.Command(goBin, "build", "-o", bin, ".")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

// readEnvFile parses KEY=value lines.
func readEnvFile(t *testing.T, path string) []string {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	st, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	return strings.Split(strings.TrimSpace(string(raw)), "\n")
}

func TestSubprocessEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs binaries")
	}
	t.Parallel()
	bin := buildFake(t)
	help, err := exec.Command(bin, "--help").CombinedOutput()
	require.NoError(t, err)
	require.Contains(t, string(help), "--cancel-after-heartbeats")

	dir := t.TempDir()
	caFile, credFile, outDir, clientTmp := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "c1.env"), filepath.Join(dir, "out"), filepath.Join(dir, "tmp")
	require.NoError(t, os.Mkdir(outDir, 0o700))
	require.NoError(t, os.Mkdir(clientTmp, 0o700))

	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	fake := exec.CommandContext(ctx, bin, "--hello-task", "--sync", "--grant", "group:g-1:member user acc-1",
		"--revoke", "group:g-1:member:user:acc-1", "--ca-file", caFile, "--credentials-file", credFile,
		"--out-dir", outDir, "--next-poll", "10ms", "--idle-poll", "50ms", "--heartbeat-interval", "1s", "--timeout", "60s")
	var stdout bytes.Buffer
	fake.Stdout = &stdout
	stderr, err := fake.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, fake.Start())
	waitForLine(t, stderr, "c1-fake ready")

	client := exec.CommandContext(ctx, os.Args[0])
	client.Env = append(os.Environ(), append(readEnvFile(t, credFile),
		clientEnv+"=1", "BATON_HOST_ID=e2e-host", "BATON_C1Z_TEMP_DIR="+clientTmp)...)
	var clientErr bytes.Buffer
	client.Stderr = &clientErr
	require.NoError(t, client.Start())

	require.NoError(t, fake.Wait(), "c1-fake: %s", stdout.String())
	require.NoError(t, client.Process.Signal(syscall.SIGTERM))
	require.NoError(t, client.Wait(), "client stderr: %s", clientErr.String())
	entries, err := os.ReadDir(clientTmp)
	require.NoError(t, err)
	require.Empty(t, entries, "client left temp files")

	var sum c1fake.Summary
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &sum), stdout.String())
	checkSummary(t, sum, outDir)

	pemBytes, err := os.ReadFile(caFile)
	require.NoError(t, err)
	block, _ := pem.Decode(pemBytes)
	require.NotNil(t, block)
	require.Equal(t, "CERTIFICATE", block.Type)
}

func checkSummary(t *testing.T, sum c1fake.Summary, outDir string) {
	t.Helper()
	require.True(t, sum.AllTasksFinished)
	require.Empty(t, sum.Violations)
	require.GreaterOrEqual(t, sum.TokensIssued, 1)
	require.GreaterOrEqual(t, len(sum.Hellos), 2, "start-up hello and the hello task")
	require.Equal(t, "e2e-host", sum.Hellos[0].HostID)
	byType := map[string]c1fake.TaskRecord{}
	for _, tr := range sum.Tasks {
		byType[tr.Type] = tr
	}
	require.Equal(t, "hello", byType["hello"].Result)
	require.Equal(t, "success", byType["sync_full"].Result)
	require.GreaterOrEqual(t, byType["sync_full"].Heartbeats, 1)
	require.Equal(t, "success", byType["grant"].Result)
	require.Equal(t, "type.googleapis.com/c1.connector.v2.GrantManagerServiceGrantResponse", byType["grant"].ResponseType)
	require.Equal(t, "success", byType["revoke"].Result)
	require.Equal(t, "type.googleapis.com/c1.connector.v2.GrantManagerServiceRevokeResponse", byType["revoke"].ResponseType)

	require.Len(t, sum.Uploads, 1)
	up := sum.Uploads[0]
	require.True(t, up.ChecksumOK)
	require.Equal(t, int64(syncSize), up.Size)
	require.Equal(t, []int{524288, syncSize - 524288}, up.Chunks)
	data, err := os.ReadFile(filepath.Join(outDir, byType["sync_full"].ID+".c1z"))
	require.NoError(t, err)
	digest := sha256.Sum256(data)
	require.Equal(t, hex.EncodeToString(digest[:]), up.SHA256)
}

// waitForLine reads r until a line equal to want, failing after 30 s; the rest of r is drained
// in the background so the process never blocks on stderr.
func waitForLine(t *testing.T, r io.Reader, want string) {
	t.Helper()
	found := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if sc.Text() == want {
				close(found)
				break
			}
		}
		_, _ = io.Copy(io.Discard, r)
	}()
	select {
	case <-found:
	case <-time.After(30 * time.Second):
		t.Fatalf("no %q line from c1-fake", want)
	}
}
