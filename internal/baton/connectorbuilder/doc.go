// Package connectorbuilder states what a connector implements so that the sync engine, the
// one-shot runner and service mode can drive it. It is the implementer's side of the SDK, the way
// database/sql/driver is for database/sql: connectors import this package, never the engine.
//
// # The contract
//
// A connector is a [Connector]: metadata, a credentials check ([Connector.Validate]) and one
// [ResourceSyncer] per resource type. A resource syncer answers three questions, one page at a
// time:
//
//   - List: which resources of my type exist (under a parent, for child types)?
//   - Entitlements: what can be granted on this resource?
//   - Grants: who holds which entitlement on this resource?
//
// Each call gets the page token returned by the previous call for the same question ("" for the
// first page) and returns one page of results plus the next token ("" when there are no more
// pages). Tokens are opaque to the engine; they are saved in checkpoints and handed back after a
// resume, possibly to a new process, so they must be self-contained strings (a JSON-encoded cursor
// works well) and must not refer to process memory. A syncer must tolerate being asked for the
// same page twice (after a crash the engine replays the last unfinished page); results are upserted
// by id, so repeating a page is harmless.
//
// The engine may call syncers concurrently: pages of different resources (grants of two spaces,
// members of two groups) run on a worker pool. Calls for the same question on the same resource
// are sequential. A syncer therefore needs its own locking for any shared cache.
//
// # What the engine does with the results
//
// Resources must carry the trait annotation their type's traits imply (TRAIT_USER → UserTrait,
// TRAIT_GROUP → GroupTrait, TRAIT_ROLE → RoleTrait, TRAIT_SCOPE_BINDING → ScopeBindingTrait).
// A resource with a ChildResourceType annotation makes the engine list that child type with this
// resource as parent. SkipEntitlementsAndGrants on a type or resource stops Entitlements and Grants
// calls for it; SkipEntitlements stops Entitlements only; SkipGrants on a resource stops Grants.
// Grants carrying GrantExpandable are expanded after collection: every principal holding one of
// the listed entitlements also receives the grant's entitlement (see package c1z).
// Grants whose principal the sync did not store are dropped and counted, so a c1z never points at
// a principal it does not contain.
//
// # Optional abilities
//
// Further abilities are separate interfaces, found by type assertion on the ResourceSyncer:
// [StaticEntitlementer] (entitlement templates materialized for every resource of the type),
// [Provisioner] (Grant and Revoke) and [TargetedGetter] (fetch one resource by id). Capabilities
// advertised to ConductorOne are derived from which of these a syncer implements
// ([Capabilities]).
//
// The calls of a full or resources-only sync carry a [SyncPlan] ([SyncPlanFrom]): whether the
// grants of what is listed will be asked for, so that a connector may fetch them ahead with
// capacity the listing leaves idle.
//
// # Errors
//
// A syncer reports "try again later" by returning an error that implements
// interface{ RetryAfter() time.Duration } (see [RetryAfter]); the engine waits that long and
// repeats the call. An error implementing interface{ Temporary() bool } or
// interface{ Timeout() bool } that returns true is retried with capped exponential backoff. Every
// other error is permanent: the sync stops and names the resource type, resource and page.
// Errors must never contain secrets.
package connectorbuilder
