// Package resource builds c1.connector.v2 Resource messages the way connectors are expected to
// store them: traits as annotations, profile and status on the Resource itself, and ids that are
// opaque strings joined with ':' (spec §4.1).
package resource

import (
	"fmt"

	"google.golang.org/protobuf/types/known/structpb"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// Option changes a resource under construction.
type Option func(*v2.Resource) error

// NewID returns the id of a resource of type rt.
func NewID(rt *v2.ResourceType, id string) *v2.ResourceId {
	return &v2.ResourceId{ResourceType: rt.GetId(), Resource: id}
}

// ExternalID is the key readers use to look a resource up: "<resource_type>:<resource>".
func ExternalID(id *v2.ResourceId) string {
	return id.GetResourceType() + ":" + id.GetResource()
}

// New builds a resource of type rt with the given display name and id.
func New(name string, rt *v2.ResourceType, id string, opts ...Option) (*v2.Resource, error) {
	if id == "" {
		return nil, fmt.Errorf("new %s resource %q: empty id", rt.GetId(), name)
	}
	r := &v2.Resource{Id: NewID(rt, id), DisplayName: name}
	for _, opt := range opts {
		if err := opt(r); err != nil {
			return nil, fmt.Errorf("new %s resource %s: %w", rt.GetId(), id, err)
		}
	}
	return r, nil
}

func addAnnotation(r *v2.Resource, update bool, msgs ...annotationMsg) {
	a := annotations.Annotations(r.GetAnnotations())
	for _, m := range msgs {
		if update {
			a.Update(m)
		} else {
			a.Append(m)
		}
	}
	r.Annotations = a
}

// WithParent sets the parent resource id.
func WithParent(parent *v2.ResourceId) Option {
	return func(r *v2.Resource) error {
		r.ParentResourceId = parent
		return nil
	}
}

// WithDescription sets the description.
func WithDescription(d string) Option {
	return func(r *v2.Resource) error {
		r.Description = d
		return nil
	}
}

// WithProfile sets the resource profile. Values must be representable by structpb.NewStruct.
func WithProfile(profile map[string]any) Option {
	return func(r *v2.Resource) error {
		p, err := structpb.NewStruct(profile)
		if err != nil {
			return fmt.Errorf("profile: %w", err)
		}
		r.Profile = p
		return nil
	}
}

// WithStatus sets the resource status.
func WithStatus(s v2.Status_ResourceStatus) Option {
	return func(r *v2.Resource) error {
		r.Status = &v2.Status{Status: s}
		return nil
	}
}

// WithAnnotation appends annotations.
func WithAnnotation(msgs ...annotationMsg) Option {
	return func(r *v2.Resource) error {
		addAnnotation(r, false, msgs...)
		return nil
	}
}

// WithChildResourceType declares that resources of type childTypeID are listed under this resource.
func WithChildResourceType(childTypeID string) Option {
	return WithAnnotation(&v2.ChildResourceType{ResourceTypeId: childTypeID})
}

// WithGroupTrait marks the resource as a group.
func WithGroupTrait() Option {
	return func(r *v2.Resource) error {
		addAnnotation(r, true, &v2.GroupTrait{})
		return nil
	}
}

// WithRoleTrait marks the resource as a role.
func WithRoleTrait() Option {
	return func(r *v2.Resource) error {
		addAnnotation(r, true, &v2.RoleTrait{})
		return nil
	}
}

// WithScopeBindingTrait marks the resource as the binding of role to scope.
func WithScopeBindingTrait(role, scope *v2.ResourceId) Option {
	return func(r *v2.Resource) error {
		addAnnotation(r, true, &v2.ScopeBindingTrait{RoleId: role, ScopeResourceId: scope})
		return nil
	}
}
