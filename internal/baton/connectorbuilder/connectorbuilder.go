package connectorbuilder

import (
	"context"
	"errors"
	"time"

	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
)

// Connector is what every connector implements.
type Connector interface {
	// Metadata describes the connector (display name, description, annotations such as an
	// ExternalLink). Capabilities are filled in by [FullMetadata], not by the connector.
	Metadata(ctx context.Context) (*v2.ConnectorMetadata, error)
	// Validate checks configuration and credentials with the cheapest call that proves them.
	Validate(ctx context.Context) (annotations.Annotations, error)
	// ResourceSyncers returns one syncer per resource type, in a stable order.
	ResourceSyncers(ctx context.Context) []ResourceSyncer
}

// ResourceSyncer lists the resources of one type, their entitlements and their grants, one page
// per call. See the package documentation for the paging and concurrency rules.
type ResourceSyncer interface {
	// ResourceType is the type this syncer serves; it must return the same value on every call.
	ResourceType(ctx context.Context) *v2.ResourceType
	// List returns one page of resources. parent is nil for top-level resources and the parent's
	// id for child types (see ChildResourceType).
	List(ctx context.Context, parent *v2.ResourceId, pageToken string) ([]*v2.Resource, string, annotations.Annotations, error)
	// Entitlements returns one page of the entitlements on resource.
	Entitlements(ctx context.Context, resource *v2.Resource, pageToken string) ([]*v2.Entitlement, string, annotations.Annotations, error)
	// Grants returns one page of the grants on resource.
	Grants(ctx context.Context, resource *v2.Resource, pageToken string) ([]*v2.Grant, string, annotations.Annotations, error)
}

// StaticEntitlementer is implemented by a ResourceSyncer whose resources all share entitlement
// templates. Each template is built with a nil resource (id "::<slug>"); the engine materializes
// it for every stored resource of the type: id "<type>:<resource>:<slug>", the stored resource
// embedded, display name and description falling back to the resource's when empty.
type StaticEntitlementer interface {
	StaticEntitlements(ctx context.Context, pageToken string) ([]*v2.Entitlement, string, annotations.Annotations, error)
}

// Provisioner is implemented by a ResourceSyncer whose entitlements can be granted and revoked.
// The syncer is chosen by the resource type of the entitlement's resource.
//
// Grant gives principal the entitlement and returns the resulting grants. Revoke removes grant.
// Both must be idempotent: a grant that already exists is a success annotated with
// GrantAlreadyExists, a revoke of an absent grant a success annotated with GrantAlreadyRevoked.
type Provisioner interface {
	Grant(ctx context.Context, principal *v2.Resource, entitlement *v2.Entitlement) ([]*v2.Grant, annotations.Annotations, error)
	Revoke(ctx context.Context, grant *v2.Grant) (annotations.Annotations, error)
}

// TargetedGetter is implemented by a ResourceSyncer that can fetch one resource by id.
type TargetedGetter interface {
	Get(ctx context.Context, id *v2.ResourceId, parent *v2.ResourceId) (*v2.Resource, annotations.Annotations, error)
}

// RetryAfter reports whether err (or an error it wraps) asks to be retried after a delay.
func RetryAfter(err error) (time.Duration, bool) {
	var ra interface{ RetryAfter() time.Duration }
	if errors.As(err, &ra) {
		return ra.RetryAfter(), true
	}
	return 0, false
}

// IsTransient reports whether err (or an error it wraps) is temporary or a timeout, i.e. worth
// retrying with backoff. Context cancellation is never transient.
func IsTransient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var tmp interface{ Temporary() bool }
	if errors.As(err, &tmp) && tmp.Temporary() {
		return true
	}
	var to interface{ Timeout() bool }
	return errors.As(err, &to) && to.Timeout()
}
