package sync

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/sync/errgroup"
)

// phaseRun describes the units of one phase.
type phaseRun struct {
	meter *meter
	// enumerate yields the phase's units in a deterministic order, starting at from. It calls
	// passed(ti) after the last unit of resource type ti and returns its final state.
	enumerate func(ctx context.Context, from scanPos, yield func(*unit) error, passed func(ti int)) (scanPos, error)
	// work runs every page of one unit (see engine.pages).
	work func(ctx context.Context, u *unit) error
}

// windowPerWorker bounds how far past the oldest unfinished unit the pool may run, per worker.
const windowPerWorker = 64

// runUnits runs a phase's units on the bounded worker pool: units in parallel, the pages of
// one unit in sequence. It returns the enumeration's final state and how many units were
// enumerated (including those completed before a resume). The first error cancels the others.
func (e *engine) runUnits(ctx context.Context, pr phaseRun) (scanPos, int, error) {
	e.mu.Lock()
	trk := newTracker(e.st.Cursor, max(windowPerWorker, windowPerWorker*e.opts.Workers))
	e.trk = trk
	e.mu.Unlock()

	g, gctx := errgroup.WithContext(ctx)
	units := make(chan *unit)
	var final scanPos
	count := 0
	g.Go(func() error {
		defer close(units)
		var err error
		final, err = pr.enumerate(gctx, trk.start(), func(u *unit) error {
			count++
			live, err := trk.admit(gctx, u)
			if err != nil || !live {
				return err
			}
			pr.meter.began(u.t)
			select {
			case units <- u:
				return nil
			case <-gctx.Done():
				return gctx.Err()
			}
		}, func(ti int) { pr.meter.passedType(gctx, ti, trk.unfinished(ti)) })
		return err
	})
	for range e.opts.Workers {
		g.Go(func() error {
			for u := range units {
				if err := gctx.Err(); err != nil {
					return err
				}
				if err := pr.work(gctx, u); err != nil {
					return err
				}
				pr.meter.unitDone(gctx, u.t, trk.finish(u))
				if err := e.checkpoint(gctx, false); err != nil {
					return err
				}
			}
			return nil
		})
	}
	err := g.Wait()
	if err != nil && ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
		// The caller's cancellation is the cause; keep the unit's message but make it visible.
		err = fmt.Errorf("%w: %w", ctx.Err(), err)
	}
	return final, count, err
}
