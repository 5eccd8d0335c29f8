package sync

import (
	"context"
	"fmt"
	"time"

	"github.com/baton-confluence/baton-confluence/internal/baton/c1z"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// storage is the part of *c1z.Store the engine uses.
type storage interface {
	LatestUnfinishedSync(ctx context.Context, syncType string, maxAge time.Duration) (*c1z.SyncRun, error)
	LatestFinishedSync(ctx context.Context, syncType string) (*c1z.SyncRun, error)
	StartSync(ctx context.Context, syncType, parentSyncID string) (*c1z.SyncRun, error)
	Checkpoint(ctx context.Context, syncID, token string) error
	MarkSupportsDiff(ctx context.Context, syncID string) error
	EndSync(ctx context.Context, syncID string) error
	Cleanup(ctx context.Context, syncID string) error

	PutResourceTypes(ctx context.Context, syncID string, rts ...*v2.ResourceType) error
	PutResources(ctx context.Context, syncID string, rs ...*v2.Resource) error
	PutEntitlements(ctx context.Context, syncID string, es ...*v2.Entitlement) error
	PutGrants(ctx context.Context, syncID string, gs ...*v2.Grant) error

	ResourceTypes(ctx context.Context, syncID string) ([]*v2.ResourceType, error)
	ResourcesPage(ctx context.Context, syncID, resourceTypeID string, after int64, limit int) ([]*v2.Resource, int64, error)
	HasResources(ctx context.Context, syncID string, ids []*v2.ResourceId) (map[string]bool, error)
	ExpandGrants(ctx context.Context, syncID string) (c1z.ExpandStats, error)
	Counts(ctx context.Context, syncID string) (c1z.Stats, error)
}

var _ storage = (*c1z.Store)(nil)

// parentForPartial returns the id of the latest finished full sync, or "" when there is none.
func (e *engine) parentForPartial(ctx context.Context) (string, error) {
	run, err := e.store.LatestFinishedSync(ctx, TypeFull)
	if err != nil || run == nil {
		return "", err
	}
	return run.ID, nil
}

// ResumeCheck describes the unfinished sync a store holds, if any, and whether Run with the
// same options would resume it.
type ResumeCheck struct {
	SyncID, SyncType string
	StartedAt        time.Time
	// Resumable is true when Run would continue this sync.
	Resumable bool
	// Reason says why it would not be resumed.
	Reason string
}

// CheckResume reports the unfinished sync Run would resume, or else the latest unfinished sync
// it would leave behind (of the same type first, then of the other types); nil when there is
// none. The one-shot runner discards a working copy holding a sync that will not be resumed,
// so stale rows never reach the output file.
func CheckResume(ctx context.Context, store *c1z.Store, opts Options) (*ResumeCheck, error) {
	return checkResume(ctx, store, opts)
}

func checkResume(ctx context.Context, store storage, opts Options) (*ResumeCheck, error) {
	opts = opts.withDefaults()
	types := []string{opts.SyncType}
	for _, t := range []string{TypeFull, TypeResourcesOnly, TypePartial} {
		if t != opts.SyncType {
			types = append(types, t)
		}
	}
	for _, t := range types {
		run, err := store.LatestUnfinishedSync(ctx, t, 0)
		if err != nil {
			return nil, fmt.Errorf("look for an unfinished sync: %w", err)
		}
		if run == nil {
			continue
		}
		rc := &ResumeCheck{SyncID: run.ID, SyncType: run.Type, StartedAt: run.StartedAt}
		rc.Resumable, rc.Reason = resumable(run, opts)
		return rc, nil
	}
	return nil, nil
}

// resumable decides whether Run with opts continues run, and if not, why.
func resumable(run *c1z.SyncRun, opts Options) (bool, string) {
	if run.Type != opts.SyncType {
		return false, fmt.Sprintf("it is a %s sync and this run makes a %s sync", run.Type, opts.SyncType)
	}
	if opts.SyncType == TypePartial {
		return false, "partial syncs are never resumed"
	}
	if age := opts.Now().Sub(run.StartedAt); age > opts.MaxResumeAge {
		return false, fmt.Sprintf("it started %s ago, more than the %s a sync may be resumed after",
			age.Round(time.Minute), opts.MaxResumeAge)
	}
	st, err := parseState(run.Token)
	if err != nil {
		return false, err.Error()
	}
	if st.Fingerprint != opts.fingerprint() {
		return false, "the configuration or sync options changed since it started"
	}
	return true, ""
}

// shielded runs the store's writes without the caller's cancellation. A write the store has
// started must finish: the store batches the writes of several workers into one transaction,
// and a write interrupted by cancellation would roll back the others' rows and leave the store
// unusable, losing the checkpoint that lets the next run resume. Writes are short; the long
// operation, ExpandGrants, stays cancellable (an interrupted expansion is redone on resume).
type shielded struct{ storage }

func (s shielded) StartSync(ctx context.Context, syncType, parentSyncID string) (*c1z.SyncRun, error) {
	return s.storage.StartSync(context.WithoutCancel(ctx), syncType, parentSyncID)
}

func (s shielded) Checkpoint(ctx context.Context, syncID, token string) error {
	return s.storage.Checkpoint(context.WithoutCancel(ctx), syncID, token)
}

func (s shielded) MarkSupportsDiff(ctx context.Context, syncID string) error {
	return s.storage.MarkSupportsDiff(context.WithoutCancel(ctx), syncID)
}

func (s shielded) EndSync(ctx context.Context, syncID string) error {
	return s.storage.EndSync(context.WithoutCancel(ctx), syncID)
}

func (s shielded) Cleanup(ctx context.Context, syncID string) error {
	return s.storage.Cleanup(context.WithoutCancel(ctx), syncID)
}

func (s shielded) PutResourceTypes(ctx context.Context, syncID string, rts ...*v2.ResourceType) error {
	return s.storage.PutResourceTypes(context.WithoutCancel(ctx), syncID, rts...)
}

func (s shielded) PutResources(ctx context.Context, syncID string, rs ...*v2.Resource) error {
	return s.storage.PutResources(context.WithoutCancel(ctx), syncID, rs...)
}

func (s shielded) PutEntitlements(ctx context.Context, syncID string, es ...*v2.Entitlement) error {
	return s.storage.PutEntitlements(context.WithoutCancel(ctx), syncID, es...)
}

func (s shielded) PutGrants(ctx context.Context, syncID string, gs ...*v2.Grant) error {
	return s.storage.PutGrants(context.WithoutCancel(ctx), syncID, gs...)
}
