package sync

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// Phases, in the order a full sync runs them.
const (
	phaseResourceTypes      = "resource-types"
	phaseResources          = "resources"
	phaseChildResources     = "child-resources"
	phaseStaticEntitlements = "static-entitlements"
	phaseEntitlements       = "entitlements"
	phaseGrants             = "grants"
	phaseExpand             = "expand-grants"
	phaseDone               = "done"
)

// tokenEngine marks checkpoint tokens written by this engine; tokenVersion is bumped whenever
// their meaning changes, so an older token is never misread (it is simply not resumed).
const (
	tokenEngine  = "baton-confluence"
	tokenVersion = 1
)

// syncState is the engine's checkpoint, stored as JSON in v1_sync_runs.sync_token. Everything a
// new process needs to continue a sync is here; the rest comes from the rows already stored.
type syncState struct {
	Engine      string `json:"engine"`
	Version     int    `json:"engine_version"`
	Fingerprint string `json:"fingerprint"`
	// Phase is the phase in progress (or phaseDone).
	Phase string `json:"phase"`
	// Round numbers the child-resources rounds (each lists the children of the parents the
	// previous round stored).
	Round int `json:"round,omitempty"`
	// Cursor is the progress inside Phase; nil at the start of a phase.
	Cursor *cursor `json:"cursor,omitempty"`
	// Items counts what every process of this sync stored, by phase.
	Items map[string]int64 `json:"items,omitempty"`
	// Dropped counts grants dropped because their principal was not synced, by principal type.
	Dropped map[string]int64 `json:"dropped,omitempty"`
}

// cursor is the progress inside one phase. Units (a resource type, or a stored resource) are
// enumerated in a deterministic order: Pos is the enumeration state right after the last unit
// of the completed prefix; units after it that were completed are listed in Done, and units
// that were in flight are in Open with the page token of their next page. The number of units
// past Pos is bounded by the worker pool's window, so the token stays small.
type cursor struct {
	Pos  scanPos           `json:"pos"`
	Done []string          `json:"done,omitempty"`
	Open map[string]string `json:"open,omitempty"`
}

// scanPos is an enumeration state: T indexes the stored resource types, Cur holds, per type,
// where the scan of its stored resources stands.
type scanPos struct {
	T   int       `json:"t"`
	Cur []pageCur `json:"c,omitempty"`
}

// pageCur addresses a stored resource by the page it starts: the page after row After, with
// Skip rows of it already scanned.
type pageCur struct {
	After int64 `json:"a,omitempty"`
	Skip  int   `json:"s,omitempty"`
}

// clone returns a deep copy of p with Cur sized for n types.
func (p scanPos) clone(n int) scanPos {
	c := scanPos{T: p.T}
	if m := max(n, len(p.Cur)); m > 0 {
		c.Cur = make([]pageCur, m)
		copy(c.Cur, p.Cur)
	}
	return c
}

// newState is the state of a sync that has not done anything yet.
func newState(fingerprint string) *syncState {
	return &syncState{
		Engine:      tokenEngine,
		Version:     tokenVersion,
		Fingerprint: fingerprint,
		Phase:       phaseResourceTypes,
		Items:       map[string]int64{},
		Dropped:     map[string]int64{},
	}
}

// parseState decodes a checkpoint token; it fails for tokens of another engine or version.
func parseState(token string) (*syncState, error) {
	if token == "" {
		return nil, fmt.Errorf("empty checkpoint token")
	}
	var st syncState
	if err := json.Unmarshal([]byte(token), &st); err != nil {
		return nil, fmt.Errorf("decode checkpoint token: %w", err)
	}
	if st.Engine != tokenEngine || st.Version != tokenVersion {
		return nil, fmt.Errorf("checkpoint token written by %q version %d, not %s version %d",
			st.Engine, st.Version, tokenEngine, tokenVersion)
	}
	if !slices.Contains(allPhases, st.Phase) {
		return nil, fmt.Errorf("checkpoint token has unknown phase %q", st.Phase)
	}
	if err := st.checkRanges(); err != nil {
		return nil, err
	}
	if st.Items == nil {
		st.Items = map[string]int64{}
	}
	if st.Dropped == nil {
		st.Dropped = map[string]int64{}
	}
	return &st, nil
}

// checkRanges rejects positions no engine writes (negative round, type index, row or skip), so
// a damaged or forged token is not resumed instead of crashing the scan that would use it.
func (st *syncState) checkRanges() error {
	if st.Round < 0 {
		return fmt.Errorf("checkpoint token has negative round %d", st.Round)
	}
	if st.Cursor == nil {
		return nil
	}
	if st.Cursor.Pos.T < 0 {
		return fmt.Errorf("checkpoint token has negative type position %d", st.Cursor.Pos.T)
	}
	for i, c := range st.Cursor.Pos.Cur {
		if c.After < 0 || c.Skip < 0 {
			return fmt.Errorf("checkpoint token has a negative row position for type %d", i)
		}
	}
	return nil
}

var allPhases = []string{phaseResourceTypes, phaseResources, phaseChildResources,
	phaseStaticEntitlements, phaseEntitlements, phaseGrants, phaseExpand, phaseDone}

// encode renders the state as a token. Map keys are sorted by encoding/json, so equal states
// give equal tokens.
func (st *syncState) encode() string {
	b, err := json.Marshal(st)
	if err != nil {
		// Only strings, ints and maps of them: cannot fail.
		panic("sync: encode checkpoint: " + err.Error())
	}
	return string(b)
}

// copyState returns a deep copy, safe to encode while workers keep updating the original.
func (st *syncState) copyState() *syncState {
	c := *st
	c.Items = maps.Clone(st.Items)
	c.Dropped = maps.Clone(st.Dropped)
	if st.Cursor != nil {
		cur := cursor{Pos: st.Cursor.Pos.clone(0), Done: slices.Clone(st.Cursor.Done), Open: maps.Clone(st.Cursor.Open)}
		c.Cursor = &cur
	}
	return &c
}
