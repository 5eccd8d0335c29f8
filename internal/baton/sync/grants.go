package sync

import (
	"context"
	"fmt"
	"slices"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	"github.com/baton-confluence/baton-confluence/internal/baton/logging"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// syncGrants lists the grants of every stored resource whose type and own annotations allow
// it, resources in parallel, dropping grants whose principal the sync did not store.
func (e *engine) syncGrants(ctx context.Context) error {
	typeOK := func(ti *typeInfo) bool { return !ti.skipAll }
	total, err := e.resourceTotal(ctx, typeOK)
	if err != nil {
		return err
	}
	m := e.newMeter(phaseGrants, total)
	_, _, err = e.runUnits(ctx, phaseRun{
		meter: m,
		enumerate: e.enumResources(m, typeOK, func(_ *typeInfo, r *v2.Resource) bool {
			_, skip := resourceSkips(r)
			return !skip
		}),
		work: func(ctx context.Context, u *unit) error {
			return e.listGrants(ctx, m, u, e.trk.resumeToken(u), func(n string) { e.trk.advance(u, n) })
		},
	})
	if err != nil {
		return err
	}
	m.finish(ctx)
	return nil
}

// listGrants lists the grants of one resource from token to the end and stores them.
func (e *engine) listGrants(ctx context.Context, m *meter, u *unit, token string, save func(string)) error {
	info := e.types[u.t]
	desc := "list grants for " + info.rt.GetId() + " " + u.res.GetId().GetResource()
	return e.pages(ctx, desc, token, save, func(ctx context.Context, token string) (string, error) {
		var gs []*v2.Grant
		var next string
		err := e.retry(ctx, desc, func(ctx context.Context) error {
			var err error
			gs, next, _, err = info.syncer.Grants(ctx, u.res, token)
			return err
		})
		if err != nil {
			return "", err
		}
		kept, err := e.filterGrants(ctx, gs)
		if err != nil {
			return "", err
		}
		if err := e.store.PutGrants(ctx, e.syncID, kept...); err != nil {
			return "", fmt.Errorf("store grants: %w", err)
		}
		m.add(ctx, u.t, len(kept))
		return next, nil
	})
}

// filterGrants applies the full-sync rules of spec §4.2 to one page: grants whose entitlement
// or principal resource type is not part of the sync, or whose principal was not stored, are
// dropped (and counted); GrantExpandable type filters lose the types the sync does not hold.
// Partial syncs keep every grant: their principals live in the parent sync.
func (e *engine) filterGrants(ctx context.Context, gs []*v2.Grant) ([]*v2.Grant, error) {
	ids := make([]*v2.ResourceId, 0, len(gs))
	for _, g := range gs {
		p := g.GetPrincipal().GetId()
		if p.GetResource() == "" || p.GetResourceType() == "" {
			return nil, fmt.Errorf("grant %q has no principal id", g.GetId())
		}
		if g.GetId() == "" || g.GetEntitlement().GetId() == "" {
			return nil, fmt.Errorf("grant %q of %s:%s has an empty id or entitlement id", g.GetId(), p.GetResourceType(), p.GetResource())
		}
		ids = append(ids, p)
	}
	if e.opts.SyncType == TypePartial || len(gs) == 0 {
		return gs, nil
	}
	known, err := e.store.HasResources(ctx, e.syncID, ids)
	if err != nil {
		return nil, fmt.Errorf("look up grant principals: %w", err)
	}
	kept := gs[:0:0]
	dropped := map[string]int64{}
	for _, g := range gs {
		p := g.GetPrincipal().GetId()
		_, entOK := e.typeIdx[g.GetEntitlement().GetResource().GetId().GetResourceType()]
		if !known[p.GetResourceType()+":"+p.GetResource()] || !entOK {
			if !entOK {
				logging.From(ctx).Debug("dropping grant on an entitlement whose resource type is not synced", zap.String("grant", g.GetId()))
			}
			dropped[p.GetResourceType()]++
			continue
		}
		kept = append(kept, e.trimExpandable(g))
	}
	if len(dropped) > 0 {
		e.mu.Lock()
		for k, v := range dropped {
			e.st.Dropped[k] += v
		}
		e.mu.Unlock()
	}
	return kept, nil
}

// trimExpandable removes from g's GrantExpandable the resource types the sync does not hold;
// if it named types and none remain, the annotation goes (spec §4.2).
func (e *engine) trimExpandable(g *v2.Grant) *v2.Grant {
	a := annotations.Annotations(g.GetAnnotations())
	var ge v2.GrantExpandable
	if ok, err := a.Pick(&ge); err != nil || !ok || len(ge.GetResourceTypeIds()) == 0 {
		return g
	}
	keep := slices.DeleteFunc(slices.Clone(ge.GetResourceTypeIds()), func(id string) bool {
		_, ok := e.typeIdx[id]
		return !ok
	})
	if len(keep) == len(ge.GetResourceTypeIds()) {
		return g
	}
	c := proto.CloneOf(g)
	ca := annotations.Annotations(c.GetAnnotations())
	if len(keep) == 0 {
		c.Annotations = ca.Without(&ge)
		return c
	}
	ge.ResourceTypeIds = keep
	ca.Update(&ge)
	c.Annotations = ca
	return c
}
