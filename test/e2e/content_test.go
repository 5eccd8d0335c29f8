package e2e

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
	batonv1 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connectorapi/baton/v1"
	"github.com/baton-confluence/baton-confluence/internal/baton/service/c1fake"
	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"
	"github.com/baton-confluence/baton-confluence/pkg/connector/connectortest"
)

// readContent reads everything the latest finished sync of a c1z holds.
func readContent(ctx context.Context, t *testing.T, path string) *connectortest.Content {
	t.Helper()
	c, err := connectortest.ReadContent(ctx, path, t.TempDir())
	require.NoError(t, err)
	return c
}

// requireContent fails with a readable diff unless got equals want.
func requireContent(t *testing.T, want, got *connectortest.Content) {
	t.Helper()
	if d := connectortest.Diff(want, got, 5); d != "" {
		t.Fatalf("uploaded c1z differs from the simulator's ground truth:\n%s", d)
	}
}

// outsider picks, deterministically, a group and a synced, active user who is not its member.
func outsider(t *testing.T, truth *confluencetest.Truth) (groupID, accountID string) {
	t.Helper()
	users := connectortest.ReachableUsers(truth)
	for _, g := range slices.Backward(truth.Groups) {
		for _, u := range users {
			if u.Active() && !slices.Contains(g.Members, u.AccountID) {
				return g.ID, u.AccountID
			}
		}
	}
	t.Fatal("every synced user is in every group")
	return "", ""
}

// directUserSpaceGrant picks, deterministically, a grant of a space permission held by a user
// directly (not through a group), as the expected c1z content has it.
func directUserSpaceGrant(t *testing.T, want *connectortest.Content) *v2.Grant {
	t.Helper()
	for _, id := range slices.Sorted(maps.Keys(want.Grants)) {
		g := want.Grants[id]
		if g.GetEntitlement().GetResource().GetId().GetResourceType() == "space" &&
			g.GetPrincipal().GetId().GetResourceType() == "user" && len(g.GetSources().GetSources()) == 0 {
			return g
		}
	}
	t.Fatal("no direct user space permission in the tenant")
	return nil
}

// taskOfType returns the only task record of the given type.
func taskOfType(t *testing.T, sum c1fake.Summary, typ string) c1fake.TaskRecord {
	t.Helper()
	var out []c1fake.TaskRecord
	for _, tr := range sum.Tasks {
		if tr.Type == typ {
			out = append(out, tr)
		}
	}
	require.Len(t, out, 1, "%s tasks in %+v", typ, sum.Tasks)
	return out[0]
}

// finishRequest decodes the FinishTask request c1-fake recorded for a task.
func finishRequest(t *testing.T, tr c1fake.TaskRecord) *batonv1.BatonServiceFinishTaskRequest {
	t.Helper()
	require.NotEmpty(t, tr.FinishJSON, "task %s (%s) has no recorded FinishTask", tr.ID, tr.Type)
	req := &batonv1.BatonServiceFinishTaskRequest{}
	require.NoError(t, protojson.Unmarshal(tr.FinishJSON, req))
	require.Equal(t, tr.ID, req.GetTaskId())
	require.Equal(t, "e2e-host", req.GetHostId())
	return req
}

// unpack decodes an Any into a new message of type T, failing on a different type.
func unpack[T proto.Message](t *testing.T, a *anypb.Any, msg T) T {
	t.Helper()
	require.NotNil(t, a)
	require.NoError(t, a.UnmarshalTo(msg), "Any of type %s", a.GetTypeUrl())
	return msg
}
