package sync

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	stdsync "sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/baton-confluence/baton-confluence/internal/baton/c1z"
	"github.com/baton-confluence/baton-confluence/internal/baton/connectorbuilder"
	"github.com/baton-confluence/baton-confluence/internal/baton/logging"
)

// engine is the state of one Run.
type engine struct {
	store storage
	conn  connectorbuilder.Connector
	opts  Options

	syncID  string
	syncers []connectorbuilder.ResourceSyncer // connector order, filtered by ResourceTypeIDs
	byType  map[string]connectorbuilder.ResourceSyncer
	types   []*typeInfo // stored resource types, stored order (after the resource-types phase)
	typeIdx map[string]int

	mu  stdsync.Mutex
	st  *syncState
	trk *tracker // progress of the running phase, nil between phases

	cpMu   stdsync.Mutex
	lastCP atomic.Int64 // unix nanos of the last checkpoint
}

// Run performs one sync of conn into store and ends it; the caller saves the store. See the
// package documentation for the order of work, resume and error handling.
func Run(ctx context.Context, store *c1z.Store, conn connectorbuilder.Connector, opts Options) (*Result, error) {
	return run(ctx, store, conn, opts)
}

func run(ctx context.Context, store storage, conn connectorbuilder.Connector, opts Options) (*Result, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	e := &engine{store: shielded{store}, conn: conn, opts: opts}
	start := opts.Now()
	err := e.retry(ctx, "validate", func(ctx context.Context) error {
		_, err := conn.Validate(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("validate connector: %w", err)
	}
	if err := e.loadSyncers(ctx); err != nil {
		return nil, err
	}
	res := &Result{SyncType: opts.SyncType}
	switch {
	case opts.Empty:
		err = e.runEmpty(ctx)
	case opts.SyncType == TypePartial:
		err = e.runPartial(ctx)
	default:
		life, end := context.WithCancel(context.WithoutCancel(ctx))
		defer end()
		ctx = connectorbuilder.WithSyncPlan(ctx, connectorbuilder.SyncPlan{
			ListsGrants: !opts.SkipGrants && !opts.SkipEntitlementsAndGrants, Lifetime: life})
		res.Resumed, err = e.begin(ctx)
		if err == nil {
			err = e.runPhases(ctx)
		}
		if err != nil && e.syncID != "" {
			e.saveOnExit(ctx, err)
		}
	}
	if err != nil {
		return nil, err
	}
	res.SyncID = e.syncID
	res.Dropped = e.st.Dropped
	res.Duration = opts.Now().Sub(start)
	return res, nil
}

// loadSyncers indexes the connector's syncers and checks the resource type filter.
func (e *engine) loadSyncers(ctx context.Context) error {
	e.byType = map[string]connectorbuilder.ResourceSyncer{}
	var known []string
	for _, s := range e.conn.ResourceSyncers(ctx) {
		id := s.ResourceType(ctx).GetId()
		if id == "" {
			return errors.New("a resource syncer has a resource type without id")
		}
		if _, dup := e.byType[id]; dup {
			return fmt.Errorf("two resource syncers for resource type %q", id)
		}
		e.byType[id] = s
		known = append(known, id)
	}
	for _, id := range e.opts.ResourceTypeIDs {
		if _, ok := e.byType[id]; !ok {
			return fmt.Errorf("unknown resource type %q in --sync-resource-types (known: %s)", id, strings.Join(known, ", "))
		}
	}
	for _, s := range e.conn.ResourceSyncers(ctx) {
		if e.wanted(s.ResourceType(ctx).GetId()) {
			e.syncers = append(e.syncers, s)
		}
	}
	return nil
}

// wanted reports whether resource type id is part of this sync.
func (e *engine) wanted(id string) bool {
	return len(e.opts.ResourceTypeIDs) == 0 || slices.Contains(e.opts.ResourceTypeIDs, id)
}

// begin resumes the latest unfinished sync of the same type and options, or starts a new one.
func (e *engine) begin(ctx context.Context) (bool, error) {
	log := logging.From(ctx)
	run, err := e.store.LatestUnfinishedSync(ctx, e.opts.SyncType, e.opts.MaxResumeAge)
	if err != nil {
		return false, fmt.Errorf("look for an unfinished sync: %w", err)
	}
	if run != nil {
		if ok, reason := resumable(run, e.opts); !ok {
			log.Info("not resuming unfinished sync: "+reason, zap.String("sync_id", run.ID))
		} else if st, err := parseState(run.Token); err == nil {
			e.syncID, e.st = run.ID, st
			log.Info("resuming unfinished sync", zap.String("sync_id", run.ID), zap.String("phase", st.Phase),
				zap.Time("started_at", run.StartedAt))
			return true, nil
		}
	}
	run, err = e.store.StartSync(ctx, e.opts.SyncType, "")
	if err != nil {
		return false, fmt.Errorf("start sync: %w", err)
	}
	e.syncID, e.st = run.ID, newState(e.opts.fingerprint())
	log.Info("starting sync", zap.String("sync_id", run.ID), zap.String("sync_type", e.opts.SyncType))
	return false, e.checkpoint(ctx, true)
}

// runPhases runs the phases from the current one to the end.
func (e *engine) runPhases(ctx context.Context) error {
	for {
		phase := e.phase()
		if phase != phaseResourceTypes && e.types == nil {
			if err := e.loadTypes(ctx); err != nil {
				return err
			}
		}
		var err error
		switch phase {
		case phaseResourceTypes:
			err = e.syncResourceTypes(ctx)
		case phaseResources:
			err = e.syncResources(ctx)
		case phaseChildResources:
			err = e.syncChildren(ctx)
		case phaseStaticEntitlements:
			err = e.syncStaticEntitlements(ctx)
		case phaseEntitlements:
			err = e.syncEntitlements(ctx)
		case phaseGrants:
			err = e.syncGrants(ctx)
		case phaseExpand:
			err = e.expand(ctx)
		case phaseDone:
			return e.end(ctx)
		}
		if err != nil {
			return err
		}
		if err := e.enterPhase(ctx, e.nextPhase(phase)); err != nil {
			return err
		}
	}
}

// nextPhase is the phase after p for this sync's options.
func (e *engine) nextPhase(p string) string {
	i := slices.Index(allPhases, p)
	next := allPhases[i+1]
	switch {
	case next == phaseStaticEntitlements && e.opts.SkipEntitlementsAndGrants:
		return phaseDone
	case next == phaseGrants && e.opts.SkipGrants:
		return phaseExpand
	}
	return next
}

func (e *engine) phase() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.st.Phase
}

// enterPhase records the start of phase p and checkpoints it.
func (e *engine) enterPhase(ctx context.Context, p string) error {
	e.mu.Lock()
	e.st.Phase, e.st.Cursor, e.st.Round, e.trk = p, nil, 0, nil
	e.mu.Unlock()
	return e.checkpoint(ctx, true)
}

// addItems counts n items stored in phase p (kept in the checkpoint).
func (e *engine) addItems(p string, n int) {
	e.mu.Lock()
	e.st.Items[p] += int64(n)
	e.mu.Unlock()
}

// checkpoint saves the state if CheckpointEvery has passed since the last save, or always when
// force is set. Concurrent non-forced calls skip while another save runs.
func (e *engine) checkpoint(ctx context.Context, force bool) error {
	now := e.opts.Now()
	if !force {
		if now.Sub(time.Unix(0, e.lastCP.Load())) < e.opts.CheckpointEvery || !e.cpMu.TryLock() {
			return nil
		}
	} else {
		e.cpMu.Lock()
	}
	defer e.cpMu.Unlock()
	e.mu.Lock()
	st, trk := e.st.copyState(), e.trk
	e.mu.Unlock()
	if trk != nil {
		st.Cursor = trk.snapshot()
	}
	if err := e.store.Checkpoint(ctx, e.syncID, st.encode()); err != nil {
		return fmt.Errorf("checkpoint sync %s: %w", e.syncID, err)
	}
	e.lastCP.Store(now.UnixNano())
	return nil
}

// saveOnExit records the progress of a sync that stops with cause, so the next run resumes it.
func (e *engine) saveOnExit(ctx context.Context, cause error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := e.checkpoint(ctx, true); err != nil {
		logging.From(ctx).Warn("could not save the sync's latest progress (a resumed run repeats the work done since the last saved checkpoint)",
			zap.NamedError("stop_reason", cause), zap.Error(err))
	}
}

// end finishes the sync: final checkpoint, end time, cleanup of older syncs.
func (e *engine) end(ctx context.Context) error {
	if err := e.checkpoint(ctx, true); err != nil {
		return err
	}
	if err := e.store.EndSync(ctx, e.syncID); err != nil {
		return fmt.Errorf("end sync %s: %w", e.syncID, err)
	}
	if err := e.store.Cleanup(ctx, e.syncID); err != nil {
		return fmt.Errorf("clean up old syncs: %w", err)
	}
	e.logDropped(ctx)
	return nil
}

// logDropped warns once about grants dropped because their principal was not synced.
func (e *engine) logDropped(ctx context.Context) {
	var total int64
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(e.st.Dropped)) {
		total += e.st.Dropped[k]
		parts = append(parts, fmt.Sprintf("%s: %d", k, e.st.Dropped[k]))
	}
	if total > 0 {
		logging.From(ctx).Warn(fmt.Sprintf("dropped %d grants whose principal was not synced (%s)", total, strings.Join(parts, ", ")),
			zap.Int64("dropped_grants", total))
	}
}

// typeID is the id of the stored resource type with index ti.
func (e *engine) typeID(ti int) string {
	if ti < 0 || ti >= len(e.types) {
		return ""
	}
	return e.types[ti].rt.GetId()
}
