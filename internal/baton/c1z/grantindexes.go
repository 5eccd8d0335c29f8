package c1z

import (
	"context"
	"fmt"
	"strings"

	"go.uber.org/zap"

	"github.com/baton-confluence/baton-confluence/internal/baton/logging"
)

// GrantIndexes says whether a saved file carries the five lookup indexes of v1_grants.
//
// Those indexes are more than half of a large file: at 2.26 million grants (the simulated
// Large site) the grants table compresses to 63 MB and its indexes to 77 MB more, because the
// two that order grants by account id within an entitlement pay each account id's entropy
// again. Both SDK readers (the `baton` CLI's and ConductorOne's) create every missing index
// when they open a file (spec §1.3: their schema bootstrap runs CREATE INDEX IF NOT EXISTS on
// the decoded copy), so a file without them is complete; opening it costs the reader the index
// builds (about 4 µs per grant here).
type GrantIndexes int

const (
	// GrantIndexesAuto leaves them out of files holding at least OmitGrantIndexesFrom grants
	// (all syncs together), where they would add tens of MB, and keeps them in smaller files.
	GrantIndexesAuto GrantIndexes = iota
	// GrantIndexesKeep always saves them (files open faster, and are about twice as large).
	GrantIndexesKeep
	// GrantIndexesOmit never saves them.
	GrantIndexesOmit
)

// OmitGrantIndexesFrom is how many grants a file must hold for GrantIndexesAuto to leave the
// grant indexes out: about 30 MB of indexes compressed, about 4 s of index builds per open.
const OmitGrantIndexesFrom = 1_000_000

// ParseGrantIndexes reads "auto", "keep" or "omit" (case-insensitive; "" = auto).
func ParseGrantIndexes(s string) (GrantIndexes, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "auto":
		return GrantIndexesAuto, nil
	case "keep":
		return GrantIndexesKeep, nil
	case "omit":
		return GrantIndexesOmit, nil
	}
	return 0, fmt.Errorf("%q is not one of auto, keep, omit", s)
}

func (g GrantIndexes) String() string {
	switch g {
	case GrantIndexesKeep:
		return "keep"
	case GrantIndexesOmit:
		return "omit"
	default:
		return "auto"
	}
}

// grantLookupIndexes are the indexes a saved file may leave out. The two partial indexes on
// grants stay: they hold only the grants that need expansion, a few pages.
var grantLookupIndexes = map[string]bool{
	"idx_grants_resource_type_id_resource_id_v1": true,
	"idx_grants_principal_id_v1":                 true,
	"idx_grants_entitlement_id_principal_id_v1":  true,
	"idx_grants_external_sync_v1":                true,
	"idx_grants_entitlement_sync_grant_v1":       true,
}

// omitGrantIndexes reports whether the file being saved leaves out grantLookupIndexes (wmu
// held, no transaction open).
func (s *Store) omitGrantIndexes(ctx context.Context) (bool, error) {
	switch s.opts.GrantIndexes {
	case GrantIndexesKeep:
		return false, nil
	case GrantIndexesOmit:
		return true, nil
	}
	from := int64(OmitGrantIndexesFrom)
	if s.tune.omitGrantIndexesFrom > 0 {
		from = s.tune.omitGrantIndexesFrom
	}
	var n int64
	if err := s.wconn.QueryRowContext(ctx, "SELECT count(*) FROM v1_grants").Scan(&n); err != nil {
		return false, fmt.Errorf("count grants: %w", err)
	}
	return n >= from, nil
}

// unbuiltGrantIndexes reports how many of grantLookupIndexes a database holding grants lacks
// (0 when it has no grants table, or on error: ensureSchema reports errors).
func (s *Store) unbuiltGrantIndexes(ctx context.Context) int {
	var tables int
	err := s.wconn.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'v1_grants'").Scan(&tables)
	if err != nil || tables == 0 {
		return 0
	}
	missing, err := missingIndexes(ctx, s.wconn, grantLookupIndexes)
	if err != nil {
		return 0
	}
	return len(missing)
}

// dropGrantIndexes drops grantLookupIndexes (those that exist) in one transaction. Their pages
// join the free list, which the saved file carries as zeros (see freePages).
func (s *Store) dropGrantIndexes(ctx context.Context) error {
	if err := s.dropIndexes(ctx, indexesWhere(func(ix index) bool { return grantLookupIndexes[ix.name] })); err != nil {
		return err
	}
	logging.From(ctx).Info("the grant indexes are left out of the saved file; readers rebuild them when they open it",
		zap.String("grant_indexes", s.opts.GrantIndexes.String()))
	return nil
}
