package connector_test

import (
	"context"
	"fmt"
	"path/filepath"
	gosync "sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/pkg/confluence"
	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"
	"github.com/baton-confluence/baton-confluence/pkg/connector"
	"github.com/baton-confluence/baton-confluence/pkg/connector/connectortest"

	"github.com/baton-confluence/baton-confluence/internal/baton/runner"
	"github.com/baton-confluence/baton-confluence/internal/baton/sync"
)

// TestResumeInNewProcess interrupts a sync after n requests, in every phase of the user
// listing and later, then finishes it with a new connector (empty caches, like a new process):
// the page tokens alone carry the position, and the result equals an uninterrupted sync.
func TestResumeInNewProcess(t *testing.T) {
	t.Parallel()
	cfg := confluencetest.Small()
	cfg.Users, cfg.SearchCap, cfg.SearchPageCap, cfg.MembersPerGroup = 150, 40, 7, 30
	probe := startSim(t, cfg)
	syncFile(context.Background(), t, newConnector(t, probe, nil, connector.WithMembersBatch(2)), sync.Options{})
	total := probe.Stats().Total
	require.Greater(t, total, int64(20))
	for _, n := range []int64{2, 5, total / 4, total / 2, 3 * total / 4, total - 1} {
		t.Run(fmt.Sprintf("after %d requests", n), func(t *testing.T) {
			t.Parallel()
			logCtx, logs := observedCtx(t)
			srv := startSim(t, cfg)
			dir := t.TempDir()
			oneShot := func(ctx context.Context, conn *connector.Connector) error {
				o := &runner.OneShot{File: filepath.Join(dir, "sync.c1z"), TempDir: dir, Connector: conn,
					Sync: sync.Options{Workers: 2, Sleep: noSleep}}
				return o.Run(ctx)
			}
			ctx, cancel := context.WithCancel(logCtx)
			defer cancel()
			var sent gosync.Int64
			stop := connector.WithObserver(func(e confluence.Event) {
				if e.Kind == confluence.EventRequest && sent.Add(1) == n {
					cancel()
				}
			})
			err := oneShot(ctx, newConnector(t, srv, nil, connector.WithMembersBatch(2), stop))
			require.Error(t, err, "interrupted")
			require.ErrorContains(t, err, "run the same command again to resume")

			require.NoError(t, oneShot(logCtx, newConnector(t, srv, nil, connector.WithMembersBatch(2))))
			require.Positive(t, logs.FilterMessage("resuming unfinished sync").Len())
			got := readContent(logCtx, t, filepath.Join(dir, "sync.c1z"))
			requireContent(t, connectortest.Expected(srv.Truth(), connectortest.Options{}), got)
		})
	}
}
