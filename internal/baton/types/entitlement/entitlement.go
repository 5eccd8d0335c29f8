// Package entitlement builds c1.connector.v2 Entitlement messages with upstream ids
// ("<resource_type>:<resource>:<slug>").
package entitlement

import (
	"google.golang.org/protobuf/proto"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// Option changes an entitlement under construction.
type Option func(*v2.Entitlement)

// ID is the entitlement id for slug on the resource with id rid.
func ID(rid *v2.ResourceId, slug string) string {
	return rid.GetResourceType() + ":" + rid.GetResource() + ":" + slug
}

// New builds an entitlement on resource (embedded in full) with the given slug and purpose.
func New(resource *v2.Resource, slug string, purpose v2.Entitlement_PurposeValue, opts ...Option) *v2.Entitlement {
	e := &v2.Entitlement{
		Resource: resource,
		Id:       ID(resource.GetId(), slug),
		Slug:     slug,
		Purpose:  purpose,
	}
	for _, opt := range opts {
		opt(e)
	}
	return e
}

// NewAssignment builds an assignment entitlement (membership, role binding).
func NewAssignment(resource *v2.Resource, slug string, opts ...Option) *v2.Entitlement {
	return New(resource, slug, v2.Entitlement_PURPOSE_VALUE_ASSIGNMENT, opts...)
}

// NewPermission builds a permission entitlement.
func NewPermission(resource *v2.Resource, slug string, opts ...Option) *v2.Entitlement {
	return New(resource, slug, v2.Entitlement_PURPOSE_VALUE_PERMISSION, opts...)
}

// WithDisplayName sets the display name.
func WithDisplayName(name string) Option {
	return func(e *v2.Entitlement) { e.DisplayName = name }
}

// WithDescription sets the description.
func WithDescription(d string) Option {
	return func(e *v2.Entitlement) { e.Description = d }
}

// WithGrantableTo lists the resource types whose resources may be granted this entitlement.
// The types are embedded in full; a later call replaces an earlier one, as upstream.
func WithGrantableTo(rts ...*v2.ResourceType) Option {
	return func(e *v2.Entitlement) { e.GrantableTo = rts }
}

// WithAnnotation appends annotations.
func WithAnnotation(msgs ...proto.Message) Option {
	return func(e *v2.Entitlement) {
		a := annotations.Annotations(e.GetAnnotations())
		for _, m := range msgs {
			a.Append(m)
		}
		e.Annotations = a
	}
}
