package connectorbuilder

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

type fakeSyncer struct {
	rt      *v2.ResourceType
	granted []string
}

func (f *fakeSyncer) ResourceType(context.Context) *v2.ResourceType { return f.rt }
func (f *fakeSyncer) List(context.Context, *v2.ResourceId, string) ([]*v2.Resource, string, annotations.Annotations, error) {
	return nil, "", nil, nil
}
func (f *fakeSyncer) Entitlements(context.Context, *v2.Resource, string) ([]*v2.Entitlement, string, annotations.Annotations, error) {
	return nil, "", nil, nil
}
func (f *fakeSyncer) Grants(context.Context, *v2.Resource, string) ([]*v2.Grant, string, annotations.Annotations, error) {
	return nil, "", nil, nil
}

type provSyncer struct{ fakeSyncer }

func (p *provSyncer) Grant(_ context.Context, principal *v2.Resource, e *v2.Entitlement) ([]*v2.Grant, annotations.Annotations, error) {
	p.granted = append(p.granted, e.GetId()+"->"+principal.GetId().GetResource())
	return []*v2.Grant{{Id: e.GetId()}}, nil, nil
}
func (p *provSyncer) Revoke(context.Context, *v2.Grant) (annotations.Annotations, error) {
	return annotations.New(&v2.GrantAlreadyRevoked{}), nil
}

type targetedSyncer struct{ provSyncer }

func (t *targetedSyncer) Get(context.Context, *v2.ResourceId, *v2.ResourceId) (*v2.Resource, annotations.Annotations, error) {
	return nil, nil, nil
}

type fakeConnector struct{ syncers []ResourceSyncer }

func (c *fakeConnector) Metadata(context.Context) (*v2.ConnectorMetadata, error) {
	return &v2.ConnectorMetadata{DisplayName: "Fake"}, nil
}
func (c *fakeConnector) Validate(context.Context) (annotations.Annotations, error) { return nil, nil }
func (c *fakeConnector) ResourceSyncers(context.Context) []ResourceSyncer          { return c.syncers }

func newConnector() (*fakeConnector, *provSyncer) {
	group := &provSyncer{fakeSyncer{rt: &v2.ResourceType{Id: "group"}}}
	return &fakeConnector{syncers: []ResourceSyncer{
		&fakeSyncer{rt: &v2.ResourceType{Id: "user", Annotations: annotations.New(&v2.SkipEntitlementsAndGrants{})}},
		group,
		&targetedSyncer{provSyncer{fakeSyncer{rt: &v2.ResourceType{Id: "role", Annotations: annotations.New(&v2.OptInRequired{})}}}},
	}}, group
}

func TestCapabilitiesSortedWithFlags(t *testing.T) {
	t.Parallel()
	c, _ := newConnector()
	md, err := FullMetadata(t.Context(), c)
	require.NoError(t, err)
	caps := md.GetCapabilities()
	var ids []string
	for _, rc := range caps.GetResourceTypeCapabilities() {
		ids = append(ids, rc.GetResourceType().GetId())
		require.NotNil(t, rc.GetPermissions(), "permissions is always present")
	}
	require.Equal(t, []string{"group", "role", "user"}, ids)
	require.Equal(t, []v2.Capability{v2.Capability_CAPABILITY_SYNC, v2.Capability_CAPABILITY_PROVISION},
		caps.GetResourceTypeCapabilities()[0].GetCapabilities())
	role := caps.GetResourceTypeCapabilities()[1]
	require.Equal(t, []v2.Capability{v2.Capability_CAPABILITY_SYNC, v2.Capability_CAPABILITY_TARGETED_SYNC, v2.Capability_CAPABILITY_PROVISION}, role.GetCapabilities())
	require.True(t, role.GetOptInRequired())
	require.Equal(t, []v2.Capability{
		v2.Capability_CAPABILITY_PROVISION, v2.Capability_CAPABILITY_SYNC,
		v2.Capability_CAPABILITY_TARGETED_SYNC, v2.Capability_CAPABILITY_SERVICE_MODE_TARGETED_SYNC,
	}, caps.GetConnectorCapabilities())
	require.NotNil(t, caps.GetCredentialDetails())
}

func TestGrantDispatchesByEntitlementResourceType(t *testing.T) {
	t.Parallel()
	c, group := newConnector()
	ent := &v2.Entitlement{Id: "group:g1:member", Resource: &v2.Resource{Id: &v2.ResourceId{ResourceType: "group", Resource: "g1"}}}
	principal := &v2.Resource{Id: &v2.ResourceId{ResourceType: "user", Resource: "u1"}}
	grants, _, err := Grant(t.Context(), c, principal, ent)
	require.NoError(t, err)
	require.Len(t, grants, 1)
	require.Equal(t, []string{"group:g1:member->u1"}, group.granted)

	userEnt := &v2.Entitlement{Id: "user:u1:x", Resource: &v2.Resource{Id: &v2.ResourceId{ResourceType: "user", Resource: "u1"}}}
	_, _, err = Grant(t.Context(), c, principal, userEnt)
	require.ErrorIs(t, err, ErrNotProvisionable)

	unknown := &v2.Entitlement{Id: "x:1:y", Resource: &v2.Resource{Id: &v2.ResourceId{ResourceType: "x", Resource: "1"}}}
	_, _, err = Grant(t.Context(), c, principal, unknown)
	require.ErrorContains(t, err, `unknown resource type "x"`)

	anns, err := Revoke(t.Context(), c, &v2.Grant{Entitlement: ent, Principal: principal})
	require.NoError(t, err)
	require.True(t, anns.Contains(&v2.GrantAlreadyRevoked{}))

	_, err = Revoke(t.Context(), c, &v2.Grant{Entitlement: ent})
	require.ErrorContains(t, err, "no principal")
}

type retryErr struct{ d time.Duration }

func (e retryErr) Error() string             { return "slow down" }
func (e retryErr) RetryAfter() time.Duration { return e.d }
func (e retryErr) Temporary() bool           { return true }

type timeoutErr struct{}

func (timeoutErr) Error() string { return "timeout" }
func (timeoutErr) Timeout() bool { return true }

func TestErrorClassification(t *testing.T) {
	t.Parallel()
	d, ok := RetryAfter(fmt.Errorf("list: %w", retryErr{3 * time.Second}))
	require.True(t, ok)
	require.Equal(t, 3*time.Second, d)
	_, ok = RetryAfter(errors.New("x"))
	require.False(t, ok)

	require.True(t, IsTransient(fmt.Errorf("wrap: %w", retryErr{})))
	require.True(t, IsTransient(timeoutErr{}))
	require.False(t, IsTransient(errors.New("permanent")))
	require.False(t, IsTransient(context.Canceled))
	require.False(t, IsTransient(nil))
}
