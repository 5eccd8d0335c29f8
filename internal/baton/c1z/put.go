package c1z

import (
	"context"
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// marshal is deterministic proto encoding (map entries sorted), as the SDK writes.
var marshal = proto.MarshalOptions{Deterministic: true}

var grantExpandableURL = "type.googleapis.com/" + string((&v2.GrantExpandable{}).ProtoReflect().Descriptor().FullName())

// ResourceKey is a resource's v1_resources.external_id: "<resource_type>:<resource>".
func ResourceKey(id *v2.ResourceId) string {
	return id.GetResourceType() + ":" + id.GetResource()
}

// PutResourceTypes upserts resource types (by id) into a sync.
func (s *Store) PutResourceTypes(ctx context.Context, syncID string, rts ...*v2.ResourceType) error {
	now := formatTime(s.now())
	err := s.put(ctx, upsertResourceTypes, len(rts), func(i int) ([]any, error) {
		rt := rts[i]
		if rt.GetId() == "" {
			return nil, fmt.Errorf("resource type %d has no id", i)
		}
		data, err := marshal.Marshal(rt)
		if err != nil {
			return nil, fmt.Errorf("encode resource type %s: %w", rt.GetId(), err)
		}
		return []any{rt.GetId(), data, syncID, now}, nil
	})
	if err != nil {
		return fmt.Errorf("put resource types: %w", err)
	}
	return nil
}

// PutResources upserts resources (by "<type>:<id>") into a sync. The parent columns are NULL
// for a resource without a parent.
func (s *Store) PutResources(ctx context.Context, syncID string, rs ...*v2.Resource) error {
	now := formatTime(s.now())
	err := s.put(ctx, upsertResources, len(rs), func(i int) ([]any, error) {
		r := rs[i]
		if r.GetId() == nil {
			return nil, fmt.Errorf("resource %d has no id", i)
		}
		data, err := marshal.Marshal(r)
		if err != nil {
			return nil, fmt.Errorf("encode resource %s: %w", ResourceKey(r.GetId()), err)
		}
		var parentType, parentID any
		if p := r.GetParentResourceId(); p != nil {
			parentType, parentID = p.GetResourceType(), p.GetResource()
		}
		return []any{r.GetId().GetResourceType(), ResourceKey(r.GetId()), parentType, parentID, data, syncID, now}, nil
	})
	if err != nil {
		return fmt.Errorf("put resources: %w", err)
	}
	return nil
}

// PutEntitlements upserts entitlements (by id) into a sync.
func (s *Store) PutEntitlements(ctx context.Context, syncID string, es ...*v2.Entitlement) error {
	now := formatTime(s.now())
	err := s.put(ctx, upsertEntitlements, len(es), func(i int) ([]any, error) {
		e := es[i]
		if e.GetId() == "" || e.GetResource().GetId() == nil {
			return nil, fmt.Errorf("entitlement %d (%q) has no id or no resource", i, e.GetId())
		}
		data, err := marshal.Marshal(e)
		if err != nil {
			return nil, fmt.Errorf("encode entitlement %s: %w", e.GetId(), err)
		}
		rid := e.GetResource().GetId()
		return []any{rid.GetResourceType(), rid.GetResource(), e.GetId(), data, syncID, now}, nil
	})
	if err != nil {
		return fmt.Errorf("put entitlements: %w", err)
	}
	return nil
}

// PutGrants upserts grants (by id) into a sync. A GrantExpandable annotation is moved out of
// the stored data into the expansion column (spec §2.6): expansion = its bytes and
// needs_expansion = 1 when it names at least one non-blank entitlement id, otherwise both
// NULL/0. On re-upsert needs_expansion stays as is if the expansion bytes are unchanged, becomes
// 1 if they changed, 0 if they became NULL.
func (s *Store) PutGrants(ctx context.Context, syncID string, gs ...*v2.Grant) error {
	now := formatTime(s.now())
	err := s.put(ctx, upsertGrants, len(gs), func(i int) ([]any, error) {
		g := gs[i]
		if g.GetId() == "" || g.GetEntitlement().GetId() == "" || g.GetPrincipal().GetId() == nil {
			return nil, fmt.Errorf("grant %d (%q) has no id, entitlement id or principal", i, g.GetId())
		}
		data, expansion, err := encodeGrant(g)
		if err != nil {
			return nil, err
		}
		return grantArgs(g, data, expansion, syncID, now), nil
	})
	if err != nil {
		return fmt.Errorf("put grants: %w", err)
	}
	return nil
}

// grantArgs is one row of upsertGrants.
func grantArgs(g *v2.Grant, data, expansion []byte, syncID, now string) []any {
	rid := g.GetEntitlement().GetResource().GetId()
	pid := g.GetPrincipal().GetId()
	var needs int64
	var exp any
	if expansion != nil {
		exp, needs = expansion, 1
	}
	return []any{rid.GetResourceType(), rid.GetResource(), g.GetEntitlement().GetId(),
		pid.GetResourceType(), pid.GetResource(), g.GetId(), exp, needs, data, syncID, now}
}

// encodeGrant returns the stored data of g (without GrantExpandable annotations) and its
// expansion bytes (nil when the grant is not expandable).
func encodeGrant(g *v2.Grant) (data, expansion []byte, err error) {
	first := -1
	for i, a := range g.GetAnnotations() {
		if a.GetTypeUrl() == grantExpandableURL {
			first = i
			break
		}
	}
	if first < 0 {
		data, err = marshal.Marshal(g)
		if err != nil {
			return nil, nil, fmt.Errorf("encode grant %s: %w", g.GetId(), err)
		}
		return data, nil, nil
	}
	ge := &v2.GrantExpandable{}
	if err := g.GetAnnotations()[first].UnmarshalTo(ge); err != nil {
		return nil, nil, fmt.Errorf("decode GrantExpandable of grant %s: %w", g.GetId(), err)
	}
	if hasNonBlank(ge.GetEntitlementIds()) {
		if expansion, err = marshal.Marshal(ge); err != nil {
			return nil, nil, fmt.Errorf("encode GrantExpandable of grant %s: %w", g.GetId(), err)
		}
	}
	stripped := &v2.Grant{
		Entitlement: g.GetEntitlement(),
		Principal:   g.GetPrincipal(),
		Id:          g.GetId(),
		Sources:     g.GetSources(),
		Annotations: withoutType(g.GetAnnotations(), grantExpandableURL),
	}
	stripped.ProtoReflect().SetUnknown(g.ProtoReflect().GetUnknown())
	if data, err = marshal.Marshal(stripped); err != nil {
		return nil, nil, fmt.Errorf("encode grant %s: %w", g.GetId(), err)
	}
	return data, expansion, nil
}

func hasNonBlank(ids []string) bool {
	for _, id := range ids {
		if strings.TrimSpace(id) != "" {
			return true
		}
	}
	return false
}

func withoutType(list []*anypb.Any, url string) []*anypb.Any {
	out := make([]*anypb.Any, 0, len(list))
	for _, a := range list {
		if a.GetTypeUrl() != url {
			out = append(out, a)
		}
	}
	return out
}
