package service

import (
	"context"
	"time"

	"go.uber.org/zap"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/baton-confluence/baton-confluence/internal/baton/logging"
	batonv1 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connectorapi/baton/v1"
)

const (
	maxNextPoll = 5 * time.Minute
	// pollFloor keeps a server that sends no next_poll from turning the loop into a busy loop
	// (the upstream SDK polls again at once; C1 cannot tell the difference).
	pollFloor = 100 * time.Millisecond
	// maxPollBackoff caps the GetTask error backoff of errCount² seconds.
	maxPollBackoff = 60 * time.Second
)

// nextPollDelay is next_poll clamped to [0, 5 min], raised to the local floor.
func nextPollDelay(d *durationpb.Duration) time.Duration {
	v := d.AsDuration()
	if d == nil || v < 0 {
		v = 0
	}
	return max(min(v, maxNextPoll), pollFloor)
}

// pollBackoff is the wait after errCount consecutive GetTask failures: errCount² s, at most 60 s.
func pollBackoff(errCount int) time.Duration {
	errCount = min(errCount, 8)
	return min(time.Duration(errCount*errCount)*time.Second, maxPollBackoff)
}

// loop polls GetTask until ctx is done. A task slot is taken before every poll, so nothing is
// claimed while every slot is busy; each task runs in its own goroutine holding its slot.
func (r *runner) loop(ctx context.Context) {
	log := logging.From(ctx)
	var next time.Duration
	errCount := 0
	for {
		if err := r.hooks.sleep(ctx, next); err != nil {
			return
		}
		if !r.acquire(ctx) {
			return
		}
		resp, err := r.client.GetTask(ctx, &batonv1.BatonServiceGetTaskRequest{HostId: r.hostID})
		if err != nil {
			r.release()
			if ctx.Err() != nil {
				return
			}
			errCount++
			next = pollBackoff(errCount)
			log.Warn("get task", zap.Error(err), zap.Duration("retry_in", next))
			continue
		}
		errCount = 0
		next = nextPollDelay(resp.GetNextPoll())
		task := resp.GetTask()
		if isNoTask(task) {
			r.release()
			continue
		}
		r.tasks.Add(1)
		go func() {
			defer r.tasks.Done()
			defer r.release()
			r.handle(r.taskCtx, task)
		}()
	}
}

func isNoTask(t *batonv1.Task) bool {
	return t == nil || t.GetNone() != nil || (t.GetId() == "" && t.GetTaskType() == nil)
}

func (r *runner) acquire(ctx context.Context) bool {
	select {
	case r.slots <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

func (r *runner) release() { <-r.slots }
