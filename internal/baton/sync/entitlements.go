package sync

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	"github.com/baton-confluence/baton-confluence/internal/baton/connectorbuilder"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// syncStaticEntitlements materializes the entitlement templates of every type whose syncer
// has them, for every stored resource of the type (spec §5.4). Types run in parallel; a type
// interrupted by a restart is redone (its writes are upserts).
func (e *engine) syncStaticEntitlements(ctx context.Context) error {
	var static int64
	for _, ti := range e.types {
		if _, ok := ti.syncer.(connectorbuilder.StaticEntitlementer); ok {
			static++
		}
	}
	m := e.newMeter(phaseStaticEntitlements, static)
	_, _, err := e.runUnits(ctx, phaseRun{
		meter: m,
		enumerate: func(ctx context.Context, from scanPos, yield func(*unit) error, passed func(int)) (scanPos, error) {
			for t := from.T; t < len(e.types); t++ {
				if _, ok := e.types[t].syncer.(connectorbuilder.StaticEntitlementer); ok {
					if err := yield(&unit{key: e.types[t].rt.GetId(), t: t, pos: scanPos{T: t + 1}}); err != nil {
						return scanPos{T: t}, err
					}
				}
				passed(t)
			}
			return scanPos{T: len(e.types)}, nil
		},
		work: func(ctx context.Context, u *unit) error { return e.materializeType(ctx, m, u) },
	})
	if err != nil {
		return err
	}
	m.finish(ctx)
	return nil
}

// staticTemplates fetches every entitlement template of type info.
func (e *engine) staticTemplates(ctx context.Context, info *typeInfo) ([]*v2.Entitlement, error) {
	se := info.syncer.(connectorbuilder.StaticEntitlementer)
	desc := "list static entitlements for " + info.rt.GetId()
	var all []*v2.Entitlement
	err := e.pages(ctx, desc, "", func(string) {}, func(ctx context.Context, token string) (string, error) {
		var page []*v2.Entitlement
		var next string
		err := e.retry(ctx, desc, func(ctx context.Context) error {
			var err error
			page, next, _, err = se.StaticEntitlements(ctx, token)
			return err
		})
		all = append(all, page...)
		return next, err
	})
	return all, err
}

// materializeType stores the templates of one type for each of its stored resources.
func (e *engine) materializeType(ctx context.Context, m *meter, u *unit) error {
	info := e.types[u.t]
	tmpls, err := e.staticTemplates(ctx, info)
	if err != nil || len(tmpls) == 0 {
		return err
	}
	var after int64
	for {
		rs, next, err := e.store.ResourcesPage(ctx, e.syncID, info.rt.GetId(), after, resourcePageSize)
		if err != nil {
			return fmt.Errorf("read stored %s resources: %w", info.rt.GetId(), err)
		}
		ents := make([]*v2.Entitlement, 0, len(rs)*len(tmpls))
		for _, r := range rs {
			for _, t := range tmpls {
				ents = append(ents, materialize(t, r))
			}
		}
		if err := e.store.PutEntitlements(ctx, e.syncID, ents...); err != nil {
			return fmt.Errorf("store static entitlements for %s: %w", info.rt.GetId(), err)
		}
		m.add(ctx, u.t, len(ents))
		if next == 0 {
			return nil
		}
		after = next
	}
}

// materialize turns template t into the entitlement of resource r (spec §5.4).
func materialize(t *v2.Entitlement, r *v2.Resource) *v2.Entitlement {
	e := &v2.Entitlement{
		Resource:    r,
		Id:          r.GetId().GetResourceType() + ":" + r.GetId().GetResource() + ":" + t.GetSlug(),
		DisplayName: t.GetDisplayName(),
		Description: t.GetDescription(),
		GrantableTo: t.GetGrantableTo(),
		Purpose:     t.GetPurpose(),
		Slug:        t.GetSlug(),
	}
	if e.DisplayName == "" {
		e.DisplayName = r.GetDisplayName()
	}
	if e.Description == "" {
		e.Description = r.GetDescription()
	}
	for _, a := range t.GetAnnotations() {
		var g v2.EntitlementExclusionGroup
		if ok, err := (annotations.Annotations{a}).Pick(&g); err == nil && ok && g.GetScopeToResource() {
			g.ExclusionGroupId += "-" + r.GetId().GetResource()
			scoped := annotations.New(&g)
			e.Annotations = append(e.Annotations, scoped...)
			continue
		}
		e.Annotations = append(e.Annotations, proto.CloneOf(a))
	}
	return e
}

// syncEntitlements lists the entitlements of every stored resource whose type and own
// annotations allow it, resources in parallel.
func (e *engine) syncEntitlements(ctx context.Context) error {
	typeOK := func(ti *typeInfo) bool { return !ti.skipEnts }
	total, err := e.resourceTotal(ctx, typeOK)
	if err != nil {
		return err
	}
	m := e.newMeter(phaseEntitlements, total)
	_, _, err = e.runUnits(ctx, phaseRun{
		meter: m,
		enumerate: e.enumResources(m, typeOK, func(_ *typeInfo, r *v2.Resource) bool {
			skip, _ := resourceSkips(r)
			return !skip
		}),
		work: func(ctx context.Context, u *unit) error {
			return e.listEntitlements(ctx, m, u, e.trk.resumeToken(u), func(n string) { e.trk.advance(u, n) })
		},
	})
	if err != nil {
		return err
	}
	m.finish(ctx)
	return nil
}

// listEntitlements lists the entitlements of one resource from token to the end and stores them.
func (e *engine) listEntitlements(ctx context.Context, m *meter, u *unit, token string, save func(string)) error {
	info := e.types[u.t]
	desc := "list entitlements for " + info.rt.GetId() + " " + u.res.GetId().GetResource()
	return e.pages(ctx, desc, token, save, func(ctx context.Context, token string) (string, error) {
		var ents []*v2.Entitlement
		var next string
		err := e.retry(ctx, desc, func(ctx context.Context) error {
			var err error
			ents, next, _, err = info.syncer.Entitlements(ctx, u.res, token)
			return err
		})
		if err != nil {
			return "", err
		}
		for _, en := range ents {
			if en.GetId() == "" {
				return "", fmt.Errorf("entitlement %q has an empty id", en.GetDisplayName())
			}
		}
		if err := e.store.PutEntitlements(ctx, e.syncID, ents...); err != nil {
			return "", fmt.Errorf("store entitlements: %w", err)
		}
		m.add(ctx, u.t, len(ents))
		return next, nil
	})
}
