package c1z

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"

	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// ResourceTypes returns the resource types of a sync in stored (row) order.
func (s *Store) ResourceTypes(ctx context.Context, syncID string) ([]*v2.ResourceType, error) {
	var out []*v2.ResourceType
	err := s.read(ctx, []string{"v1_resource_types"}, func(db *sql.DB) error {
		rows, err := db.QueryContext(ctx, "SELECT id, data FROM v1_resource_types WHERE sync_id = ? ORDER BY id", syncID)
		if err != nil {
			return err
		}
		out, _, err = scanMessages(rows, func() *v2.ResourceType { return &v2.ResourceType{} })
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list resource types of sync %s: %w", syncID, err)
	}
	return out, nil
}

// ResourcesPage returns up to limit resources of one type in row order, starting after row id
// after (0 for the first page), and the value to pass as after for the next page (0 = done).
func (s *Store) ResourcesPage(ctx context.Context, syncID, resourceTypeID string, after int64, limit int) ([]*v2.Resource, int64, error) {
	if limit <= 0 {
		limit = 100
	}
	var out []*v2.Resource
	var next int64
	err := s.read(ctx, []string{"v1_resources"}, func(db *sql.DB) error {
		rows, err := db.QueryContext(ctx, `SELECT id, data FROM v1_resources
			WHERE resource_type_id = ? AND sync_id = ? AND id > ? ORDER BY id LIMIT ?`,
			resourceTypeID, syncID, after, limit+1)
		if err != nil {
			return err
		}
		var ids []int64
		out, ids, err = scanMessages(rows, func() *v2.Resource { return &v2.Resource{} })
		if err != nil {
			return err
		}
		if len(out) > limit {
			out = out[:limit]
			next = ids[limit-1]
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list %s resources of sync %s: %w", resourceTypeID, syncID, err)
	}
	return out, next, nil
}

// HasResources reports, for each id, whether the sync stores that resource. The map is keyed by
// ResourceKey and has an entry (true or false) for every id asked about.
func (s *Store) HasResources(ctx context.Context, syncID string, ids []*v2.ResourceId) (map[string]bool, error) {
	found := make(map[string]bool, len(ids))
	keys := make([]any, 0, len(ids))
	for _, id := range ids {
		k := ResourceKey(id)
		if _, dup := found[k]; !dup {
			found[k] = false
			keys = append(keys, k)
		}
	}
	const chunk = 500
	err := s.read(ctx, []string{"v1_resources"}, func(db *sql.DB) error {
		for start := 0; start < len(keys); start += chunk {
			part := keys[start:min(start+chunk, len(keys))]
			q := "SELECT external_id FROM v1_resources WHERE sync_id = ? AND external_id IN (" +
				strings.TrimSuffix(strings.Repeat("?,", len(part)), ",") + ")"
			if err := collectKeys(ctx, db, q, append([]any{syncID}, part...), found); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("look up resources of sync %s: %w", syncID, err)
	}
	return found, nil
}

func collectKeys(ctx context.Context, db *sql.DB, q string, args []any, into map[string]bool) error {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return err
		}
		into[k] = true
	}
	return rows.Err()
}

// scanMessages decodes (id, data) rows into messages, closing rows.
func scanMessages[M proto.Message](rows *sql.Rows, newMsg func() M) ([]M, []int64, error) {
	defer rows.Close()
	var out []M
	var ids []int64
	for rows.Next() {
		var id int64
		var data []byte
		if err := rows.Scan(&id, &data); err != nil {
			return nil, nil, err
		}
		m := newMsg()
		if err := proto.Unmarshal(data, m); err != nil {
			return nil, nil, fmt.Errorf("decode row %d: %w", id, err)
		}
		out = append(out, m)
		ids = append(ids, id)
	}
	return out, ids, rows.Err()
}
