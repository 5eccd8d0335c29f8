package connectorbuilder

import (
	"context"
	"errors"
	"fmt"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// ErrNotProvisionable is returned when no syncer can grant or revoke the requested entitlement.
var ErrNotProvisionable = errors.New("resource type does not support provisioning")

// provisionerFor finds the Provisioner serving the resource type of the entitlement's resource.
func provisionerFor(ctx context.Context, c Connector, ent *v2.Entitlement) (Provisioner, error) {
	rt := ent.GetResource().GetId().GetResourceType()
	if rt == "" {
		return nil, fmt.Errorf("entitlement %q has no resource", ent.GetId())
	}
	for _, s := range c.ResourceSyncers(ctx) {
		if s.ResourceType(ctx).GetId() != rt {
			continue
		}
		if p, ok := s.(Provisioner); ok {
			return p, nil
		}
		return nil, fmt.Errorf("%s: %w", rt, ErrNotProvisionable)
	}
	return nil, fmt.Errorf("unknown resource type %q", rt)
}

// Grant gives principal the entitlement through the syncer of the entitlement's resource type.
func Grant(ctx context.Context, c Connector, principal *v2.Resource, ent *v2.Entitlement) ([]*v2.Grant, annotations.Annotations, error) {
	if principal.GetId().GetResource() == "" || principal.GetId().GetResourceType() == "" {
		return nil, nil, errors.New("grant: principal has no id")
	}
	p, err := provisionerFor(ctx, c, ent)
	if err != nil {
		return nil, nil, fmt.Errorf("grant %s: %w", ent.GetId(), err)
	}
	return p.Grant(ctx, principal, ent)
}

// Revoke removes grant through the syncer of its entitlement's resource type.
func Revoke(ctx context.Context, c Connector, grant *v2.Grant) (annotations.Annotations, error) {
	if grant.GetPrincipal().GetId().GetResource() == "" {
		return nil, fmt.Errorf("revoke %s: grant has no principal", grant.GetId())
	}
	p, err := provisionerFor(ctx, c, grant.GetEntitlement())
	if err != nil {
		return nil, fmt.Errorf("revoke %s: %w", grant.GetId(), err)
	}
	return p.Revoke(ctx, grant)
}
