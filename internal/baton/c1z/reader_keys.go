package c1z

import (
	"context"
	"fmt"
	"iter"
)

// Table names one of the data tables a Reader can list keys of.
type Table string

// Tables whose external ids KeysSorted lists.
const (
	TableResources    Table = "v1_resources"
	TableEntitlements Table = "v1_entitlements"
	TableGrants       Table = "v1_grants"
)

// KeysSorted iterates over the external ids of one table of the shown sync in ascending byte
// order (resources as "<type>:<id>"). Two files' keys can therefore be merge-joined without
// holding either in memory, which is what a diff of large files needs.
func (r *Reader) KeysSorted(ctx context.Context, t Table) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		if t != TableResources && t != TableEntitlements && t != TableGrants {
			yield("", fmt.Errorf("list keys: unknown table %q", t))
			return
		}
		if t == TableGrants {
			if err := r.needIndexes(ctx, "idx_grants_external_sync_v1"); err != nil {
				yield("", err)
				return
			}
		}
		after, first := "", true
		for {
			keys, err := r.keysPage(ctx, t, after, first)
			if err != nil {
				yield("", fmt.Errorf("list %s keys of %s: %w", t, r.path, err))
				return
			}
			for _, k := range keys {
				if !yield(k, nil) {
					return
				}
			}
			if len(keys) < readerPage {
				return
			}
			after, first = keys[len(keys)-1], false
		}
	}
}

func (r *Reader) keysPage(ctx context.Context, t Table, after string, first bool) ([]string, error) {
	where, args := r.where()
	cond := " WHERE external_id > ?"
	if where != "" {
		cond = where + " AND external_id > ?"
	}
	if first {
		cond = where
	} else {
		args = append(args, after)
	}
	// t is one of the Table constants (KeysSorted rejects anything else) and cond holds fixed
	// column names with ? placeholders; every value is a bound parameter.
	q := "SELECT external_id FROM " + string(t) + cond + " ORDER BY external_id LIMIT ?" //nolint:gosec // G202: fixed table and column names only
	rows, err := r.db.QueryContext(ctx, q, append(args, readerPage)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}
