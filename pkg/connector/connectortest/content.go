package connectortest

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
	"github.com/baton-confluence/baton-confluence/internal/baton/types/resource"
)

// Content is what one sync stores, keyed by external id (resources by "<type>:<id>").
type Content struct {
	ResourceTypes map[string]*v2.ResourceType
	Resources     map[string]*v2.Resource
	Entitlements  map[string]*v2.Entitlement
	Grants        map[string]*v2.Grant
}

// NewContent returns an empty Content.
func NewContent() *Content {
	return &Content{
		ResourceTypes: map[string]*v2.ResourceType{}, Resources: map[string]*v2.Resource{},
		Entitlements: map[string]*v2.Entitlement{}, Grants: map[string]*v2.Grant{},
	}
}

// AddResourceType stores rt by id.
func (c *Content) AddResourceType(rt *v2.ResourceType) { c.ResourceTypes[rt.GetId()] = rt }

// AddResource stores r by "<type>:<id>".
func (c *Content) AddResource(r *v2.Resource) { c.Resources[resource.ExternalID(r.GetId())] = r }

// AddEntitlement stores e by id.
func (c *Content) AddEntitlement(e *v2.Entitlement) { c.Entitlements[e.GetId()] = e }

// AddGrant stores g by id.
func (c *Content) AddGrant(g *v2.Grant) { c.Grants[g.GetId()] = g }

// Counts returns the number of resources per resource type.
func (c *Content) Counts() map[string]int {
	out := map[string]int{}
	for _, r := range c.Resources {
		out[r.GetId().GetResourceType()]++
	}
	return out
}

// Diff describes every difference between want and got (missing, extra and different
// messages), at most limit per table, or "" when they are equal.
func Diff(want, got *Content, limit int) string {
	var b strings.Builder
	diffTable(&b, "resource type", want.ResourceTypes, got.ResourceTypes, limit)
	diffTable(&b, "resource", want.Resources, got.Resources, limit)
	diffTable(&b, "entitlement", want.Entitlements, got.Entitlements, limit)
	diffTable(&b, "grant", want.Grants, got.Grants, limit)
	return b.String()
}

func diffTable[M proto.Message](b *strings.Builder, what string, want, got map[string]M, limit int) {
	var missing, extra, changed []string
	for _, id := range slices.Sorted(maps.Keys(want)) {
		g, ok := got[id]
		switch {
		case !ok:
			missing = append(missing, id)
		case !proto.Equal(want[id], g):
			changed = append(changed, id)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(got)) {
		if _, ok := want[id]; !ok {
			extra = append(extra, id)
		}
	}
	if len(missing)+len(extra)+len(changed) == 0 {
		return
	}
	fmt.Fprintf(b, "%ss: %d missing, %d extra, %d different (want %d, got %d)\n",
		what, len(missing), len(extra), len(changed), len(want), len(got))
	for _, id := range missing[:min(limit, len(missing))] {
		fmt.Fprintf(b, "  missing %s\n", id)
	}
	for _, id := range extra[:min(limit, len(extra))] {
		fmt.Fprintf(b, "  extra %s: %s\n", id, protojson.Format(got[id]))
	}
	for _, id := range changed[:min(limit, len(changed))] {
		fmt.Fprintf(b, "  different %s\n    want %s\n    got  %s\n", id,
			compact(want[id]), compact(got[id]))
	}
}

func compact(m proto.Message) string {
	return protojson.MarshalOptions{}.Format(m)
}
