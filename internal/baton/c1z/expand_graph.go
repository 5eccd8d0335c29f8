package c1z

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"

	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// edge S -> D of the entitlement graph: every principal holding an entitlement of node src also
// holds the entitlements of node dst.
type edge struct {
	src, dst int32
	shallow  bool     // only grants direct on the source propagate
	filter   []string // principal resource types that propagate; nil = all
	expanded bool
}

// merge combines a duplicate edge: shallow only if both are, filter union with "all" winning.
func (e *edge) merge(shallow bool, filter []string) {
	e.shallow = e.shallow && shallow
	if e.filter == nil || filter == nil {
		e.filter = nil
		return
	}
	for _, t := range filter {
		if !slices.Contains(e.filter, t) {
			e.filter = append(e.filter, t)
		}
	}
	slices.Sort(e.filter)
}

type edgeKey struct{ src, dst int32 }

// graph is the entitlement graph of spec §4.3. Entitlement ids are interned; nodes hold one
// entitlement each until cycles are collapsed into one node holding all of theirs.
type graph struct {
	ids    []string
	index  map[string]int32
	nodes  [][]int32 // node -> entitlement indices
	edges  map[edgeKey]*edge
	order  []edgeKey // edges in creation order, for deterministic iteration
	out    [][]*edge // node -> outgoing edges in creation order (built by link)
	cycles int
}

// link builds the outgoing-edge lists; call it once the graph is final (after collapseCycles).
func (g *graph) link() {
	g.out = make([][]*edge, len(g.nodes))
	for _, k := range g.order {
		g.out[k.src] = append(g.out[k.src], g.edges[k])
	}
}

func newGraph() *graph {
	return &graph{index: map[string]int32{}, edges: map[edgeKey]*edge{}}
}

func (g *graph) node(entID string) int32 {
	if n, ok := g.index[entID]; ok {
		return n
	}
	n := int32(len(g.ids))
	g.ids = append(g.ids, entID)
	g.index[entID] = n
	g.nodes = append(g.nodes, []int32{n})
	return n
}

func (g *graph) addEdge(src, dst int32, shallow bool, filter []string) {
	k := edgeKey{src, dst}
	if e, ok := g.edges[k]; ok {
		e.merge(shallow, filter)
		return
	}
	if filter != nil {
		filter = slices.Clone(filter)
		slices.Sort(filter)
		filter = slices.Compact(filter)
	}
	g.edges[k] = &edge{src: src, dst: dst, shallow: shallow, filter: filter}
	g.order = append(g.order, k)
}

// graphLoader reads the expandable grants of a sync into a graph, checking the §4.2 rules.
type graphLoader struct {
	db      querier
	syncID  string
	g       *graph
	types   map[string]bool           // resource types of the sync
	owners  map[string]*v2.ResourceId // entitlement id -> its resource (nil = missing)
	dropped int64
}

// loadGraph builds the graph from every grant of syncID with needs_expansion = 1, in row order.
func loadGraph(ctx context.Context, db querier, syncID string) (*graph, int64, error) {
	l := &graphLoader{db: db, syncID: syncID, g: newGraph(), owners: map[string]*v2.ResourceId{}}
	types, err := groupCount(ctx, db, "SELECT external_id, 0 FROM v1_resource_types WHERE sync_id = ?", []any{syncID})
	if err != nil {
		return nil, 0, err
	}
	l.types = map[string]bool{}
	for t := range types {
		l.types[t] = true
	}
	var after int64
	for {
		n, last, err := l.page(ctx, after)
		if err != nil {
			return nil, 0, err
		}
		if n == 0 {
			return l.g, l.dropped, nil
		}
		after = last
	}
}

type expandableRow struct {
	id                   int64
	entitlementID        string
	principalType, princ string
	grantID              string
	expansion            []byte
}

// page loads up to 1000 expandable grants after row id after; it returns how many and the last id.
func (l *graphLoader) page(ctx context.Context, after int64) (int, int64, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT id, entitlement_id, principal_resource_type_id, principal_resource_id,
		external_id, expansion FROM v1_grants
		WHERE sync_id = ? AND needs_expansion = 1 AND expansion IS NOT NULL AND id > ? ORDER BY id LIMIT 1000`,
		l.syncID, after)
	if err != nil {
		return 0, 0, fmt.Errorf("read expandable grants: %w", err)
	}
	var page []expandableRow
	for rows.Next() {
		var r expandableRow
		if err := rows.Scan(&r.id, &r.entitlementID, &r.principalType, &r.princ, &r.grantID, &r.expansion); err != nil {
			_ = rows.Close() // the scan error is the one to report
			return 0, 0, fmt.Errorf("read expandable grants: %w", err)
		}
		page = append(page, r)
	}
	closeErr := rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, fmt.Errorf("read expandable grants: %w", err)
	}
	if closeErr != nil {
		return 0, 0, fmt.Errorf("read expandable grants: %w", closeErr)
	}
	for _, r := range page {
		if err := l.add(ctx, r); err != nil {
			return 0, 0, err
		}
	}
	if len(page) == 0 {
		return 0, after, nil
	}
	return len(page), page[len(page)-1].id, nil
}

// add turns one expandable grant into edges Si -> D.
func (l *graphLoader) add(ctx context.Context, r expandableRow) error {
	ge := &v2.GrantExpandable{}
	if err := proto.Unmarshal(r.expansion, ge); err != nil {
		return fmt.Errorf("decode expansion of grant %s: %w", r.grantID, err)
	}
	filter := l.filter(ge.GetResourceTypeIds())
	if filter != nil && len(filter) == 0 {
		return nil // every listed principal type is absent from the sync: nothing can propagate
	}
	for _, src := range ge.GetEntitlementIds() {
		if strings.TrimSpace(src) == "" {
			continue
		}
		owner, err := l.owner(ctx, src)
		if err != nil {
			return err
		}
		if owner == nil {
			l.dropped++
			continue
		}
		if owner.GetResourceType() != r.principalType || owner.GetResource() != r.princ {
			return newFileError(ErrExpansion, nil,
				"grant %s: source entitlement resource id did not match grant principal id (entitlement %s belongs to %s, principal is %s:%s)",
				r.grantID, src, ResourceKey(owner), r.principalType, r.princ)
		}
		l.g.addEdge(l.g.node(src), l.g.node(r.entitlementID), ge.GetShallow(), filter)
	}
	return nil
}

// filter keeps the resource types of ids that are part of the sync; nil means "all types".
func (l *graphLoader) filter(ids []string) []string {
	if len(ids) == 0 {
		return nil
	}
	out := []string{}
	for _, t := range ids {
		if l.types[t] {
			out = append(out, t)
		}
	}
	return out
}

// owner returns the resource of entitlement id in the sync, nil if it is not stored.
func (l *graphLoader) owner(ctx context.Context, id string) (*v2.ResourceId, error) {
	if o, ok := l.owners[id]; ok {
		return o, nil
	}
	var typ, res string
	err := l.db.QueryRowContext(ctx, "SELECT resource_type_id, resource_id FROM v1_entitlements WHERE external_id = ? AND sync_id = ?",
		id, l.syncID).Scan(&typ, &res)
	var o *v2.ResourceId
	switch {
	case err == sql.ErrNoRows:
	case err != nil:
		return nil, fmt.Errorf("look up entitlement %s: %w", id, err)
	default:
		o = &v2.ResourceId{ResourceType: typ, Resource: res}
	}
	l.owners[id] = o
	return o, nil
}
