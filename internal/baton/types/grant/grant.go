// Package grant builds c1.connector.v2 Grant messages with upstream ids
// ("<entitlement id>:<principal resource_type>:<principal resource>").
package grant

import (
	"google.golang.org/protobuf/proto"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
	"github.com/baton-confluence/baton-confluence/internal/baton/types/entitlement"
)

// Option changes a grant under construction.
type Option func(*v2.Grant)

// ID is the id of the grant of entitlement entID to principal.
func ID(entID string, principal *v2.ResourceId) string {
	return entID + ":" + principal.GetResourceType() + ":" + principal.GetResource()
}

// New builds the grant of the entitlement slug on resource to principal. As upstream, the
// embedded entitlement carries only the resource and id, and the principal only its id.
func New(resource *v2.Resource, slug string, principal *v2.ResourceId, opts ...Option) *v2.Grant {
	entID := entitlement.ID(resource.GetId(), slug)
	g := &v2.Grant{
		Entitlement: &v2.Entitlement{Resource: resource, Id: entID},
		Principal:   &v2.Resource{Id: principal},
		Id:          ID(entID, principal),
	}
	for _, opt := range opts {
		opt(g)
	}
	return g
}

// WithExpandable says that every principal holding one of entitlementIDs also holds this grant's
// entitlement (e.g. a space permission granted to a group expands to the group's members).
func WithExpandable(entitlementIDs ...string) Option {
	return WithAnnotation(&v2.GrantExpandable{EntitlementIds: entitlementIDs})
}

// WithAnnotation appends annotations.
func WithAnnotation(msgs ...proto.Message) Option {
	return func(g *v2.Grant) {
		a := annotations.Annotations(g.GetAnnotations())
		for _, m := range msgs {
			a.Append(m)
		}
		g.Annotations = a
	}
}
