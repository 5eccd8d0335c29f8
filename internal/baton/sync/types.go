package sync

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	"github.com/baton-confluence/baton-confluence/internal/baton/connectorbuilder"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// typeInfo is a stored resource type with what the engine derives from it.
type typeInfo struct {
	rt     *v2.ResourceType
	syncer connectorbuilder.ResourceSyncer
	// skipEnts: no Entitlements calls; skipAll: no Entitlements or Grants calls.
	skipEnts, skipAll bool
	// traits are the annotations every resource of the type must carry.
	traits []traitRule
}

// traitRule is one trait a resource type implies.
type traitRule struct {
	trait v2.ResourceType_Trait
	msg   proto.Message
}

// traitMessages maps a type trait to the annotation its resources must carry. Traits without an
// annotation message in this SDK layer (secret, vendor, ...) are not checked.
var traitMessages = map[v2.ResourceType_Trait]func() proto.Message{
	v2.ResourceType_TRAIT_USER:          func() proto.Message { return &v2.UserTrait{} },
	v2.ResourceType_TRAIT_GROUP:         func() proto.Message { return &v2.GroupTrait{} },
	v2.ResourceType_TRAIT_ROLE:          func() proto.Message { return &v2.RoleTrait{} },
	v2.ResourceType_TRAIT_APP:           func() proto.Message { return &v2.AppTrait{} },
	v2.ResourceType_TRAIT_SCOPE_BINDING: func() proto.Message { return &v2.ScopeBindingTrait{} },
}

// newTypeInfo derives the engine's view of a resource type.
func newTypeInfo(rt *v2.ResourceType, s connectorbuilder.ResourceSyncer) *typeInfo {
	a := annotations.Annotations(rt.GetAnnotations())
	ti := &typeInfo{
		rt:      rt,
		syncer:  s,
		skipAll: a.Contains(&v2.SkipEntitlementsAndGrants{}),
	}
	ti.skipEnts = ti.skipAll || a.Contains(&v2.SkipEntitlements{})
	for _, t := range rt.GetTraits() {
		if mk, ok := traitMessages[t]; ok {
			ti.traits = append(ti.traits, traitRule{trait: t, msg: mk()})
		}
	}
	return ti
}

// loadTypes reads the stored resource types (the order every later phase follows) and pairs
// them with their syncers.
func (e *engine) loadTypes(ctx context.Context) error {
	rts, err := e.store.ResourceTypes(ctx, e.syncID)
	if err != nil {
		return fmt.Errorf("read stored resource types: %w", err)
	}
	e.types, e.typeIdx = make([]*typeInfo, 0, len(rts)), make(map[string]int, len(rts))
	for _, rt := range rts {
		s, ok := e.byType[rt.GetId()]
		if !ok {
			return fmt.Errorf("resource type %q was stored by this sync but the connector has no syncer for it", rt.GetId())
		}
		e.typeIdx[rt.GetId()] = len(e.types)
		e.types = append(e.types, newTypeInfo(rt, s))
	}
	return nil
}

// syncResourceTypes stores the resource type of every wanted syncer, in connector order.
func (e *engine) syncResourceTypes(ctx context.Context) error {
	m := e.newMeter(phaseResourceTypes, int64(len(e.syncers)))
	rts := make([]*v2.ResourceType, 0, len(e.syncers))
	for _, s := range e.syncers {
		rts = append(rts, s.ResourceType(ctx))
	}
	if err := e.store.PutResourceTypes(ctx, e.syncID, rts...); err != nil {
		return fmt.Errorf("store resource types: %w", err)
	}
	m.add(ctx, -1, len(rts))
	m.finish(ctx)
	return e.loadTypes(ctx)
}

// checkResource verifies a resource listed for type ti: id present, of that type, carrying the
// annotations its type's traits imply.
func (e *engine) checkResource(ti *typeInfo, r *v2.Resource) error {
	id := r.GetId()
	if id.GetResource() == "" || id.GetResourceType() == "" {
		return fmt.Errorf("resource %q (%q) has an empty id", r.GetDisplayName(), id.GetResourceType())
	}
	if id.GetResourceType() != ti.rt.GetId() {
		return fmt.Errorf("resource %s:%s listed by the syncer of resource type %s", id.GetResourceType(), id.GetResource(), ti.rt.GetId())
	}
	a := annotations.Annotations(r.GetAnnotations())
	for _, tr := range ti.traits {
		if !a.Contains(tr.msg) {
			return fmt.Errorf("resource %s:%s has no %s annotation, which its type's %s requires",
				id.GetResourceType(), id.GetResource(), tr.msg.ProtoReflect().Descriptor().Name(), tr.trait)
		}
	}
	return nil
}

// resourceSkips reports which calls a stored resource's own annotations stop.
func resourceSkips(r *v2.Resource) (skipEnts, skipGrants bool) {
	a := annotations.Annotations(r.GetAnnotations())
	all := a.Contains(&v2.SkipEntitlementsAndGrants{})
	return all || a.Contains(&v2.SkipEntitlements{}), all || a.Contains(&v2.SkipGrants{})
}

// resourceTotal counts the stored resources of the types include accepts (a phase's units).
func (e *engine) resourceTotal(ctx context.Context, include func(*typeInfo) bool) (int64, error) {
	st, err := e.store.Counts(ctx, e.syncID)
	if err != nil {
		return 0, fmt.Errorf("count stored resources: %w", err)
	}
	var n int64
	for _, ti := range e.types {
		if include(ti) {
			n += st.ResourcesByType[ti.rt.GetId()]
		}
	}
	return n, nil
}
