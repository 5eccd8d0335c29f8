package connectorbuilder

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// Capabilities derives what the connector advertises: one entry per resource syncer sorted by
// resource type id, each with SYNC, then TARGETED_SYNC (TargetedGetter), then PROVISION
// (Provisioner); an always-present permissions message; opt-in, anomaly-detection and deprecation
// flags mirrored from the type's marker annotations; and the connector-wide union sorted by enum
// number.
func Capabilities(ctx context.Context, c Connector) (*v2.ConnectorCapabilities, error) {
	syncers := c.ResourceSyncers(ctx)
	out := &v2.ConnectorCapabilities{CredentialDetails: &v2.CredentialDetails{}}
	union := map[v2.Capability]bool{}
	seen := map[string]bool{}
	for _, s := range syncers {
		rt := s.ResourceType(ctx)
		if seen[rt.GetId()] {
			return nil, fmt.Errorf("capabilities: two syncers for resource type %q", rt.GetId())
		}
		seen[rt.GetId()] = true
		caps := []v2.Capability{v2.Capability_CAPABILITY_SYNC}
		if _, ok := s.(TargetedGetter); ok {
			caps = append(caps, v2.Capability_CAPABILITY_TARGETED_SYNC)
			union[v2.Capability_CAPABILITY_SERVICE_MODE_TARGETED_SYNC] = true
		}
		if _, ok := s.(Provisioner); ok {
			caps = append(caps, v2.Capability_CAPABILITY_PROVISION)
		}
		for _, c := range caps {
			union[c] = true
		}
		anns := annotations.Annotations(rt.GetAnnotations())
		perms := &v2.CapabilityPermissions{}
		if _, err := anns.Pick(perms); err != nil {
			return nil, fmt.Errorf("capabilities: %s permissions annotation: %w", rt.GetId(), err)
		}
		out.ResourceTypeCapabilities = append(out.ResourceTypeCapabilities, &v2.ResourceTypeCapability{
			ResourceType:             rt,
			Capabilities:             caps,
			Permissions:              perms,
			OptInRequired:            anns.Contains(&v2.OptInRequired{}),
			SkipSyncAnomalyDetection: anns.Contains(&v2.SkipSyncAnomalyDetection{}),
			Deprecated:               anns.Contains(&v2.Deprecated{}),
		})
	}
	slices.SortFunc(out.ResourceTypeCapabilities, func(a, b *v2.ResourceTypeCapability) int {
		return strings.Compare(a.GetResourceType().GetId(), b.GetResourceType().GetId())
	})
	for c := range union {
		out.ConnectorCapabilities = append(out.ConnectorCapabilities, c)
	}
	slices.Sort(out.ConnectorCapabilities)
	return out, nil
}

// FullMetadata is the connector's metadata with its capabilities filled in, as sent to
// ConductorOne in Hello.
func FullMetadata(ctx context.Context, c Connector) (*v2.ConnectorMetadata, error) {
	md, err := c.Metadata(ctx)
	if err != nil {
		return nil, fmt.Errorf("connector metadata: %w", err)
	}
	caps, err := Capabilities(ctx, c)
	if err != nil {
		return nil, err
	}
	md.Capabilities = caps
	return md, nil
}
