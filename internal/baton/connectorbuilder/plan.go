package connectorbuilder

import "context"

// SyncPlan tells a connector what the sync in progress will ask of it, so that it may start
// work early: a connector told that the grants of every listed resource will be asked for can
// fetch the first ones with capacity the listing leaves idle. It is a hint; a connector must
// answer every call correctly without it.
type SyncPlan struct {
	// ListsGrants: after the resources, the sync asks for the grants of every resource it
	// stored (except those whose type or own annotations skip them).
	ListsGrants bool
	// Lifetime ends when the sync returns, whether it succeeded or not; work a connector
	// started ahead for it should stop then. Nil: not known.
	Lifetime context.Context
}

type syncPlanKey struct{}

// WithSyncPlan returns ctx carrying p; the sync engine passes it to every call of a full or
// resources-only sync.
func WithSyncPlan(ctx context.Context, p SyncPlan) context.Context {
	return context.WithValue(ctx, syncPlanKey{}, p)
}

// SyncPlanFrom returns the plan ctx carries, and false when there is none (a call outside such
// a sync: provisioning, a partial sync).
func SyncPlanFrom(ctx context.Context) (SyncPlan, bool) {
	p, ok := ctx.Value(syncPlanKey{}).(SyncPlan)
	return p, ok
}
