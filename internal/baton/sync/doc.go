// Package sync is the sync engine: it drives a connector (package connectorbuilder) and writes
// what it returns into a c1z store (package c1z).
//
// # Order of work
//
// [Run] validates the connector, then runs these phases (spec §5.2): resource types (connector
// order, filtered by Options.ResourceTypeIDs); top-level resources of every type; children of
// every resource carrying ChildResourceType annotations (once per parent, in rounds so that
// children of children are found too); static entitlements materialized for every stored
// resource of their type; entitlements of every stored resource; grants of every stored
// resource; grant expansion in the store; end of sync and cleanup of older syncs. Skip
// annotations on a type or resource stop the calls the connector contract says they stop.
// Every listed resource must carry the trait annotation its type implies, or the sync fails.
// Grants whose principal the sync did not store are dropped and counted.
//
// # Concurrency
//
// Within a phase, independent units (a resource type to list, a parent's children, one
// resource's entitlements or grants) run on a bounded pool of Options.Workers goroutines; the
// pages of one unit run in sequence because each page's token comes from the previous page.
// The stored content does not depend on the number of workers.
//
// # Checkpoint and resume
//
// The engine's state is JSON in the sync run's token, saved through the store at most
// Options.CheckpointEvery apart while work completes and at every phase boundary. Units are
// enumerated in a deterministic order over the stored rows, so the state is a position in that
// order plus the few units past it that are complete or in flight (with their next page
// token). A later Run against the same store resumes the latest unfinished sync of the same
// type when it was started with the same fingerprint and options and is younger than
// Options.MaxResumeAge; the page that was in flight is fetched again (writes are upserts), so a
// resumed sync ends with the same content as an uninterrupted one.
//
// # Errors
//
// A connector error carrying RetryAfter is retried after that delay; a transient error with
// capped exponential backoff; any other error stops the sync, cancels the other workers, saves
// a checkpoint and is returned naming the phase, resource type, resource and page.
package sync
