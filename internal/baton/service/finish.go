package service

import (
	"context"
	"errors"
	"time"

	"go.uber.org/zap"
	statuspb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/baton-confluence/baton-confluence/internal/baton/logging"
	batonv1 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connectorapi/baton/v1"
)

const (
	finishTimeout = 30 * time.Second
	// maxAnnotations is the server-side limit on every annotations list.
	maxAnnotations = 16
	// nonRetryableSuffix is appended to the message of non-retryable failures, as the SDK does.
	nonRetryableSuffix = "task failed and is non-retryable"
)

// finishSuccess reports success; response (may be nil) is wrapped in an Any.
func (r *runner) finishSuccess(ctx context.Context, taskID string, response proto.Message, anns []*anypb.Any) {
	s := &batonv1.BatonServiceFinishTaskRequest_Success{Annotations: capAnnotations(anns)}
	if response != nil {
		a, err := anypb.New(response)
		if err != nil {
			r.finishError(ctx, taskID, err, false)
			return
		}
		s.Response = a
	}
	r.finish(ctx, &batonv1.BatonServiceFinishTaskRequest{
		HostId: r.hostID, TaskId: taskID,
		FinalState: &batonv1.BatonServiceFinishTaskRequest_Success_{Success: s},
	})
}

// finishError reports a failure with the error's gRPC status.
func (r *runner) finishError(ctx context.Context, taskID string, err error, nonRetryable bool) {
	r.finish(ctx, &batonv1.BatonServiceFinishTaskRequest{
		HostId: r.hostID, TaskId: taskID, Status: statusFor(err, nonRetryable),
		FinalState: &batonv1.BatonServiceFinishTaskRequest_Error_{
			Error: &batonv1.BatonServiceFinishTaskRequest_Error{NonRetryable: nonRetryable},
		},
	})
}

// finish sends FinishTask on its own 30 s context, so it goes out even when the task was
// cancelled. It is not retried: FinishTask is not idempotent-safe to repeat blindly. WaitForReady
// makes a call issued while the connection is (re)connecting wait for it instead of failing, so
// it is only sent once the transport is up; grpc-go's transparent retry covers streams that
// provably never reached the server.
func (r *runner) finish(ctx context.Context, req *batonv1.BatonServiceFinishTaskRequest) {
	log := logging.From(ctx)
	fctx, cancel := context.WithTimeout(r.finishCtx, finishTimeout)
	defer cancel()
	if _, err := r.client.FinishTask(fctx, req, grpc.WaitForReady(true)); err != nil {
		log.Error("finish task", zap.Error(err))
		return
	}
	if req.GetStatus() != nil {
		log.Warn("task failed", zap.Int32("code", req.GetStatus().GetCode()),
			zap.String("message", req.GetStatus().GetMessage()),
			zap.Bool("non_retryable", req.GetError().GetNonRetryable()))
	}
}

// statusFor encodes err: the gRPC code anywhere in its chain, else Canceled / DeadlineExceeded
// for context errors, else Unknown; the error text (for a bare status error its description);
// the status details.
func statusFor(err error, nonRetryable bool) *statuspb.Status {
	code, msg := codes.Unknown, err.Error()
	var details []*anypb.Any
	if st, ok := status.FromError(err); ok && st != nil {
		// A bare status error contributes its description; a wrapped one the full text.
		code, msg = st.Code(), st.Message()
		details = st.Proto().GetDetails()
	} else if errors.Is(err, context.Canceled) {
		code = codes.Canceled
	} else if errors.Is(err, context.DeadlineExceeded) {
		code = codes.DeadlineExceeded
	}
	if nonRetryable {
		msg += "\n" + nonRetryableSuffix
	}
	return &statuspb.Status{Code: int32(code), Message: msg, Details: details}
}

func capAnnotations(a []*anypb.Any) []*anypb.Any {
	if len(a) > maxAnnotations {
		return a[:maxAnnotations]
	}
	return a
}
