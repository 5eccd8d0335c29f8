package sync

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// Sync types as stored in v1_sync_runs.sync_type.
const (
	TypeFull          = "full"
	TypeResourcesOnly = "resources_only"
	TypePartial       = "partial"
)

// Defaults applied to zero Options fields.
const (
	DefaultWorkers         = 16 // as the command line's --workers default (see internal/baton/field)
	DefaultCheckpointEvery = 10 * time.Second
	DefaultMaxResumeAge    = 7 * 24 * time.Hour
	// progressEvery is the interval of the periodic progress line during long phases.
	progressEvery = 10 * time.Second
)

// Options configure one sync. The zero value is a full sync with the defaults above.
type Options struct {
	// Workers is the size of the bounded worker pool (default 8); 1 runs every call sequentially.
	Workers int
	// SyncType is "full" (default) or "resources_only" (same as SkipEntitlementsAndGrants).
	SyncType string
	// SkipEntitlementsAndGrants makes a resources_only sync: no entitlements, grants or expansion.
	SkipEntitlementsAndGrants bool
	// SkipGrants keeps the full sync type but collects no grants (and so expands nothing).
	SkipGrants bool
	// SkipExpandGrants stores expandable grants without expanding them.
	SkipExpandGrants bool
	// ResourceTypeIDs restricts the sync to these resource types (--sync-resource-types). An id
	// the connector does not serve fails the sync.
	ResourceTypeIDs []string
	// TargetedResources makes a partial sync of just these resources (--sync-resources).
	TargetedResources []*v2.ResourceId
	// Empty writes a finished full sync holding nothing after validating the connector (service
	// mode --skip-full-sync).
	Empty bool
	// Fingerprint is an opaque hash of the effective configuration (no secrets). An unfinished
	// sync is resumed only when it was started with the same fingerprint and the same options.
	Fingerprint string
	// CheckpointEvery is the longest time between two checkpoints while work completes (default 10 s).
	CheckpointEvery time.Duration
	// MaxResumeAge is how old an unfinished sync may be to be resumed (default 7 days).
	MaxResumeAge time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Sleep waits d or until ctx is done (default: a timer). Tests replace it so they never sleep.
	Sleep func(ctx context.Context, d time.Duration) error
	// Progress receives progress reports (per phase and resource type, and periodically). When
	// nil, the periodic reports are logged at info level instead. Completion lines are always
	// logged.
	Progress func(Progress)
}

// Progress is one progress report.
type Progress struct {
	// Phase is the phase being reported: resource-types, resources, child-resources,
	// static-entitlements, entitlements, grants, expand-grants.
	Phase string
	// ResourceType is set when the report is about one resource type.
	ResourceType string
	// UnitsDone and UnitsTotal count the phase's units (a resource type or a resource); UnitsTotal
	// is 0 when unknown.
	UnitsDone, UnitsTotal int64
	// Items is how many items (resources, entitlements, grants) this process stored so far.
	Items int64
	// Elapsed is the time spent in the phase (or on the resource type) by this process.
	Elapsed time.Duration
	// Done marks the final report of the phase or resource type.
	Done bool
}

// Result describes a finished sync.
type Result struct {
	SyncID   string
	SyncType string
	// Resumed is true when an unfinished sync was continued rather than started.
	Resumed bool
	// Dropped counts grants dropped because their principal was not synced, by principal type.
	Dropped map[string]int64
	// Duration is the wall time of this process's part of the sync.
	Duration time.Duration
}

// withDefaults returns o with every zero field set to its default.
func (o Options) withDefaults() Options {
	if o.Workers <= 0 {
		o.Workers = DefaultWorkers
	}
	if o.CheckpointEvery <= 0 {
		o.CheckpointEvery = DefaultCheckpointEvery
	}
	if o.MaxResumeAge <= 0 {
		o.MaxResumeAge = DefaultMaxResumeAge
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = sleepCtx
	}
	if o.SkipEntitlementsAndGrants {
		o.SyncType = TypeResourcesOnly
	}
	if len(o.TargetedResources) > 0 {
		o.SyncType = TypePartial
	}
	if o.SyncType == "" {
		o.SyncType = TypeFull
	}
	if o.SyncType == TypeResourcesOnly {
		o.SkipEntitlementsAndGrants = true
	}
	return o
}

// validate rejects option combinations the engine cannot honour.
func (o Options) validate() error {
	switch o.SyncType {
	case TypeFull, TypeResourcesOnly:
	case TypePartial:
		if len(o.TargetedResources) == 0 {
			return fmt.Errorf("a partial sync needs targeted resources")
		}
	default:
		return fmt.Errorf("unknown sync type %q (want full or resources_only)", o.SyncType)
	}
	for _, id := range o.TargetedResources {
		if id.GetResourceType() == "" || id.GetResource() == "" {
			return fmt.Errorf("targeted resource %q:%q: empty type or id", id.GetResourceType(), id.GetResource())
		}
	}
	return nil
}

// fingerprint combines the caller's configuration fingerprint with every option that changes
// what a sync stores, so a resume never mixes the rows of two different plans.
func (o Options) fingerprint() string {
	types := slices.Clone(o.ResourceTypeIDs)
	slices.Sort(types)
	b, _ := json.Marshal(struct {
		Config        string   `json:"c"`
		Type          string   `json:"t"`
		SkipGrants    bool     `json:"g,omitempty"`
		SkipExpansion bool     `json:"x,omitempty"`
		Types         []string `json:"r,omitempty"`
	}{o.Fingerprint, o.SyncType, o.SkipGrants, o.SkipExpandGrants, types})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}
