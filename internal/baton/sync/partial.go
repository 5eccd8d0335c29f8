package sync

import (
	"context"
	"fmt"

	"go.uber.org/zap"

	"github.com/baton-confluence/baton-confluence/internal/baton/connectorbuilder"
	"github.com/baton-confluence/baton-confluence/internal/baton/logging"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// runPartial performs a targeted sync (--sync-resources): a new partial sync whose parent is
// the latest finished full sync, holding the resource types and, for each target, the
// resource fetched with TargetedGetter.Get, its entitlements and its grants. Targets whose
// syncer cannot fetch one resource are logged and skipped, as the SDK does. A partial sync is
// never resumed and never expanded.
func (e *engine) runPartial(ctx context.Context) error {
	parentID, err := e.parentForPartial(ctx)
	if err != nil {
		return fmt.Errorf("look up the latest full sync: %w", err)
	}
	run, err := e.store.StartSync(ctx, TypePartial, parentID)
	if err != nil {
		return fmt.Errorf("start partial sync: %w", err)
	}
	e.syncID, e.st = run.ID, newState(e.opts.fingerprint())
	logging.From(ctx).Info("starting partial sync", zap.String("sync_id", run.ID), zap.String("parent_sync_id", parentID))
	if err := e.syncResourceTypes(ctx); err != nil {
		return err
	}
	if err := e.enterPhase(ctx, phaseResources); err != nil {
		return err
	}
	m := e.newMeter(phaseResources, int64(len(e.opts.TargetedResources)))
	_, _, err = e.runUnits(ctx, phaseRun{
		meter: m,
		enumerate: func(ctx context.Context, from scanPos, yield func(*unit) error, _ func(int)) (scanPos, error) {
			for i, id := range e.opts.TargetedResources[from.T:] {
				ti, ok := e.typeIdx[id.GetResourceType()]
				if !ok {
					return from, fmt.Errorf("targeted resource %s:%s: resource type %q is not part of the sync",
						id.GetResourceType(), id.GetResource(), id.GetResourceType())
				}
				u := &unit{key: id.GetResourceType() + ":" + id.GetResource(), t: ti, pos: scanPos{T: from.T + i + 1}}
				if err := yield(u); err != nil {
					return from, err
				}
			}
			return scanPos{T: len(e.opts.TargetedResources)}, nil
		},
		work: func(ctx context.Context, u *unit) error { return e.syncTarget(ctx, m, u) },
	})
	if err != nil {
		return err
	}
	m.finish(ctx)
	e.st.Phase = phaseDone
	return e.end(ctx)
}

// syncTarget fetches one targeted resource and stores it with its entitlements and grants.
func (e *engine) syncTarget(ctx context.Context, m *meter, u *unit) error {
	info := e.types[u.t]
	id := e.opts.TargetedResources[u.pos.T-1]
	getter, ok := info.syncer.(connectorbuilder.TargetedGetter)
	if !ok {
		logging.From(ctx).Warn("resource type does not support targeted sync; skipping resource",
			zap.String("resource_type", info.rt.GetId()), zap.String("resource", id.GetResource()))
		return nil
	}
	desc := "get " + info.rt.GetId() + " " + id.GetResource()
	var r *v2.Resource
	err := e.retry(ctx, desc, func(ctx context.Context) error {
		var err error
		r, _, err = getter.Get(ctx, id, nil)
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: %w", desc, err)
	}
	if err := e.checkResource(info, r); err != nil {
		return fmt.Errorf("%s: %w", desc, err)
	}
	if err := e.store.PutResources(ctx, e.syncID, r); err != nil {
		return fmt.Errorf("%s: store resource: %w", desc, err)
	}
	m.add(ctx, u.t, 1)
	u.res = r
	return e.syncTargetAccess(ctx, m, info, u)
}

// syncTargetAccess stores the static entitlements, entitlements and grants of a target.
func (e *engine) syncTargetAccess(ctx context.Context, m *meter, info *typeInfo, u *unit) error {
	skipEnts, skipGrants := resourceSkips(u.res)
	if _, ok := info.syncer.(connectorbuilder.StaticEntitlementer); ok && !e.opts.SkipEntitlementsAndGrants {
		tmpls, err := e.staticTemplates(ctx, info)
		if err != nil {
			return err
		}
		ents := make([]*v2.Entitlement, 0, len(tmpls))
		for _, t := range tmpls {
			ents = append(ents, materialize(t, u.res))
		}
		if err := e.store.PutEntitlements(ctx, e.syncID, ents...); err != nil {
			return fmt.Errorf("store static entitlements for %s: %w", u.key, err)
		}
	}
	if !info.skipEnts && !skipEnts && !e.opts.SkipEntitlementsAndGrants {
		if err := e.listEntitlements(ctx, m, u, "", func(string) {}); err != nil {
			return err
		}
	}
	if info.skipAll || skipGrants || e.opts.SkipEntitlementsAndGrants || e.opts.SkipGrants {
		return nil
	}
	return e.listGrants(ctx, m, u, "", func(string) {})
}
