// Package runner runs the connector once from the command line (one-shot mode): a sync into a
// c1z file, or a grant or revoke looked up in that file. It also provides SyncToFile, the sync
// step of service mode.
package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"go.uber.org/zap"

	"github.com/baton-confluence/baton-confluence/internal/baton/c1z"
	"github.com/baton-confluence/baton-confluence/internal/baton/connectorbuilder"
	"github.com/baton-confluence/baton-confluence/internal/baton/logging"
	"github.com/baton-confluence/baton-confluence/internal/baton/sync"
)

// OneShot is one command-line run. Exactly one action runs: a grant when GrantEntitlement (or
// a grant principal) is set, else a revoke when RevokeGrant is set, else a sync. Grant and
// revoke need no provisioning flag: asking for them enables provisioning.
type OneShot struct {
	// File is the c1z to write (sync) or read (grant, revoke).
	File string
	// TempDir holds working directories and reader copies; "" = the OS temp dir.
	TempDir string
	// GrantIndexes says whether the saved file carries the grant indexes (c1z.GrantIndexes).
	GrantIndexes c1z.GrantIndexes
	Connector    connectorbuilder.Connector
	Sync         sync.Options

	GrantEntitlement, GrantPrincipal, GrantPrincipalType string
	RevokeGrant                                          string

	// Out receives the human-readable result of a grant or revoke.
	Out io.Writer
}

// Run performs the action. A failed or interrupted sync keeps its progress (nothing is written
// at File); running the same command again resumes it.
func (o *OneShot) Run(ctx context.Context) error {
	if o.Out == nil {
		o.Out = io.Discard
	}
	switch {
	case o.GrantEntitlement != "" || o.GrantPrincipal != "" || o.GrantPrincipalType != "":
		return o.grant(ctx)
	case o.RevokeGrant != "":
		return o.revoke(ctx)
	default:
		return o.sync(ctx)
	}
}

// sync runs a sync into File, resuming an interrupted one.
func (o *OneShot) sync(ctx context.Context) error {
	log := logging.From(ctx)
	store, err := openForSync(ctx, o.File, c1z.Options{TempDir: o.TempDir, GrantIndexes: o.GrantIndexes}, o.Sync)
	if err != nil {
		return withDiskFullHint(err, stageWorking, o.File, o.TempDir)
	}
	res, err := sync.Run(ctx, store, o.Connector, o.Sync)
	if err != nil {
		if cerr := store.Close(); cerr != nil {
			log.Warn("could not release the sync's working copy", zap.Error(cerr))
		}
		if ctx.Err() != nil {
			return fmt.Errorf("sync interrupted; run the same command again to resume: %w", err)
		}
		err = fmt.Errorf("sync: %w (progress was kept: running the same command again resumes the sync)", err)
		return withDiskFullHint(err, stageWorking, o.File, o.TempDir)
	}
	// The sync is complete: let saving finish even if an interrupt arrives now, rather than
	// throw the finished work away. The counts for the summary come from the working copy, so
	// the saved file is not decompressed again (and nothing is left behind if the process dies
	// after the save).
	counts, cerr := store.Counts(context.WithoutCancel(ctx), res.SyncID)
	if cerr != nil {
		log.Debug("could not count what the sync holds", zap.Error(cerr))
	}
	if err := store.Save(context.WithoutCancel(ctx)); err != nil {
		return withDiskFullHint(fmt.Errorf("save %s: %w", o.File, err), stageSave, o.File, o.TempDir)
	}
	logResult(ctx, o.File, res, counts, cerr == nil)
	return nil
}

// openForSync opens the store for File. A working copy holding an unfinished sync that this
// run will not resume (configuration changed, too old, other sync type) is discarded first, so
// its rows never reach the output.
func openForSync(ctx context.Context, file string, so c1z.Options, opts sync.Options) (*c1z.Store, error) {
	store, err := c1z.Open(ctx, file, so)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", file, err)
	}
	rc, err := sync.CheckResume(ctx, store, opts)
	if err != nil {
		return nil, errors.Join(err, store.Close())
	}
	if rc == nil || rc.Resumable {
		return store, nil
	}
	logging.From(ctx).Info("discarding the unfinished sync of a previous run: "+rc.Reason,
		zap.String("sync_id", rc.SyncID), zap.String("file", file))
	if err := store.Discard(); err != nil {
		return nil, fmt.Errorf("discard the previous run's working copy of %s: %w", file, err)
	}
	store, err = c1z.Open(ctx, file, so)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", file, err)
	}
	return store, nil
}

// logResult logs where the sync went and what it holds (st, when counted).
func logResult(ctx context.Context, file string, res *sync.Result, st c1z.Stats, counted bool) {
	fields := []zap.Field{zap.String("file", file), zap.String("sync_id", res.SyncID),
		zap.String("sync_type", res.SyncType), zap.Bool("resumed", res.Resumed), zap.Duration("elapsed", res.Duration)}
	if fi, err := os.Stat(file); err == nil {
		fields = append(fields, zap.Int64("size_bytes", fi.Size()))
	}
	if counted {
		fields = append(fields, zap.Int64("resources", st.Resources), zap.Int64("entitlements", st.Entitlements),
			zap.Int64("grants", st.Grants), zap.Any("resources_by_type", st.ResourcesByType))
	}
	logging.From(ctx).Info("sync written to "+file, fields...)
}

// SyncToFile runs a sync into a new c1z at path (service mode): path must not hold data yet.
// On any error the working copy is discarded and nothing is left at path.
func SyncToFile(ctx context.Context, conn connectorbuilder.Connector, path string, so c1z.Options, opts sync.Options) error {
	tempDir := so.TempDir
	if fi, err := os.Stat(path); err == nil && fi.Size() > 0 {
		return fmt.Errorf("sync to %s: the file already exists", path)
	}
	store, err := c1z.Open(ctx, path, so)
	if err != nil {
		return withDiskFullHint(fmt.Errorf("open %s: %w", path, err), stageWorking, path, tempDir)
	}
	if _, err := sync.Run(ctx, store, conn, opts); err != nil {
		return withDiskFullHint(errors.Join(err, store.Discard()), stageWorking, path, tempDir)
	}
	if err := store.Save(ctx); err != nil {
		return withDiskFullHint(fmt.Errorf("save %s: %w", path, err), stageSave, path, tempDir)
	}
	return nil
}
