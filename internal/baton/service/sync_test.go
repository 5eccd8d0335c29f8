package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"

	batonv1 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connectorapi/baton/v1"
	"github.com/baton-confluence/baton-confluence/internal/baton/service/c1fake"
)

// heartbeatsOf reads the number of heartbeats the fake saw for task id.
func heartbeatsOf(s c1fake.Summary, id string) int {
	for _, tr := range s.Tasks {
		if tr.ID == id {
			return tr.Heartbeats
		}
	}
	return 0
}

func TestHeartbeatsDuringSync(t *testing.T) {
	t.Parallel()
	h := newHarness(t, c1fake.Options{HeartbeatInterval: 1500 * time.Millisecond})
	var id string
	h.deps.Sync = writingSync(100, func(ctx context.Context) error {
		return h.fake.WaitFor(ctx, func(s c1fake.Summary) bool { return heartbeatsOf(s, id) >= 4 })
	})
	id = h.fake.Enqueue(c1fake.SyncTask())
	h.start()
	h.waitIdle()
	require.NoError(t, h.stop())
	tr := h.task(id)
	requireSuccess(t, tr, "")
	require.GreaterOrEqual(t, tr.Heartbeats, 4)
	require.Contains(t, h.sleep.durations(), 1500*time.Millisecond, "periodic heartbeats follow next_heartbeat")
}

func TestHeartbeatInterval(t *testing.T) {
	t.Parallel()
	tests := []struct {
		resp *batonv1.BatonServiceHeartbeatResponse
		want time.Duration
	}{
		{resp: nil, want: 30 * time.Second},
		{resp: &batonv1.BatonServiceHeartbeatResponse{}, want: 30 * time.Second},
		{resp: &batonv1.BatonServiceHeartbeatResponse{NextHeartbeat: durationOrNil(0, false)}, want: 30 * time.Second},
		{resp: &batonv1.BatonServiceHeartbeatResponse{NextHeartbeat: durationOrNil(100*time.Millisecond, false)}, want: time.Second},
		{resp: &batonv1.BatonServiceHeartbeatResponse{NextHeartbeat: durationOrNil(2*time.Second, false)}, want: 2 * time.Second},
		{resp: &batonv1.BatonServiceHeartbeatResponse{NextHeartbeat: durationOrNil(time.Hour, false)}, want: 5 * time.Minute},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, heartbeatInterval(tt.resp))
	}
}

func TestCancelledHeartbeatStopsSync(t *testing.T) {
	t.Parallel()
	h := newHarness(t, c1fake.Options{HeartbeatInterval: time.Second, CancelAfterHeartbeats: 3})
	h.deps.Sync = writingSync(100, func(ctx context.Context) error {
		<-ctx.Done() // a long sync: only cancellation ends it
		return ctx.Err()
	})
	id := h.fake.Enqueue(c1fake.SyncTask())
	h.start()
	h.waitIdle()
	require.NoError(t, h.stop())
	tr := h.task(id)
	requireError(t, tr, codes.Canceled, "sync: context canceled (task cancelled by ConductorOne)", false)
	require.Equal(t, 3, tr.Heartbeats, "initial + 1 periodic + the one answered cancelled; none after")
	require.Empty(t, h.fake.Summary().Uploads)
	requireNoTempFiles(t, h.cfg.TempDir)
}

func TestInitialHeartbeatCancelledDropsTask(t *testing.T) {
	t.Parallel()
	h := newHarness(t, c1fake.Options{CancelAfterHeartbeats: 1})
	h.sleep.block = func(d time.Duration) bool { return d == defaultHeartbeat }
	synced := false
	h.deps.Sync = writingSync(1, func(context.Context) error { synced = true; return nil })
	id := h.fake.Enqueue(c1fake.SyncTask())
	h.start()
	h.waitFor(func(s c1fake.Summary) bool { return heartbeatsOf(s, id) == 1 && s.GetTaskCalls >= 3 })
	require.NoError(t, h.stop())
	tr := h.task(id)
	require.False(t, tr.Finished, "no FinishTask when the initial heartbeat is cancelled")
	require.False(t, synced)
	requireNoTempFiles(t, h.cfg.TempDir)
}

func TestUploadChunksAndChecksum(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		size   int
		chunks []int
	}{
		{name: "1.2 MiB", size: 1258291, chunks: []int{524288, 524288, 209715}},
		{name: "exactly one chunk", size: 524288, chunks: []int{524288}},
		{name: "small", size: 598198 - 524288, chunks: []int{73910}},
		{name: "empty", size: 0, chunks: []int{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := t.TempDir()
			h := newHarness(t, c1fake.Options{OutDir: out})
			h.sleep.block = func(d time.Duration) bool { return d == defaultHeartbeat }
			h.deps.Sync = writingSync(tt.size, nil)
			id := h.fake.Enqueue(c1fake.SyncTask())
			h.start()
			h.waitIdle()
			require.NoError(t, h.stop())
			requireSuccess(t, h.task(id), "")
			ups := h.fake.Summary().Uploads
			require.Len(t, ups, 1)
			require.Equal(t, tt.chunks, ups[0].Chunks)
			require.True(t, ups[0].ChecksumOK)
			require.True(t, ups[0].Complete)
			data, err := os.ReadFile(ups[0].Path)
			require.NoError(t, err)
			require.Len(t, data, tt.size)
			sum := sha256.Sum256(data)
			require.Equal(t, hex.EncodeToString(sum[:]), ups[0].SHA256)
			require.Empty(t, h.fake.Summary().Violations)
		})
	}
}

func TestUploadInterrupted(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		failures  int
		uploads   int
		succeeded bool
		delays    []time.Duration
	}{
		{name: "retried once", failures: 1, uploads: 2, succeeded: true, delays: []time.Duration{0}},
		{name: "retried twice", failures: 2, uploads: 3, succeeded: true, delays: []time.Duration{0, time.Second}},
		{name: "three failures", failures: 3, uploads: 3, succeeded: false, delays: []time.Duration{0, time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, c1fake.Options{UploadFail: tt.failures, IdleNextPoll: time.Minute, NextPoll: time.Minute})
			h.sleep.block = func(d time.Duration) bool { return d == defaultHeartbeat }
			h.deps.Sync = writingSync(600_000, nil)
			id := h.fake.Enqueue(c1fake.SyncTask())
			h.start()
			h.waitIdle()
			require.NoError(t, h.stop())
			ups := h.fake.Summary().Uploads
			require.Len(t, ups, tt.uploads)
			for i := range tt.failures {
				require.True(t, ups[i].Aborted, "upload %d", i)
			}
			tr := h.task(id)
			if tt.succeeded {
				requireSuccess(t, tr, "")
				require.True(t, ups[len(ups)-1].Complete)
			} else {
				requireError(t, tr, codes.Unavailable, "upload sync file: rpc error: code = Unavailable desc = fake: upload aborted", false)
			}
			// Poll waits are one minute here; what remains below 5 s are the upload delays.
			var delays []time.Duration
			for _, d := range h.sleep.durations() {
				if d < 5*time.Second { // drop poll, heartbeat and shutdown waits
					delays = append(delays, d)
				}
			}
			require.Equal(t, append([]time.Duration{0}, tt.delays...), delays, "first entry is the loop's initial zero wait")
			requireNoTempFiles(t, h.cfg.TempDir)
		})
	}
}

func TestSkipFullSync(t *testing.T) {
	t.Parallel()
	h := newHarness(t, c1fake.Options{})
	h.cfg.SkipFullSync = true
	h.sleep.block = func(d time.Duration) bool { return d == defaultHeartbeat }
	var got SyncOptions
	h.deps.Sync = func(_ context.Context, out string, o SyncOptions) error {
		got = o
		return os.WriteFile(out, []byte("empty"), 0o600)
	}
	id := h.fake.Enqueue(c1fake.SyncTask())
	h.start()
	h.waitIdle()
	require.NoError(t, h.stop())
	requireSuccess(t, h.task(id), "")
	require.Equal(t, SyncOptions{Empty: true}, got)

	h2 := newHarness(t, c1fake.Options{})
	h2.cfg.SkipFullSync = true
	h2.deps.Connector = &fakeConnector{validateErr: errBoom}
	h2.sleep.block = h.sleep.block
	id = h2.fake.Enqueue(c1fake.SyncTask())
	h2.start()
	h2.waitIdle()
	require.NoError(t, h2.stop())
	requireError(t, h2.task(id), codes.Unknown, "validate connector: boom", false)
}

func TestSyncOptionsFromTask(t *testing.T) {
	t.Parallel()
	r := &runner{cfg: Config{SyncResourceTypes: []string{"user", "group"}}}
	got := r.syncOptions(&batonv1.Task_SyncFullTask{SkipExpandGrants: true, SkipGrants: true, StorageEngine: "sqlite"})
	require.Equal(t, SyncOptions{SkipExpandGrants: true, SkipGrants: true, ResourceTypeIDs: []string{"user", "group"}, StorageEngine: "sqlite"}, got)
	got = r.syncOptions(&batonv1.Task_SyncFullTask{SkipEntitlementsAndGrants: true, SyncResourceTypeIds: []string{"space"}})
	require.Equal(t, SyncOptions{SkipEntitlementsAndGrants: true, ResourceTypeIDs: []string{"space"}}, got, "the task's types win")
}
