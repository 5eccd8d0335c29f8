package c1z

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// readerPage is how many rows a Reader iterator fetches at a time; a page is read completely
// before its rows are yielded, so the loop body may call other Reader methods.
const readerPage = 1000

// ResourceFilter selects resources; zero fields do not filter.
type ResourceFilter struct {
	ResourceTypeID string
	// Parent selects the children of one resource.
	Parent *v2.ResourceId
}

// EntitlementFilter selects entitlements; zero fields do not filter.
type EntitlementFilter struct {
	// ResourceTypeID selects entitlements of resources of this type.
	ResourceTypeID string
	// Resource selects the entitlements of one resource (type and id).
	Resource *v2.ResourceId
}

// GrantFilter selects grants; zero fields do not filter, set fields all apply.
type GrantFilter struct {
	// ResourceTypeID selects grants on entitlements of resources of this type.
	ResourceTypeID string
	// Resource selects grants on entitlements of one resource.
	Resource      *v2.ResourceId
	EntitlementID string
	// Principal selects the grants one principal holds.
	Principal *v2.ResourceId
}

// where builds a WHERE clause from column = value conditions plus the reader's sync filter.
func (r *Reader) where(conds ...string) (string, []any) {
	var parts []string
	var args []any
	for i := 0; i+1 < len(conds); i += 2 {
		if conds[i+1] == "" && !strings.HasPrefix(conds[i], "!") {
			continue
		}
		parts = append(parts, strings.TrimPrefix(conds[i], "!")+" = ?")
		args = append(args, conds[i+1])
	}
	if r.sync != nil {
		parts = append(parts, "sync_id = ?")
		args = append(args, r.sync.ID)
	}
	if len(parts) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(parts, " AND "), args
}

// idConds turns an optional ResourceId into conditions on two columns ("!" = match even "").
func idConds(typeCol, idCol string, id *v2.ResourceId) []string {
	if id == nil {
		return nil
	}
	return []string{"!" + typeCol, id.GetResourceType(), "!" + idCol, id.GetResource()}
}

// ResourceTypes returns the resource types of the shown sync in stored order.
func (r *Reader) ResourceTypes(ctx context.Context) ([]*v2.ResourceType, error) {
	where, args := r.where()
	var out []*v2.ResourceType
	for rt, err := range list(ctx, r, "v1_resource_types", where, args, func() *v2.ResourceType { return &v2.ResourceType{} }) {
		if err != nil {
			return nil, err
		}
		out = append(out, rt)
	}
	return out, nil
}

// Resources iterates over the resources of the shown sync, in row order.
func (r *Reader) Resources(ctx context.Context, f ResourceFilter) iter.Seq2[*v2.Resource, error] {
	conds := append([]string{"resource_type_id", f.ResourceTypeID},
		idConds("parent_resource_type_id", "parent_resource_id", f.Parent)...)
	where, args := r.where(conds...)
	return list(ctx, r, "v1_resources", where, args, func() *v2.Resource { return &v2.Resource{} })
}

// Entitlements iterates over the entitlements of the shown sync, in row order.
func (r *Reader) Entitlements(ctx context.Context, f EntitlementFilter) iter.Seq2[*v2.Entitlement, error] {
	conds := append([]string{"resource_type_id", f.ResourceTypeID}, idConds("resource_type_id", "resource_id", f.Resource)...)
	where, args := r.where(conds...)
	return list(ctx, r, "v1_entitlements", where, args, func() *v2.Entitlement { return &v2.Entitlement{} })
}

// Grants iterates over the grants of the shown sync, in row order. Each grant carries its
// GrantExpandable annotation again (appended, as the SDK does), re-attached from the expansion
// column.
func (r *Reader) Grants(ctx context.Context, f GrantFilter) iter.Seq2[*v2.Grant, error] {
	conds := []string{"resource_type_id", f.ResourceTypeID, "entitlement_id", f.EntitlementID}
	conds = append(conds, idConds("resource_type_id", "resource_id", f.Resource)...)
	conds = append(conds, idConds("principal_resource_type_id", "principal_resource_id", f.Principal)...)
	where, args := r.where(conds...)
	var need string
	switch {
	case f.EntitlementID != "":
		need = "idx_grants_entitlement_id_principal_id_v1"
	case f.Principal != nil:
		need = "idx_grants_principal_id_v1"
	case f.Resource != nil || f.ResourceTypeID != "":
		need = statsIndex
	}
	if need != "" {
		if err := r.needIndexes(ctx, need); err != nil {
			return func(yield func(*v2.Grant, error) bool) { yield(nil, err) }
		}
	}
	return list(ctx, r, "v1_grants", where, args, func() *v2.Grant { return &v2.Grant{} })
}

// list pages through table in id order, yielding decoded messages.
func list[M proto.Message](ctx context.Context, r *Reader, table, where string, args []any, newMsg func() M) iter.Seq2[M, error] {
	return func(yield func(M, error) bool) {
		var zero M
		var after int64
		for {
			page, last, err := readPage(ctx, r, table, where, args, after, newMsg)
			if err != nil {
				yield(zero, fmt.Errorf("list %s of %s: %w", strings.TrimPrefix(table, "v1_"), r.path, err))
				return
			}
			for _, m := range page {
				if !yield(m, nil) {
					return
				}
			}
			if len(page) < readerPage {
				return
			}
			after = last
		}
	}
}

// readPage reads up to readerPage rows of table after row id after; it returns them and the
// last row id.
func readPage[M proto.Message](ctx context.Context, r *Reader, table, where string, args []any, after int64, newMsg func() M) ([]M, int64, error) {
	cond := " WHERE id > ?"
	if where != "" {
		cond = where + " AND id > ?"
	}
	// table is a literal from this file's callers and cond holds fixed column names with ?
	// placeholders (Reader.where); every value is a bound parameter.
	q := "SELECT id, data, " + expansionColumn(table) + " FROM " + table + cond + " ORDER BY id LIMIT ?" //nolint:gosec // G202: fixed table and column names only
	rows, err := r.db.QueryContext(ctx, q, append(append([]any{}, args...), after, readerPage)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []M
	for rows.Next() {
		var data, exp []byte
		if err := rows.Scan(&after, &data, &exp); err != nil {
			return nil, 0, err
		}
		m := newMsg()
		if err := decodeRow(m, data, exp); err != nil {
			return nil, 0, fmt.Errorf("decode row %d: %w", after, err)
		}
		out = append(out, m)
	}
	return out, after, rows.Err()
}

// expansionColumn is the column re-attached to grants; other tables select NULL.
func expansionColumn(table string) string {
	if table == "v1_grants" {
		return "expansion"
	}
	return "NULL"
}

// decodeRow decodes a data blob, re-attaching a grant's expansion.
func decodeRow(m proto.Message, data, expansion []byte) error {
	if err := proto.Unmarshal(data, m); err != nil {
		return err
	}
	if g, ok := m.(*v2.Grant); ok && expansion != nil {
		for _, a := range g.GetAnnotations() {
			if a.GetTypeUrl() == grantExpandableURL {
				return nil
			}
		}
		g.Annotations = append(g.Annotations, &anypb.Any{TypeUrl: grantExpandableURL, Value: expansion})
	}
	return nil
}

// get returns the single row of table with external_id = key in the shown sync (the newest row
// when there is no sync filter).
func get[M proto.Message](ctx context.Context, r *Reader, table, key, what string, msg M) (M, error) {
	var zero M
	where, args := r.where("!external_id", key)
	var data, exp []byte
	err := r.db.QueryRowContext(ctx, "SELECT data, "+expansionColumn(table)+" FROM "+table+where+" ORDER BY id DESC LIMIT 1",
		args...).Scan(&data, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return zero, newFileError(ErrNotFound, nil, "%s %s not found in %s", what, key, r.path)
	}
	if err != nil {
		return zero, fmt.Errorf("read %s %s of %s: %w", what, key, r.path, err)
	}
	if err := decodeRow(msg, data, exp); err != nil {
		return zero, fmt.Errorf("decode %s %s of %s: %w", what, key, r.path, err)
	}
	return msg, nil
}

// Resource returns one resource of the shown sync, or an error matching ErrNotFound.
func (r *Reader) Resource(ctx context.Context, id *v2.ResourceId) (*v2.Resource, error) {
	return get(ctx, r, "v1_resources", ResourceKey(id), "resource", &v2.Resource{})
}

// Entitlement returns one entitlement of the shown sync, or an error matching ErrNotFound.
func (r *Reader) Entitlement(ctx context.Context, id string) (*v2.Entitlement, error) {
	return get(ctx, r, "v1_entitlements", id, "entitlement", &v2.Entitlement{})
}

// Grant returns one grant of the shown sync (GrantExpandable re-attached), or an error matching
// ErrNotFound.
func (r *Reader) Grant(ctx context.Context, id string) (*v2.Grant, error) {
	if err := r.needIndexes(ctx, "idx_grants_external_sync_v1"); err != nil {
		return nil, err
	}
	return get(ctx, r, "v1_grants", id, "grant", &v2.Grant{})
}
