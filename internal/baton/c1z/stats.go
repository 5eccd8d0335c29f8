package c1z

import (
	"context"
	"database/sql"
	"fmt"
)

// Stats counts what one sync holds.
type Stats struct {
	ResourceTypes int64
	Resources     int64
	Entitlements  int64
	Grants        int64
	Assets        int64
	// ResourcesByType has every resource type of the sync, including those with no resources.
	ResourcesByType map[string]int64
	// EntitlementsByType and GrantsByType are keyed by the resource type of the entitlement's
	// resource; types with none are absent.
	EntitlementsByType map[string]int64
	GrantsByType       map[string]int64
}

// syncStatsJSON is c1.reader.v2.SyncStats as the SDK stores it in v1_sync_runs.stats: Go
// encoding/json of the generated struct, so keys in field-number order, zero values omitted.
type syncStatsJSON struct {
	ResourceTypes      int64            `json:"resource_types,omitempty"`
	Resources          int64            `json:"resources,omitempty"`
	Entitlements       int64            `json:"entitlements,omitempty"`
	Grants             int64            `json:"grants,omitempty"`
	ResourcesByType    map[string]int64 `json:"resources_by_resource_type,omitempty"`
	GrantsByType       map[string]int64 `json:"grants_by_resource_type,omitempty"`
	EntitlementsByType map[string]int64 `json:"entitlements_by_resource_type,omitempty"`
	Assets             int64            `json:"assets,omitempty"`
}

func (st Stats) syncStatsJSON() syncStatsJSON {
	return syncStatsJSON{
		ResourceTypes:      st.ResourceTypes,
		Resources:          st.Resources,
		Entitlements:       st.Entitlements,
		Grants:             st.Grants,
		ResourcesByType:    st.ResourcesByType,
		GrantsByType:       st.GrantsByType,
		EntitlementsByType: st.EntitlementsByType,
		Assets:             st.Assets,
	}
}

// Counts returns per-type counts of the resources, entitlements and grants of a sync.
func (s *Store) Counts(ctx context.Context, syncID string) (Stats, error) {
	var st Stats
	err := s.read(ctx, nil, func(db *sql.DB) error {
		var err error
		st, err = countStats(ctx, db, syncID, false)
		return err
	})
	if err != nil {
		return Stats{}, fmt.Errorf("count sync %s: %w", syncID, err)
	}
	return st, nil
}

// countStats counts the rows of syncID (every row when syncID is ""). scan counts grants by
// reading the table, without the grant indexes.
func countStats(ctx context.Context, q querier, syncID string, scan bool) (Stats, error) {
	where, args := "", []any(nil)
	if syncID != "" {
		where, args = " WHERE sync_id = ?", []any{syncID}
	}
	st := Stats{ResourcesByType: map[string]int64{}, EntitlementsByType: map[string]int64{}, GrantsByType: map[string]int64{}}
	types, err := groupCount(ctx, q, "SELECT external_id, 0 FROM v1_resource_types"+where, args)
	if err != nil {
		return st, err
	}
	st.ResourceTypes = int64(len(types))
	for t := range types {
		st.ResourcesByType[t] = 0
	}
	grantQuery := "SELECT resource_type_id, count(*) FROM v1_grants" + where + " GROUP BY resource_type_id"
	if !scan {
		var err error
		if grantQuery, err = grantCountQuery(ctx, q, syncID); err != nil {
			return st, err
		}
	}
	for _, c := range []struct {
		query string
		into  map[string]int64
		total *int64
	}{
		{"SELECT resource_type_id, count(*) FROM v1_resources" + where + " GROUP BY resource_type_id", st.ResourcesByType, &st.Resources},
		{"SELECT resource_type_id, count(*) FROM v1_entitlements" + where + " GROUP BY resource_type_id", st.EntitlementsByType, &st.Entitlements},
		{grantQuery, st.GrantsByType, &st.Grants},
	} {
		m, err := groupCount(ctx, q, c.query, args)
		if err != nil {
			return st, err
		}
		for k, n := range m {
			c.into[k] = n
			*c.total += n
		}
	}
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM v1_assets"+where, args...).Scan(&st.Assets); err != nil {
		return st, fmt.Errorf("count assets: %w", err)
	}
	return st, nil
}

// statsIndex is the grant index the statistics count with (covering resource_type_id).
const statsIndex = "idx_grants_resource_type_id_resource_id_v1"

// grantCountQuery returns the query counting the grants of syncID by resource type. Scanning the
// grants table reads every data blob; when every grant belongs to syncID (one sync in the file,
// the usual case) a covering index answers instead, at a fraction of the cost. Both queries take
// the same arguments as the other counts.
func grantCountQuery(ctx context.Context, q querier, syncID string) (string, error) {
	const byIndex = "SELECT resource_type_id, count(*) FROM v1_grants INDEXED BY " + statsIndex
	if syncID == "" {
		return byIndex + " GROUP BY resource_type_id", nil
	}
	var all, mine int64
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM v1_grants INDEXED BY "+statsIndex).Scan(&all); err != nil {
		return "", fmt.Errorf("count grants: %w", err)
	}
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM v1_grants INDEXED BY idx_grants_external_sync_v1 WHERE sync_id = ?",
		syncID).Scan(&mine); err != nil {
		return "", fmt.Errorf("count grants: %w", err)
	}
	if all == mine {
		// Every row matches: the sync filter is kept only so that the query takes the argument.
		return byIndex + " WHERE ? <> '' GROUP BY resource_type_id", nil
	}
	return "SELECT resource_type_id, count(*) FROM v1_grants WHERE sync_id = ? GROUP BY resource_type_id", nil
}

func groupCount(ctx context.Context, q querier, query string, args []any) (map[string]int64, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("count rows: %w", err)
	}
	defer rows.Close()
	m := map[string]int64{}
	for rows.Next() {
		var k string
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			return nil, fmt.Errorf("count rows: %w", err)
		}
		m[k] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count rows: %w", err)
	}
	return m, nil
}
