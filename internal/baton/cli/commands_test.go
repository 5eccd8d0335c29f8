package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	"github.com/baton-confluence/baton-confluence/internal/baton/connectorbuilder"
	"github.com/baton-confluence/baton-confluence/internal/baton/field"
	"github.com/baton-confluence/baton-confluence/internal/baton/fixture"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// fakeSyncer serves one resource type; provisioning syncers also implement Provisioner.
type fakeSyncer struct{ rt *v2.ResourceType }

func (s fakeSyncer) ResourceType(context.Context) *v2.ResourceType { return s.rt }
func (fakeSyncer) List(context.Context, *v2.ResourceId, string) ([]*v2.Resource, string, annotations.Annotations, error) {
	return nil, "", nil, nil
}
func (fakeSyncer) Entitlements(context.Context, *v2.Resource, string) ([]*v2.Entitlement, string, annotations.Annotations, error) {
	return nil, "", nil, nil
}
func (fakeSyncer) Grants(context.Context, *v2.Resource, string) ([]*v2.Grant, string, annotations.Annotations, error) {
	return nil, "", nil, nil
}

type fakeProvisioner struct{ fakeSyncer }

func (fakeProvisioner) Grant(context.Context, *v2.Resource, *v2.Entitlement) ([]*v2.Grant, annotations.Annotations, error) {
	return nil, nil, nil
}
func (fakeProvisioner) Revoke(context.Context, *v2.Grant) (annotations.Annotations, error) {
	return nil, nil
}

type fakeConnector struct {
	syncers []connectorbuilder.ResourceSyncer
}

func (fakeConnector) Metadata(context.Context) (*v2.ConnectorMetadata, error) {
	return &v2.ConnectorMetadata{DisplayName: "Fake"}, nil
}
func (fakeConnector) Validate(context.Context) (annotations.Annotations, error) { return nil, nil }
func (c fakeConnector) ResourceSyncers(context.Context) []connectorbuilder.ResourceSyncer {
	return c.syncers
}

// confluenceLike has the five resource types of the reference connector, declared out of order
// (the output is sorted by id).
func confluenceLike() fakeConnector {
	rt := func(id, name string, traits []v2.ResourceType_Trait, anns ...annotations.Annotations) *v2.ResourceType {
		t := &v2.ResourceType{Id: id, DisplayName: name, Traits: traits}
		if len(anns) > 0 {
			t.Annotations = anns[0]
		}
		return t
	}
	return fakeConnector{syncers: []connectorbuilder.ResourceSyncer{
		fakeSyncer{rt("user", "User", []v2.ResourceType_Trait{v2.ResourceType_TRAIT_USER},
			annotations.New(&v2.SkipEntitlementsAndGrants{}))},
		fakeProvisioner{fakeSyncer{rt("group", "Group", []v2.ResourceType_Trait{v2.ResourceType_TRAIT_GROUP})}},
		fakeProvisioner{fakeSyncer{rt("space", "Space", nil)}},
		fakeSyncer{rt("space_role", "Space Role", []v2.ResourceType_Trait{v2.ResourceType_TRAIT_ROLE},
			annotations.New(&v2.SkipEntitlementsAndGrants{}, &v2.OptInRequired{}))},
		fakeProvisioner{fakeSyncer{rt("space_role_assignment", "Space Role Assignment",
			[]v2.ResourceType_Trait{v2.ResourceType_TRAIT_SCOPE_BINDING},
			annotations.New(&v2.SkipEntitlements{}, &v2.OptInRequired{}))}},
	}}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(p, got, 0o644))
	}
	want, err := os.ReadFile(p)
	require.NoError(t, err)
	require.Equal(t, string(want), string(got))
}

func TestCapabilitiesCommand(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.app.Capabilities = func(ctx context.Context) (*v2.ConnectorCapabilities, error) {
		return connectorbuilder.Capabilities(ctx, confluenceLike())
	}
	r := h.run("capabilities")
	require.Equal(t, 0, r.code, r.errOut)
	require.Empty(t, r.errOut)
	golden(t, "capabilities.golden", []byte(r.out))
	// Byte for byte what the canonical binary prints for the same message.
	require.Equal(t, string(fixture.Read(t, "reference-capabilities.json")), r.out)
}

func TestCapabilitiesStableAcrossRuns(t *testing.T) {
	t.Parallel()
	caps, err := connectorbuilder.Capabilities(t.Context(), confluenceLike())
	require.NoError(t, err)
	first, err := MarshalCapabilities(caps)
	require.NoError(t, err)
	for range 20 {
		again, err := MarshalCapabilities(caps)
		require.NoError(t, err)
		require.Equal(t, string(first), string(again))
	}
}

func TestCapabilitiesError(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.app.Capabilities = func(context.Context) (*v2.ConnectorCapabilities, error) { return nil, errors.New("boom") }
	r := h.run("capabilities")
	require.Equal(t, 1, r.code)
	require.Equal(t, "get capabilities: boom\n", r.errOut)
}

// TestNewCmdCapabilities is the gh-style argv -> options test.
func TestNewCmdCapabilities(t *testing.T) {
	t.Parallel()
	ios, _, _, _ := TestIO()
	var got *CapabilitiesOptions
	caps := func(context.Context) (*v2.ConnectorCapabilities, error) { return &v2.ConnectorCapabilities{}, nil }
	cmd := newCmdCapabilities(&Factory{IOStreams: ios}, caps, func(_ context.Context, o *CapabilitiesOptions) error {
		got = o
		return nil
	})
	cmd.SetArgs([]string{})
	require.NoError(t, cmd.ExecuteContext(t.Context()))
	require.Same(t, ios, got.IO)
	require.NotNil(t, got.Capabilities)

	cmd.SetArgs([]string{"extra"})
	err := cmd.ExecuteContext(t.Context())
	require.Equal(t, ExitUsage, ExitCode(err))
}

func TestNewCmdConfig(t *testing.T) {
	t.Parallel()
	ios, _, _, _ := TestIO()
	var got *ConfigSchemaOptions
	fields := append(field.SDKFields(), testFields()...)
	meta := field.Meta{DisplayName: "X"}
	cmd := newCmdConfig(&Factory{IOStreams: ios}, fields, meta, func(_ context.Context, o *ConfigSchemaOptions) error {
		got = o
		return nil
	})
	cmd.SetArgs([]string{})
	require.NoError(t, cmd.ExecuteContext(t.Context()))
	require.Equal(t, meta, got.Meta)
	require.Len(t, got.Fields, len(fields))
}

func TestConfigCommand(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.run("config")
	require.Equal(t, 0, r.code, r.errOut)
	golden(t, "config.golden", []byte(r.out))

	var ours, ref struct {
		Fields []map[string]any `json:"fields"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.out), &ours))
	require.NoError(t, json.Unmarshal(fixture.Read(t, "reference-config-schema.json"), &ref))
	// The SDK ops fields come first, exactly as the reference prints them; connector fields follow.
	var refOps []map[string]any
	for _, f := range ref.Fields {
		if f["isOps"] == true {
			refOps = append(refOps, f)
		}
	}
	require.Equal(t, refOps, ours.Fields[:len(refOps)])
	names := []string{}
	for _, f := range ours.Fields[len(refOps):] {
		names = append(names, f["name"].(string))
	}
	require.Equal(t, []string{"api-key", "domain-url", "username", "skip-personal-spaces", "noun", "page-size", "poll"}, names)
}
