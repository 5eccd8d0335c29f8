package sync

import (
	"context"
	"fmt"
	"slices"
	stdsync "sync"
	"time"

	"go.uber.org/zap"

	"github.com/baton-confluence/baton-confluence/internal/baton/logging"
)

// subject names what a phase stored for type typeID, for log lines ("synced 60 user resources").
func subject(phase, typeID string) string {
	switch phase {
	case phaseChildResources:
		return "child resources under " + typeID
	case phaseStaticEntitlements:
		return "static entitlements for " + typeID
	default:
		return typeID + " " + phase
	}
}

// meter reports the progress of one phase: one line per resource type when it completes, one
// for the phase, and a periodic line while the phase runs.
type meter struct {
	e     *engine
	phase string
	start time.Time

	mu        stdsync.Mutex
	items     int64
	byType    map[int]int64
	typeStart map[int]time.Time
	passed    map[int]bool // enumeration moved past the type
	completed map[int]bool
	units     int64
	total     int64
	lastLine  time.Time
	// perTypeAtEnd defers the per-type lines to finish (phases running in rounds).
	perTypeAtEnd bool
}

func (e *engine) newMeter(phase string, total int64) *meter {
	now := e.opts.Now()
	return &meter{
		e: e, phase: phase, start: now, lastLine: now, total: total,
		byType: map[int]int64{}, typeStart: map[int]time.Time{},
		passed: map[int]bool{}, completed: map[int]bool{},
	}
}

// began notes the first unit of type ti.
func (m *meter) began(ti int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.typeStart[ti]; !ok {
		m.typeStart[ti] = m.e.opts.Now()
	}
}

// add counts n items stored for type ti and emits the periodic line when due.
func (m *meter) add(ctx context.Context, ti int, n int) {
	m.mu.Lock()
	m.items += int64(n)
	m.byType[ti] += int64(n)
	now := m.e.opts.Now()
	due := now.Sub(m.lastLine) >= progressEvery
	if due {
		m.lastLine = now
	}
	p := Progress{Phase: m.phase, UnitsDone: m.units, UnitsTotal: m.total, Items: m.items, Elapsed: now.Sub(m.start)}
	m.mu.Unlock()
	m.e.addItems(m.phase, n)
	if !due {
		return
	}
	if m.e.opts.Progress != nil {
		m.e.opts.Progress(p)
		return
	}
	total := "?"
	if p.UnitsTotal > 0 {
		total = fmt.Sprint(p.UnitsTotal)
	}
	logging.From(ctx).Info(fmt.Sprintf("%s: %d/%s units done, %d items so far", m.phase, p.UnitsDone, total, p.Items),
		zap.String("phase", m.phase), zap.Int64("units_done", p.UnitsDone), zap.Int64("items", p.Items))
}

// skipped counts a unit that needs no work.
func (m *meter) skipped() {
	m.mu.Lock()
	m.units++
	m.mu.Unlock()
}

// unitDone notes a finished unit of type ti; left is how many of that type remain unfinished.
func (m *meter) unitDone(ctx context.Context, ti int, left int) {
	m.mu.Lock()
	m.units++
	ready := left == 0 && m.passed[ti] && !m.perTypeAtEnd
	m.mu.Unlock()
	if ready {
		m.typeDone(ctx, ti)
	}
}

// passedType notes that enumeration moved past type ti; left is how many of its units remain.
func (m *meter) passedType(ctx context.Context, ti int, left int) {
	m.mu.Lock()
	m.passed[ti] = true
	_, seen := m.typeStart[ti]
	seen = seen && !m.perTypeAtEnd
	m.mu.Unlock()
	if left == 0 && seen {
		m.typeDone(ctx, ti)
	}
}

// typeDone logs the completion line of type ti once.
func (m *meter) typeDone(ctx context.Context, ti int) {
	m.mu.Lock()
	if m.completed[ti] {
		m.mu.Unlock()
		return
	}
	m.completed[ti] = true
	start, ok := m.typeStart[ti]
	if !ok {
		start = m.start
	}
	n, now := m.byType[ti], m.e.opts.Now()
	m.mu.Unlock()
	typeID := m.e.typeID(ti)
	m.report(ctx, Progress{Phase: m.phase, ResourceType: typeID, Items: n, Elapsed: now.Sub(start), Done: true})
	// A resource type is a natural resume point: save it now rather than up to
	// CheckpointEvery later. A failure here is reported by the next checkpoint.
	if err := m.e.checkpoint(ctx, true); err != nil {
		logging.From(ctx).Debug("checkpoint after a resource type", zap.Error(err))
	}
}

// finish logs the phase's completion line (after the deferred per-type lines).
func (m *meter) finish(ctx context.Context) {
	if m.perTypeAtEnd {
		m.mu.Lock()
		m.perTypeAtEnd = false
		var types []int
		for ti := range m.typeStart {
			types = append(types, ti)
		}
		m.mu.Unlock()
		slices.Sort(types)
		for _, ti := range types {
			m.typeDone(ctx, ti)
		}
	}
	m.mu.Lock()
	p := Progress{Phase: m.phase, UnitsDone: m.units, UnitsTotal: m.total, Items: m.items,
		Elapsed: m.e.opts.Now().Sub(m.start), Done: true}
	m.mu.Unlock()
	m.report(ctx, p)
}

// report logs a completion line and hands it to the Progress hook.
func (m *meter) report(ctx context.Context, p Progress) {
	if m.e.opts.Progress != nil {
		m.e.opts.Progress(p)
	}
	secs := p.Elapsed.Seconds()
	rate := "-"
	if secs > 0 {
		rate = fmt.Sprintf("%.0f/s", float64(p.Items)/secs)
	}
	var msg string
	if p.ResourceType != "" {
		msg = fmt.Sprintf("synced %d %s in %s (%s)", p.Items, subject(p.Phase, p.ResourceType), roundDur(p.Elapsed), rate)
	} else {
		msg = fmt.Sprintf("%s done: %d items in %s (%s)", p.Phase, p.Items, roundDur(p.Elapsed), rate)
	}
	logging.From(ctx).Info(msg, zap.String("phase", p.Phase), zap.String("resource_type", p.ResourceType),
		zap.Int64("count", p.Items), zap.Duration("elapsed", p.Elapsed))
}

// roundDur renders d with a precision that suits log lines.
func roundDur(d time.Duration) time.Duration {
	switch {
	case d >= time.Minute:
		return d.Round(time.Second)
	case d >= time.Second:
		return d.Round(100 * time.Millisecond)
	default:
		return d.Round(time.Millisecond)
	}
}
