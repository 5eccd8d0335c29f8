package sync

import (
	"context"
	"fmt"

	"go.uber.org/zap"

	"github.com/baton-confluence/baton-confluence/internal/baton/logging"
)

// expand marks a full sync as diff-capable (its grants carry the expansion columns) and runs
// grant expansion in the store unless the options skip it.
//
// The SDK marks supports_diff only for a sync that reaches this step without having been
// resumed, because an older SDK may have written its rows; every row of a sync this engine
// resumes was written by this engine, so a resumed sync is marked too and ends identical to an
// uninterrupted one.
func (e *engine) expand(ctx context.Context) error {
	if e.opts.SyncType != TypeFull {
		return nil
	}
	if err := e.store.MarkSupportsDiff(ctx, e.syncID); err != nil {
		return fmt.Errorf("mark sync %s as diff-capable: %w", e.syncID, err)
	}
	if e.opts.SkipExpandGrants || e.opts.SkipGrants {
		return nil
	}
	m := e.newMeter(phaseExpand, 0)
	stats, err := e.store.ExpandGrants(ctx, e.syncID)
	if err != nil {
		return fmt.Errorf("expand grants: %w", err)
	}
	logging.From(ctx).Info("grant expansion done", zap.Any("stats", stats),
		zap.Duration("elapsed", e.opts.Now().Sub(m.start)))
	return nil
}

// runEmpty writes a finished full sync holding nothing (service mode's --skip-full-sync).
func (e *engine) runEmpty(ctx context.Context) error {
	run, err := e.store.StartSync(ctx, TypeFull, "")
	if err != nil {
		return fmt.Errorf("start sync: %w", err)
	}
	e.syncID, e.st = run.ID, newState(e.opts.fingerprint())
	e.st.Phase = phaseDone
	if err := e.store.MarkSupportsDiff(ctx, e.syncID); err != nil {
		return fmt.Errorf("mark sync %s as diff-capable: %w", e.syncID, err)
	}
	return e.end(ctx)
}
