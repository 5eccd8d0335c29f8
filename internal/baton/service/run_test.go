package service

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
	batonv1 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connectorapi/baton/v1"
	"github.com/baton-confluence/baton-confluence/internal/baton/service/c1fake"
)

func TestHelloContents(t *testing.T) {
	t.Parallel()
	h := newHarness(t, c1fake.Options{ClientName: "myconn"})
	h.start()
	h.waitFor(func(s c1fake.Summary) bool { return len(s.Hellos) > 0 })
	require.NoError(t, h.stop())

	sum := h.fake.Summary()
	require.Empty(t, sum.Violations)
	hello := sum.Hellos[0]
	require.Equal(t, "test-host", hello.HostID, "BATON_HOST_ID wins")
	require.Empty(t, hello.TaskID)
	require.Equal(t, "Bearer fake-access-token-1", hello.Authorization)
	require.Regexp(t, `^myconn baton-sdk/v0\.24\.6 grpc-go/\S+$`, hello.UserAgent)

	req := hello.Request
	require.Equal(t, runtime.Version(), req.GetBuildInfo().GetLangVersion())
	require.NotEmpty(t, req.GetBuildInfo().GetPackage())
	require.Equal(t, "v1.2.3", req.GetBuildInfo().GetPackageVersion())
	oi := req.GetOsInfo()
	require.Equal(t, "test-machine", oi.GetHostname())
	require.Equal(t, runtime.GOOS, oi.GetOs())
	for _, v := range []string{oi.GetPlatform(), oi.GetPlatformFamily(), oi.GetPlatformVersion(), oi.GetKernelVersion(), oi.GetKernelArch(), oi.GetVirtualizationSystem()} {
		require.NotEmpty(t, v)
	}
	md := req.GetConnectorMetadata()
	require.Equal(t, "Fake", md.GetDisplayName())
	caps := md.GetCapabilities()
	require.Len(t, caps.GetResourceTypeCapabilities(), 1)
	require.Equal(t, "group", caps.GetResourceTypeCapabilities()[0].GetResourceType().GetId())
	require.Equal(t, []v2.Capability{v2.Capability_CAPABILITY_SYNC, v2.Capability_CAPABILITY_PROVISION},
		caps.GetResourceTypeCapabilities()[0].GetCapabilities())
	require.Equal(t, []v2.Capability{v2.Capability_CAPABILITY_PROVISION, v2.Capability_CAPABILITY_SYNC}, caps.GetConnectorCapabilities())

	tok := sum.Tokens[0]
	require.Equal(t, 200, tok.Status, tok.Error)
	require.Equal(t, "baton-c1-credential-provider baton-sdk/v0.24.6", tok.UserAgent)
	require.Equal(t, "HTTP/2.0", tok.Proto)
	require.Equal(t, "fake-tenant.conductor.one", tok.Claims["aud"], "aud comes from the client id, not BATON_C1_API_HOST")
}

func TestHostIDFallbacks(t *testing.T) {
	t.Parallel()
	h := hooks{getenv: func(string) string { return "" }, hostname: func() (string, error) { return "box", nil }}
	require.Equal(t, "box", hostID(h))
	h.hostname = func() (string, error) { return "", nil }
	require.Equal(t, "baton-sdk", hostID(h))
	h.getenv = func(string) string { return strings.Repeat("h", 300) }
	require.Len(t, hostID(h), 256)
}

func TestPollHonoursNextPoll(t *testing.T) {
	t.Parallel()
	h := newHarness(t, c1fake.Options{NextPoll: 700 * time.Millisecond, IdleNextPoll: 2 * time.Second})
	h.fake.Enqueue(c1fake.HelloTask())
	h.start()
	h.waitIdle()
	h.waitFor(func(s c1fake.Summary) bool { return s.GetTaskCalls >= 3 })
	require.NoError(t, h.stop())
	seen := h.sleep.durations()
	// The loop starts without waiting, then waits next_poll from the answer that carried the
	// task, then the idle next_poll.
	require.Equal(t, time.Duration(0), seen[0])
	i := slices.Index(seen, 700*time.Millisecond)
	require.GreaterOrEqual(t, i, 1, "next_poll after a task: %v", seen)
	require.Contains(t, seen[i+1:], 2*time.Second, "idle next_poll: %v", seen)
}

func TestNextPollDelay(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   time.Duration
		nil  bool
		want time.Duration
	}{
		{nil: true, want: pollFloor},
		{in: 0, want: pollFloor},
		{in: -time.Second, want: pollFloor},
		{in: 2 * time.Second, want: 2 * time.Second},
		{in: 10 * time.Minute, want: 5 * time.Minute},
	}
	for _, tt := range tests {
		var d = durationOrNil(tt.in, tt.nil)
		require.Equal(t, tt.want, nextPollDelay(d), "%v", tt)
	}
	require.Equal(t, []time.Duration{time.Second, 4 * time.Second, 9 * time.Second, 49 * time.Second, 60 * time.Second, 60 * time.Second},
		[]time.Duration{pollBackoff(1), pollBackoff(2), pollBackoff(3), pollBackoff(7), pollBackoff(8), pollBackoff(1000)})
}

func TestTaskTypes(t *testing.T) {
	t.Parallel()
	grant, err := c1fake.GrantTask("group:g-1:member user acc-1")
	require.NoError(t, err)
	revoke, err := c1fake.RevokeTask("group:g-1:member:user:acc-1")
	require.NoError(t, err)
	rateLimit := annotations.New(&v2.RateLimitDescription{Limit: 10, Remaining: 9})
	tests := []struct {
		name         string
		task         *batonv1.Task
		conn         *fakeConnector
		provisioning bool
		check        func(t *testing.T, tr c1fake.TaskRecord)
	}{
		{name: "grant", task: grant, provisioning: true, conn: &fakeConnector{grantAnns: rateLimit}, check: func(t *testing.T, tr c1fake.TaskRecord) {
			requireSuccess(t, tr, "type.googleapis.com/c1.connector.v2.GrantManagerServiceGrantResponse")
			resp := &v2.GrantManagerServiceGrantResponse{}
			require.NoError(t, tr.Finish.GetSuccess().GetResponse().UnmarshalTo(resp))
			require.Len(t, resp.GetGrants(), 1)
			require.Equal(t, "group:g-1:member:user:acc-1", resp.GetGrants()[0].GetId())
			requireAnnotationsEqual(t, rateLimit, resp.GetAnnotations())
			requireAnnotationsEqual(t, rateLimit, tr.Finish.GetSuccess().GetAnnotations())
		}},
		{name: "revoke", task: revoke, provisioning: true, check: func(t *testing.T, tr c1fake.TaskRecord) {
			requireSuccess(t, tr, "type.googleapis.com/c1.connector.v2.GrantManagerServiceRevokeResponse")
			resp := &v2.GrantManagerServiceRevokeResponse{}
			require.NoError(t, tr.Finish.GetSuccess().GetResponse().UnmarshalTo(resp))
			require.True(t, annotations.Annotations(resp.GetAnnotations()).Contains(&v2.GrantAlreadyRevoked{}))
			require.Len(t, tr.Finish.GetSuccess().GetAnnotations(), 1)
		}},
		{name: "grant without provisioning", task: grant, check: func(t *testing.T, tr c1fake.TaskRecord) {
			requireError(t, tr, codes.FailedPrecondition, "provisioning is not enabled\ntask failed and is non-retryable", true)
		}},
		{name: "revoke without provisioning", task: revoke, check: func(t *testing.T, tr c1fake.TaskRecord) {
			requireError(t, tr, codes.FailedPrecondition, "provisioning is not enabled", true)
		}},
		{name: "grant connector status error", task: grant, provisioning: true,
			conn: &fakeConnector{grantErr: fmt.Errorf("add member: %w", status.Error(codes.PermissionDenied, "nope"))},
			check: func(t *testing.T, tr c1fake.TaskRecord) {
				requireError(t, tr, codes.PermissionDenied, "add member: rpc error: code = PermissionDenied desc = nope", true)
			}},
		{name: "revoke connector plain error", task: revoke, provisioning: true, conn: &fakeConnector{revokeErr: errBoom},
			check: func(t *testing.T, tr c1fake.TaskRecord) { requireError(t, tr, codes.Unknown, "boom", true) }},
		{name: "malformed grant", task: &batonv1.Task{TaskType: &batonv1.Task_Grant{Grant: &batonv1.Task_GrantTask{}}}, provisioning: true,
			check: func(t *testing.T, tr c1fake.TaskRecord) {
				requireError(t, tr, codes.Unknown, "malformed grant task", true)
			}},
		{name: "unsupported event feed", task: &batonv1.Task{TaskType: &batonv1.Task_EventFeed{EventFeed: &batonv1.Task_EventFeedTask{}}},
			check: func(t *testing.T, tr c1fake.TaskRecord) {
				requireError(t, tr, codes.Unknown, "unsupported task type", true)
			}},
		{name: "unset task type", task: &batonv1.Task{Id: "2KQTbX8AvYcqyXxcuqNvWcbyZ7M"},
			check: func(t *testing.T, tr c1fake.TaskRecord) {
				requireError(t, tr, codes.Unknown, "unsupported task type", true)
			}},
		{name: "hello", task: c1fake.HelloTask(), check: func(t *testing.T, tr c1fake.TaskRecord) {
			require.Equal(t, "hello", tr.Result)
			require.Zero(t, tr.FinishCalls, "hello tasks get no FinishTask")
		}},
		{name: "sync", task: c1fake.SyncTask(), check: func(t *testing.T, tr c1fake.TaskRecord) {
			requireSuccess(t, tr, "")
			require.GreaterOrEqual(t, tr.Heartbeats, 1)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, c1fake.Options{})
			h.cfg.Provisioning = tt.provisioning
			if tt.conn != nil {
				h.deps.Connector = tt.conn
			}
			h.sleep.block = func(d time.Duration) bool { return d == defaultHeartbeat }
			id := h.fake.Enqueue(tt.task)
			h.start()
			h.waitIdle()
			require.NoError(t, h.stop())
			tt.check(t, h.task(id))
			require.Empty(t, h.fake.Summary().Violations)
			requireNoTempFiles(t, h.cfg.TempDir)
		})
	}
}

func requireSuccess(t *testing.T, tr c1fake.TaskRecord, responseType string) {
	t.Helper()
	require.Equal(t, "success", tr.Result, "%+v", tr)
	require.Equal(t, responseType, tr.ResponseType)
	require.Nil(t, tr.Finish.GetStatus())
	require.Equal(t, 1, tr.FinishCalls)
}

func requireError(t *testing.T, tr c1fake.TaskRecord, code codes.Code, msg string, nonRetryable bool) {
	t.Helper()
	require.Equal(t, "error", tr.Result, "%+v", tr)
	require.Equal(t, int32(code), tr.Code, tr.Message)
	require.True(t, strings.HasPrefix(tr.Message, msg), "message %q, want prefix %q", tr.Message, msg)
	require.Equal(t, nonRetryable, tr.NonRetryable)
	if nonRetryable {
		require.True(t, strings.HasSuffix(tr.Message, "\ntask failed and is non-retryable"), tr.Message)
	}
	require.Equal(t, 1, tr.FinishCalls)
}

func requireAnnotationsEqual(t *testing.T, want, got []*anypb.Any) {
	t.Helper()
	require.Len(t, got, len(want))
	for i := range want {
		require.True(t, proto.Equal(want[i], got[i]), "annotation %d", i)
	}
}

func TestConcurrencyLimitsClaims(t *testing.T) {
	t.Parallel()
	h := newHarness(t, c1fake.Options{})
	h.cfg.TaskConcurrency = 2
	h.sleep.block = func(d time.Duration) bool { return d == defaultHeartbeat }
	release := make(chan struct{})
	h.deps.Sync = writingSync(10, func(ctx context.Context) error {
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	for range 3 {
		h.fake.Enqueue(c1fake.SyncTask())
	}
	h.start()
	h.waitFor(func(s c1fake.Summary) bool { return s.Tasks[0].Heartbeats > 0 && s.Tasks[1].Heartbeats > 0 })
	calls := h.fake.Summary().GetTaskCalls
	require.False(t, h.fake.Summary().Tasks[2].Dispatched, "third task claimed while both slots were busy")
	require.Equal(t, 2, calls, "no polling while every slot is busy")
	close(release)
	h.waitIdle()
	require.NoError(t, h.stop())
	for _, tr := range h.fake.Summary().Tasks {
		requireSuccess(t, tr, "")
	}
}
