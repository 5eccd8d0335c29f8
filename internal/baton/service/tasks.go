package service

import (
	"context"
	"fmt"

	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/baton-confluence/baton-confluence/internal/baton/logging"
	batonv1 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connectorapi/baton/v1"
)

// errUnsupportedTask answers every task type this runtime does not execute. It is reported
// non-retryable (the SDK says retryable; re-queuing a task that can never succeed only loops).
var errUnsupportedTask = status.Error(codes.Unknown, "unsupported task type")

// handle runs one task to completion, including its FinishTask where one is due.
func (r *runner) handle(ctx context.Context, task *batonv1.Task) {
	log := logging.From(ctx).With(zap.String("task_id", task.GetId()), zap.String("task_type", taskType(task)))
	ctx = logging.With(ctx, log)
	log.Info("task started")
	switch task.GetTaskType().(type) {
	case *batonv1.Task_Hello:
		r.helloTask(ctx, task)
	case *batonv1.Task_SyncFull:
		r.syncTask(ctx, task)
	case *batonv1.Task_Grant:
		r.grantTask(ctx, task)
	case *batonv1.Task_Revoke:
		r.revokeTask(ctx, task)
	default:
		r.finishError(ctx, task.GetId(), errUnsupportedTask, true)
	}
	log.Info("task done")
}

// helloTask answers a HelloTask with a Hello carrying its id; no FinishTask follows.
func (r *runner) helloTask(ctx context.Context, task *batonv1.Task) {
	if _, err := r.client.Hello(ctx, r.helloRequest(task.GetId())); err != nil {
		logging.From(ctx).Warn("hello task", zap.Error(err))
	}
}

// taskType names the task's variant for logs.
func taskType(t *batonv1.Task) string {
	if t.GetTaskType() == nil {
		return "unset"
	}
	return fmt.Sprintf("%T", t.GetTaskType())[len("*v1.Task_"):]
}
