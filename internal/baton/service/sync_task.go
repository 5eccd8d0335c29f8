package service

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"go.uber.org/zap"

	"github.com/baton-confluence/baton-confluence/internal/baton/logging"
	batonv1 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connectorapi/baton/v1"
)

// syncFileName is the c1z inside a task's private temp dir.
const syncFileName = "sync.c1z"

// syncTask runs a full sync into a private temp dir, uploads the c1z and reports. Heartbeats run
// for the whole task; if the initial heartbeat fails or says cancelled, the task is dropped
// without FinishTask (C1 will re-queue it), as the SDK does.
func (r *runner) syncTask(ctx context.Context, task *batonv1.Task) {
	log := logging.From(ctx)
	id := task.GetId()
	dir, err := os.MkdirTemp(r.cfg.TempDir, "baton-sync-")
	if err != nil {
		r.finishError(ctx, id, fmt.Errorf("create sync temp dir: %w", err), false)
		return
	}
	defer func() {
		if err := os.RemoveAll(dir); err != nil {
			log.Warn("remove sync temp dir", zap.Error(err))
		}
	}()
	hb, err := r.startHeartbeats(ctx, id)
	if err != nil {
		log.Warn("sync task abandoned", zap.Error(err))
		return
	}
	err = r.syncAndUpload(hb.ctx, task.GetSyncFull(), id, filepath.Join(dir, syncFileName))
	err = hb.explain(err)
	hb.stop()
	if err != nil {
		r.finishError(ctx, id, err, false)
		return
	}
	r.finishSuccess(ctx, id, nil, nil)
}

func (r *runner) syncAndUpload(ctx context.Context, t *batonv1.Task_SyncFullTask, taskID, path string) error {
	opts := r.syncOptions(t)
	if r.cfg.SkipFullSync {
		if _, err := r.deps.Connector.Validate(ctx); err != nil {
			return fmt.Errorf("validate connector: %w", err)
		}
		opts = SyncOptions{Empty: true}
	}
	if err := r.deps.Sync(ctx, path, opts); err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("sync produced no file: %w", err)
	}
	return r.upload(ctx, taskID, path)
}

// syncOptions maps the task to engine options; the task's resource types win over the
// configured ones.
func (r *runner) syncOptions(t *batonv1.Task_SyncFullTask) SyncOptions {
	types := t.GetSyncResourceTypeIds()
	if len(types) == 0 {
		types = r.cfg.SyncResourceTypes
	}
	return SyncOptions{
		SkipExpandGrants:          t.GetSkipExpandGrants(),
		SkipEntitlementsAndGrants: t.GetSkipEntitlementsAndGrants(),
		SkipGrants:                t.GetSkipGrants(),
		ResourceTypeIDs:           append([]string(nil), types...),
		TargetedResources:         t.GetTargetedSyncResources(),
		StorageEngine:             t.GetStorageEngine(),
	}
}

// explain adds why the task's context was cancelled (ConductorOne cancelled it, heartbeats
// failed, shutdown) to err.
func (hb *heartbeat) explain(err error) error {
	if err == nil || hb.ctx.Err() == nil {
		return err
	}
	cause := context.Cause(hb.ctx)
	if cause == nil || errors.Is(err, cause) || errors.Is(cause, context.Canceled) {
		return err
	}
	return fmt.Errorf("%w (%w)", err, cause)
}
