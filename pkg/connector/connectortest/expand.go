package connectortest

import (
	"maps"
	"slices"

	"google.golang.org/protobuf/proto"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// Expand adds to c the grants that grant expansion derives (spec §4.3) for a one-level graph
// like Confluence's (group membership → space permission or role binding): every holder of a
// source entitlement S listed in a grant's GrantExpandable also holds the grant's entitlement
// D. A holder without a grant of D gets a new one (full entitlement D, principal id only,
// sources {S: direct}, GrantImmutable); an existing grant of D for the holder gets S added to
// its sources (and D itself first when its sources were empty).
func Expand(c *Content) {
	type edge struct{ src, dst string }
	var edges []edge
	seen := map[edge]bool{}
	for _, id := range slices.Sorted(maps.Keys(c.Grants)) {
		var ge v2.GrantExpandable
		if ok, _ := annotations.Annotations(c.Grants[id].GetAnnotations()).Pick(&ge); !ok {
			continue
		}
		for _, s := range ge.GetEntitlementIds() {
			e := edge{s, c.Grants[id].GetEntitlement().GetId()}
			if s != "" && !seen[e] {
				seen[e] = true
				edges = append(edges, e)
			}
		}
	}
	byEnt := map[string][]*v2.Grant{}
	for _, g := range c.Grants {
		byEnt[g.GetEntitlement().GetId()] = append(byEnt[g.GetEntitlement().GetId()], g)
	}
	for _, e := range edges {
		dst := c.Entitlements[e.dst]
		if dst == nil || c.Entitlements[e.src] == nil {
			continue
		}
		for _, sg := range byEnt[e.src] {
			derive(c, dst, e.src, sg)
		}
	}
}

// derive gives sg's principal the entitlement dst because it holds src.
func derive(c *Content, dst *v2.Entitlement, src string, sg *v2.Grant) {
	pid := sg.GetPrincipal().GetId()
	srcs := sg.GetSources().GetSources()
	_, onSrc := srcs[src]
	direct := len(srcs) == 0 || onSrc
	id := dst.GetId() + ":" + pid.GetResourceType() + ":" + pid.GetResource()
	x, ok := c.Grants[id]
	if !ok {
		c.Grants[id] = &v2.Grant{
			Entitlement: dst,
			Principal:   &v2.Resource{Id: pid},
			Id:          id,
			Sources:     &v2.GrantSources{Sources: map[string]*v2.GrantSources_GrantSource{src: {IsDirect: direct}}},
			Annotations: annotations.New(&v2.GrantImmutable{}),
		}
		return
	}
	x = proto.Clone(x).(*v2.Grant)
	if x.Sources == nil {
		x.Sources = &v2.GrantSources{}
	}
	if x.Sources.Sources == nil {
		x.Sources.Sources = map[string]*v2.GrantSources_GrantSource{}
	}
	if len(x.Sources.Sources) == 0 {
		x.Sources.Sources[dst.GetId()] = &v2.GrantSources_GrantSource{IsDirect: true}
	}
	if cur, ok := x.Sources.Sources[src]; !ok || (!cur.GetIsDirect() && direct) {
		x.Sources.Sources[src] = &v2.GrantSources_GrantSource{IsDirect: direct}
	}
	c.Grants[id] = x
}
