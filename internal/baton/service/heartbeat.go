package service

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/baton-confluence/baton-confluence/internal/baton/logging"
	batonv1 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connectorapi/baton/v1"
)

const (
	defaultHeartbeat     = 30 * time.Second
	minHeartbeat         = time.Second
	maxHeartbeat         = 5 * time.Minute
	maxHeartbeatFailures = 9
)

// heartbeat is the background heartbeat of one task; ctx is cancelled when C1 cancels the task
// or heartbeats keep failing.
type heartbeat struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	done   chan struct{}
}

// heartbeatInterval is next_heartbeat clamped to [1 s, 5 min]; absent or zero means 30 s.
func heartbeatInterval(resp *batonv1.BatonServiceHeartbeatResponse) time.Duration {
	d := resp.GetNextHeartbeat().AsDuration()
	if resp.GetNextHeartbeat() == nil || d <= 0 {
		return defaultHeartbeat
	}
	return min(max(d, minHeartbeat), maxHeartbeat)
}

// startHeartbeats sends the initial heartbeat synchronously and starts the periodic ones.
func (r *runner) startHeartbeats(ctx context.Context, taskID string) (*heartbeat, error) {
	resp, err := r.client.Heartbeat(ctx, &batonv1.BatonServiceHeartbeatRequest{HostId: r.hostID, TaskId: taskID})
	if err != nil {
		return nil, fmt.Errorf("initial heartbeat: %w", err)
	}
	if resp.GetCancelled() {
		return nil, fmt.Errorf("initial heartbeat: %w", errTaskCancelled)
	}
	hctx, cancel := context.WithCancelCause(ctx)
	hb := &heartbeat{ctx: hctx, cancel: cancel, done: make(chan struct{})}
	go r.beat(hb, taskID, heartbeatInterval(resp))
	return hb, nil
}

// stop ends the periodic heartbeats and waits for the loop to exit.
func (hb *heartbeat) stop() {
	hb.cancel(nil)
	<-hb.done
}

// beat sends a heartbeat every interval until the task ends, following the server's interval.
// A failure is retried after the same interval; after maxHeartbeatFailures in a row the task is
// cancelled.
func (r *runner) beat(hb *heartbeat, taskID string, interval time.Duration) {
	defer close(hb.done)
	log := logging.From(hb.ctx)
	failures := 0
	for {
		if err := r.hooks.sleep(hb.ctx, interval); err != nil {
			return
		}
		resp, err := r.client.Heartbeat(hb.ctx, &batonv1.BatonServiceHeartbeatRequest{HostId: r.hostID, TaskId: taskID})
		if err != nil {
			if hb.ctx.Err() != nil {
				return
			}
			failures++
			log.Warn("heartbeat", zap.Error(err), zap.Int("consecutive_failures", failures))
			if failures >= maxHeartbeatFailures {
				hb.cancel(errHeartbeatFailed)
				return
			}
			continue
		}
		failures = 0
		interval = heartbeatInterval(resp)
		if resp.GetCancelled() {
			log.Info("task cancelled by ConductorOne")
			hb.cancel(errTaskCancelled)
			return
		}
	}
}
