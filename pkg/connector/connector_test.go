package connector_test

import (
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zapcore"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/baton-confluence/baton-confluence/pkg/config"
	"github.com/baton-confluence/baton-confluence/pkg/confluence"
	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"
	"github.com/baton-confluence/baton-confluence/pkg/connector"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	"github.com/baton-confluence/baton-confluence/internal/baton/connectorbuilder"
	"github.com/baton-confluence/baton-confluence/internal/baton/fixture"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

func TestMetadata(t *testing.T) {
	t.Parallel()
	conn, err := connector.New(t.Context(), config.Config{DomainURL: "acme.atlassian.net", Username: "u", APIKey: "k"})
	require.NoError(t, err)
	md, err := conn.Metadata(t.Context())
	require.NoError(t, err)
	require.Equal(t, "Confluence", md.GetDisplayName())
	for _, word := range []string{"users", "groups", "spaces", "permissions", "space roles", "role assignments"} {
		require.Contains(t, md.GetDescription(), word)
	}
	var link v2.ExternalLink
	ok, err := annotations.Annotations(md.GetAnnotations()).Pick(&link)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "acme.atlassian.net", link.GetUrl(), "the domain URL as configured")
}

// TestCapabilitiesMatchReference: all five syncers in both modes, with the reference's
// resource types and capabilities (space_role: SYNC; space_role_assignment: SYNC, PROVISION).
func TestCapabilitiesMatchReference(t *testing.T) {
	t.Parallel()
	var a anypb.Any
	require.NoError(t, protojson.Unmarshal(fixture.Read(t, "reference-capabilities.json"), &a))
	want := &v2.ConnectorCapabilities{}
	require.NoError(t, a.UnmarshalTo(want))
	for _, rbac := range []bool{false, true} {
		conn, err := connector.New(t.Context(), config.Config{DomainURL: "acme.atlassian.net", Username: "u", APIKey: "k", UseRBAC: rbac})
		require.NoError(t, err)
		var order []string
		for _, s := range conn.ResourceSyncers(t.Context()) {
			order = append(order, s.ResourceType(t.Context()).GetId())
		}
		require.Equal(t, []string{"user", "group", "space", "space_role", "space_role_assignment"}, order)
		got, err := connectorbuilder.Capabilities(t.Context(), conn)
		require.NoError(t, err)
		require.True(t, proto.Equal(want, got), "rbac=%t\nwant %v\ngot  %v", rbac, want, got)
	}
}

// TestNoRBACWithoutUseRBAC: the RBAC syncers answer nothing without --use-rbac and send nothing.
func TestNoRBACWithoutUseRBAC(t *testing.T) {
	t.Parallel()
	cfg := confluencetest.Small()
	cfg.RBAC = true
	srv := startSim(t, cfg)
	conn := newConnector(t, srv, nil)
	ctx := t.Context()
	syncers := conn.ResourceSyncers(ctx)
	space := &v2.ResourceId{ResourceType: "space", Resource: srv.Truth().Spaces[0].ID}
	for _, s := range syncers[3:] {
		rs, next, _, err := s.List(ctx, space, "")
		require.NoError(t, err)
		require.Empty(t, rs)
		require.Empty(t, next)
		gs, _, _, err := s.Grants(ctx, &v2.Resource{Id: &v2.ResourceId{ResourceType: "space_role_assignment", Resource: space.GetResource() + ":1"}}, "")
		require.NoError(t, err)
		require.Empty(t, gs)
	}
	require.Zero(t, srv.Stats().Total)
}

// TestClientEventsLogged: requests are logged at debug level with method and path, never with
// the credentials; extra observers see the same events.
func TestClientEventsLogged(t *testing.T) {
	t.Parallel()
	ctx, logs := observedCtx(t)
	srv := startSim(t, confluencetest.Small())
	var seen atomic.Int64
	conn, err := connector.New(ctx, simConfig(srv, nil), connector.WithObserver(func(confluence.Event) { seen.Add(1) }),
		connector.WithTimeout(0), connector.WithMaxConcurrency(1))
	require.NoError(t, err)
	_, err = conn.Validate(ctx)
	require.NoError(t, err)
	require.Positive(t, seen.Load())
	debug := logs.FilterLevelExact(zapcore.DebugLevel).FilterMessage("confluence request").All()
	require.NotEmpty(t, debug)
	require.Equal(t, "/wiki/rest/api/user/current", debug[0].ContextMap()["path"])
	for _, e := range logs.All() {
		line := e.Message + " " + strings.Join(mapValues(e.ContextMap()), " ")
		require.NotContains(t, line, srv.Config().APIToken)
	}
}

func mapValues(m map[string]any) []string {
	var out []string
	for k, v := range m {
		out = append(out, k, strings.TrimSpace(strings.ReplaceAll(strings.ToLower(toString(v)), "\n", " ")))
	}
	return out
}

func toString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}

// TestImportsStayOnTheConnectorSide: the connector never imports the engine side of the SDK.
func TestImportsStayOnTheConnectorSide(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", "github.com/baton-confluence/baton-confluence/pkg/connector").CombinedOutput()
	require.NoError(t, err, string(out))
	for _, forbidden := range []string{"internal/baton/c1z", "internal/baton/sync", "internal/baton/runner",
		"internal/baton/service", "internal/baton/cli"} {
		require.NotContains(t, string(out), "baton-confluence/"+forbidden+"\n")
	}
}
