package c1fake

import (
	"context"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"

	batonv1 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connectorapi/baton/v1"
)

// batonService implements BatonService over the fake's state.
type batonService struct {
	batonv1.UnimplementedBatonServiceServer
	s *Server
}

func (b *batonService) invalid(format string, args ...any) error {
	return status.Error(codes.InvalidArgument, b.s.st.violation(format, args...))
}

func (b *batonService) Hello(ctx context.Context, req *batonv1.BatonServiceHelloRequest) (*batonv1.BatonServiceHelloResponse, error) {
	if err := checkHello(req); err != nil {
		return nil, b.invalid("hello: %v", err)
	}
	md, _ := metadata.FromIncomingContext(ctx)
	rec := HelloRecord{HostID: req.GetHostId(), TaskID: req.GetTaskId(), Request: proto.Clone(req).(*batonv1.BatonServiceHelloRequest)}
	if v := md.Get("user-agent"); len(v) > 0 {
		rec.UserAgent = v[0]
	}
	if v := md.Get("authorization"); len(v) > 0 {
		rec.Authorization = v[0]
	}
	st := b.s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	st.sum.Hellos = append(st.sum.Hellos, rec)
	if id := req.GetTaskId(); id != "" {
		t, ok := st.tasks[id]
		if !ok || !t.rec.Dispatched || TaskType(t.task) != "hello" {
			st.sum.Violations = append(st.sum.Violations, "hello: task_id "+id+" is not a dispatched hello task")
		} else {
			t.rec.Finished, t.rec.Result = true, "hello"
		}
	}
	st.notify()
	return &batonv1.BatonServiceHelloResponse{}, nil
}

func (b *batonService) GetTask(_ context.Context, req *batonv1.BatonServiceGetTaskRequest) (*batonv1.BatonServiceGetTaskResponse, error) {
	if err := checkHostID(req.GetHostId()); err != nil {
		return nil, b.invalid("get task: %v", err)
	}
	st := b.s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	st.sum.GetTaskCalls++
	st.notify()
	if st.getTaskErrors > 0 {
		st.getTaskErrors--
		return nil, status.Error(codes.Unavailable, "fake: get task unavailable")
	}
	if len(st.queue) == 0 {
		return &batonv1.BatonServiceGetTaskResponse{NextPoll: durationpb.New(b.s.opts.IdleNextPoll)}, nil
	}
	task := st.queue[0]
	st.queue = st.queue[1:]
	st.tasks[task.GetId()].rec.Dispatched = true
	return &batonv1.BatonServiceGetTaskResponse{Task: task, NextPoll: durationpb.New(b.s.opts.NextPoll)}, nil
}

// GetTasks is the batched poll (BATON_GET_TASKS=true in the SDK): up to page_size queued tasks.
func (b *batonService) GetTasks(_ context.Context, req *batonv1.BatonServiceGetTasksRequest) (*batonv1.BatonServiceGetTasksResponse, error) {
	if err := checkHostID(req.GetHostId()); err != nil {
		return nil, b.invalid("get tasks: %v", err)
	}
	if n := req.GetPageSize(); n < 1 || n > 100 {
		return nil, b.invalid("get tasks: page_size %d (want 1..100)", n)
	}
	for _, id := range req.GetKnownTaskIds() {
		if err := checkTaskID(id); err != nil {
			return nil, b.invalid("get tasks: known_task_ids: %v", err)
		}
	}
	st := b.s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	st.sum.GetTaskCalls++
	st.notify()
	if st.getTaskErrors > 0 {
		st.getTaskErrors--
		return nil, status.Error(codes.Unavailable, "fake: get tasks unavailable")
	}
	n := min(int(req.GetPageSize()), len(st.queue))
	tasks := st.queue[:n:n]
	st.queue = st.queue[n:]
	for _, t := range tasks {
		st.tasks[t.GetId()].rec.Dispatched = true
	}
	next := b.s.opts.IdleNextPoll
	if n > 0 {
		next = b.s.opts.NextPoll
	}
	return &batonv1.BatonServiceGetTasksResponse{Tasks: tasks, NextPoll: durationpb.New(next)}, nil
}

func (b *batonService) Heartbeat(_ context.Context, req *batonv1.BatonServiceHeartbeatRequest) (*batonv1.BatonServiceHeartbeatResponse, error) {
	if err := checkHostID(req.GetHostId()); err != nil {
		return nil, b.invalid("heartbeat: %v", err)
	}
	if err := checkTaskID(req.GetTaskId()); err != nil {
		return nil, b.invalid("heartbeat: %v", err)
	}
	if err := checkAnnotations("annotations", req.GetAnnotations()); err != nil {
		return nil, b.invalid("heartbeat: %v", err)
	}
	st := b.s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	t, ok := st.tasks[req.GetTaskId()]
	if !ok {
		return nil, status.Error(codes.NotFound, "heartbeat: unknown task")
	}
	t.rec.Heartbeats++
	st.notify()
	resp := &batonv1.BatonServiceHeartbeatResponse{NextHeartbeat: durationpb.New(b.s.opts.HeartbeatInterval)}
	if n := b.s.opts.CancelAfterHeartbeats; n > 0 && t.rec.Heartbeats >= n {
		resp.Cancelled = true
	}
	return resp, nil
}

func (b *batonService) FinishTask(_ context.Context, req *batonv1.BatonServiceFinishTaskRequest) (*batonv1.BatonServiceFinishTaskResponse, error) {
	if err := checkFinish(req); err != nil {
		return nil, b.invalid("finish task: %v", err)
	}
	st := b.s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	t, ok := st.tasks[req.GetTaskId()]
	if !ok {
		return nil, status.Error(codes.NotFound, "finish task: unknown task")
	}
	t.rec.FinishCalls++
	if t.rec.FinishCalls > 1 {
		st.sum.Violations = append(st.sum.Violations, "finish task: second FinishTask for "+t.rec.ID)
	}
	if TaskType(t.task) == "hello" {
		st.sum.Violations = append(st.sum.Violations, "finish task: hello tasks get no FinishTask")
	}
	t.rec.Finished = true
	t.rec.Finish = proto.Clone(req).(*batonv1.BatonServiceFinishTaskRequest)
	t.rec.FinishJSON = nil
	if raw, err := protojson.Marshal(req); err == nil {
		t.rec.FinishJSON = raw
	}
	t.rec.Code, t.rec.Message = req.GetStatus().GetCode(), req.GetStatus().GetMessage()
	if s := req.GetSuccess(); s != nil {
		t.rec.Result = "success"
		t.rec.ResponseType = s.GetResponse().GetTypeUrl()
	} else {
		t.rec.Result = "error"
		t.rec.NonRetryable = req.GetError().GetNonRetryable()
	}
	st.notify()
	return &batonv1.BatonServiceFinishTaskResponse{}, nil
}

func (b *batonService) StartDebugging(context.Context, *batonv1.StartDebuggingRequest) (*batonv1.StartDebuggingResponse, error) {
	return &batonv1.StartDebuggingResponse{Status: false}, nil
}
