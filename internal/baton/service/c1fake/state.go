package c1fake

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"

	"github.com/segmentio/ksuid"
	"google.golang.org/protobuf/proto"

	batonv1 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connectorapi/baton/v1"
)

// Summary is what the fake recorded, as printed by c1-fake on exit.
type Summary struct {
	TokenRequests    int            `json:"token_requests"`
	TokensIssued     int            `json:"tokens_issued"`
	Tokens           []TokenRecord  `json:"tokens"`
	Hellos           []HelloRecord  `json:"hellos"`
	GetTaskCalls     int            `json:"get_task_calls"`
	Tasks            []TaskRecord   `json:"tasks"`
	Uploads          []UploadRecord `json:"uploads"`
	UserAgents       []string       `json:"user_agents"`
	Violations       []string       `json:"violations,omitempty"`
	PendingTasks     int            `json:"pending_tasks"`
	AllTasksFinished bool           `json:"all_tasks_finished"`
}

// TokenRecord describes one token request.
type TokenRecord struct {
	Status    int            `json:"status"`          // HTTP status answered
	Error     string         `json:"error,omitempty"` // why it was rejected
	UserAgent string         `json:"user_agent"`
	Proto     string         `json:"proto"`
	Header    map[string]any `json:"assertion_header,omitempty"`
	Claims    map[string]any `json:"assertion_claims,omitempty"`
}

// HelloRecord describes one Hello call.
type HelloRecord struct {
	HostID        string                            `json:"host_id"`
	TaskID        string                            `json:"task_id,omitempty"`
	UserAgent     string                            `json:"user_agent"`
	Authorization string                            `json:"authorization"`
	Request       *batonv1.BatonServiceHelloRequest `json:"-"`
}

// TaskRecord is one queued task and what became of it.
type TaskRecord struct {
	ID           string                                 `json:"id"`
	Type         string                                 `json:"type"`
	Dispatched   bool                                   `json:"dispatched"`
	Finished     bool                                   `json:"finished"`
	Result       string                                 `json:"result,omitempty"` // "success", "error" or "hello"
	Code         int32                                  `json:"code"`
	Message      string                                 `json:"message,omitempty"`
	NonRetryable bool                                   `json:"non_retryable"`
	ResponseType string                                 `json:"response_type,omitempty"`
	Heartbeats   int                                    `json:"heartbeats"`
	FinishCalls  int                                    `json:"finish_calls"`
	Finish       *batonv1.BatonServiceFinishTaskRequest `json:"-"`
	// FinishJSON is Finish as protojson, so the printed summary carries everything the
	// connector reported (status details, annotations, the response); empty when the request
	// holds an Any of a type this binary does not know.
	FinishJSON json.RawMessage `json:"finish,omitempty"`
}

// UploadRecord is one UploadAsset stream.
type UploadRecord struct {
	TaskID     string `json:"task_id"`
	Size       int64  `json:"size"`
	Chunks     []int  `json:"chunks"`
	SHA256     string `json:"sha256,omitempty"`
	ChecksumOK bool   `json:"checksum_ok"`
	Complete   bool   `json:"complete"`
	Aborted    bool   `json:"aborted,omitempty"` // aborted on purpose (--upload-fail)
	Error      string `json:"error,omitempty"`
	Path       string `json:"path,omitempty"`
}

type taskState struct {
	rec  TaskRecord
	task *batonv1.Task
}

// state is the fake's mutable record, guarded by mu; changed is closed and replaced on every
// change so waiters can re-check.
type state struct {
	opts    Options
	mu      sync.Mutex
	changed chan struct{}
	queue   []*batonv1.Task
	tasks   map[string]*taskState
	order   []string
	sum     Summary
	tokens  map[string]int64 // access token -> expiry (unix seconds)

	getTaskErrors, tokenDown, uploadFail int
}

func newState(o Options) *state {
	return &state{
		opts: o, changed: make(chan struct{}), tasks: map[string]*taskState{}, tokens: map[string]int64{},
		getTaskErrors: o.GetTaskErrors, tokenDown: o.TokenDown, uploadFail: o.UploadFail,
	}
}

// notify wakes waiters; mu must be held.
func (st *state) notify() {
	close(st.changed)
	st.changed = make(chan struct{})
}

func (st *state) enqueue(task *batonv1.Task) string {
	task = proto.Clone(task).(*batonv1.Task)
	if task.GetId() == "" {
		task.Id = ksuid.New().String()
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.queue = append(st.queue, task)
	st.tasks[task.GetId()] = &taskState{rec: TaskRecord{ID: task.GetId(), Type: TaskType(task)}, task: task}
	st.order = append(st.order, task.GetId())
	st.notify()
	return task.GetId()
}

// violation records a protocol violation and returns it as an error message.
func (st *state) violation(format string, args ...any) string {
	msg := fmt.Sprintf(format, args...)
	st.mu.Lock()
	st.sum.Violations = append(st.sum.Violations, msg)
	st.notify()
	st.mu.Unlock()
	return msg
}

func (st *state) pending() int {
	n := 0
	for _, id := range st.order {
		if !st.tasks[id].rec.Finished {
			n++
		}
	}
	return n
}

func (st *state) waitIdle(ctx context.Context) error {
	for {
		st.mu.Lock()
		n, ch := st.pending(), st.changed
		st.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for %d unfinished tasks: %w", n, ctx.Err())
		case <-ch:
		}
	}
}

func (st *state) summary() Summary {
	st.mu.Lock()
	defer st.mu.Unlock()
	s := st.sum
	s.Tokens = slices.Clone(s.Tokens)
	s.Hellos = slices.Clone(s.Hellos)
	s.Uploads = slices.Clone(s.Uploads)
	s.UserAgents = slices.Clone(s.UserAgents)
	s.Violations = slices.Clone(s.Violations)
	s.Tasks = nil
	for _, id := range st.order {
		s.Tasks = append(s.Tasks, st.tasks[id].rec)
	}
	s.PendingTasks = st.pending()
	s.AllTasksFinished = s.PendingTasks == 0
	return s
}

// TaskType names a task's variant as in the proto oneof ("sync_full", "grant", …; "unset").
func TaskType(t *batonv1.Task) string {
	m := t.ProtoReflect()
	if fd := m.WhichOneof(m.Descriptor().Oneofs().ByName("task_type")); fd != nil {
		return string(fd.Name())
	}
	return "unset"
}

// waitFor blocks until cond holds for a summary snapshot or ctx ends.
func (st *state) waitFor(ctx context.Context, cond func(Summary) bool) error {
	for {
		st.mu.Lock()
		ch := st.changed
		st.mu.Unlock()
		if cond(st.summary()) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}
