package c1fake

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
	statuspb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
	batonv1 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connectorapi/baton/v1"
)

// TestSummaryCarriesFinishRequest checks that the printed summary holds the whole FinishTask
// request, so a test driving the c1-fake binary can check annotations and responses.
func TestSummaryCarriesFinishRequest(t *testing.T) {
	t.Parallel()
	grantResp, err := anypb.New(&v2.GrantManagerServiceGrantResponse{Grants: []*v2.Grant{{Id: "group:g:member:user:u"}}})
	require.NoError(t, err)
	unknown := &anypb.Any{TypeUrl: "type.googleapis.com/not.a.Known", Value: []byte{1}}
	tests := []struct {
		name     string
		finish   func(id string) *batonv1.BatonServiceFinishTaskRequest
		wantJSON bool
	}{
		{name: "success with response and annotations", wantJSON: true, finish: func(id string) *batonv1.BatonServiceFinishTaskRequest {
			return &batonv1.BatonServiceFinishTaskRequest{HostId: "h", TaskId: id,
				FinalState: &batonv1.BatonServiceFinishTaskRequest_Success_{Success: &batonv1.BatonServiceFinishTaskRequest_Success{
					Annotations: annotations.New(&v2.RateLimitDescription{Limit: 10, Remaining: 9}), Response: grantResp}}}
		}},
		{name: "error with status", wantJSON: true, finish: func(id string) *batonv1.BatonServiceFinishTaskRequest {
			return &batonv1.BatonServiceFinishTaskRequest{HostId: "h", TaskId: id, Status: &statuspb.Status{Code: 1, Message: "cancelled"},
				FinalState: &batonv1.BatonServiceFinishTaskRequest_Error_{Error: &batonv1.BatonServiceFinishTaskRequest_Error{}}}
		}},
		{name: "unknown any type", wantJSON: false, finish: func(id string) *batonv1.BatonServiceFinishTaskRequest {
			return &batonv1.BatonServiceFinishTaskRequest{HostId: "h", TaskId: id,
				FinalState: &batonv1.BatonServiceFinishTaskRequest_Success_{Success: &batonv1.BatonServiceFinishTaskRequest_Success{Response: unknown}}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newFake(t, Options{})
			c := grpcClient(t, s)
			task, err := GrantTask("group:g:member user u")
			require.NoError(t, err)
			id := s.Enqueue(task)
			sent := tt.finish(id)
			_, err = c.FinishTask(t.Context(), sent)
			require.NoError(t, err)

			// Round trip through the printed form, as c1-fake emits it.
			printed, err := json.Marshal(s.Summary())
			require.NoError(t, err)
			var sum Summary
			require.NoError(t, json.Unmarshal(printed, &sum))
			require.Len(t, sum.Tasks, 1)
			rec := sum.Tasks[0]
			require.Equal(t, 1, rec.FinishCalls)
			if !tt.wantJSON {
				require.Empty(t, rec.FinishJSON)
				return
			}
			got := &batonv1.BatonServiceFinishTaskRequest{}
			require.NoError(t, protojson.Unmarshal(rec.FinishJSON, got))
			require.True(t, proto.Equal(sent, got), "got %v", got)
		})
	}
}
