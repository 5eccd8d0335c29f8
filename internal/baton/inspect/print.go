package inspect

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"
	"text/tabwriter"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/baton-confluence/baton-confluence/internal/baton/c1z"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// printer writes either an aligned table or one JSON document {"<key>": [...]}.
type printer struct {
	out    io.Writer
	format string
	tw     *tabwriter.Writer
	items  []json.RawMessage
}

func newPrinter(out io.Writer, format string) *printer {
	return &printer{out: out, format: format}
}

func (p *printer) header(cols ...string) {
	if p.format != "table" {
		return
	}
	p.tw = tabwriter.NewWriter(p.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(p.tw, strings.Join(cols, "\t"))
}

func (p *printer) row(msg proto.Message, cols ...string) error {
	if p.format == "table" {
		for i, c := range cols {
			cols[i] = strings.NewReplacer("\t", " ", "\n", " ").Replace(c)
		}
		_, err := fmt.Fprintln(p.tw, strings.Join(cols, "\t"))
		return err
	}
	b, err := protojson.Marshal(msg)
	if err != nil {
		return err
	}
	p.items = append(p.items, b)
	return nil
}

func (p *printer) flush(key string) error {
	if p.format == "table" {
		return p.tw.Flush()
	}
	if p.items == nil {
		p.items = []json.RawMessage{}
	}
	b, err := json.MarshalIndent(map[string][]json.RawMessage{key: p.items}, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(p.out, "%s\n", b)
	return err
}

func each[M any](seq iter.Seq2[M, error], fn func(M) error) error {
	for m, err := range seq {
		if err != nil {
			return err
		}
		if err := fn(m); err != nil {
			return err
		}
	}
	return nil
}

func printResourceTypes(ctx context.Context, r *c1z.Reader, p *printer) error {
	rts, err := r.ResourceTypes(ctx)
	if err != nil {
		return err
	}
	p.header("ID", "DISPLAY NAME", "TRAITS")
	for _, rt := range rts {
		var traits []string
		for _, t := range rt.GetTraits() {
			traits = append(traits, strings.TrimPrefix(t.String(), "TRAIT_"))
		}
		if err := p.row(rt, rt.GetId(), rt.GetDisplayName(), strings.Join(traits, ",")); err != nil {
			return err
		}
	}
	return p.flush("resourceTypes")
}

func printResources(ctx context.Context, r *c1z.Reader, p *printer, o *Options) error {
	p.header("TYPE", "ID", "DISPLAY NAME", "STATUS", "PARENT")
	err := each(r.Resources(ctx, c1z.ResourceFilter{ResourceTypeID: o.ResourceTypeID}), func(res *v2.Resource) error {
		parent := ""
		if pid := res.GetParentResourceId(); pid != nil {
			parent = pid.GetResourceType() + ":" + pid.GetResource()
		}
		status := strings.TrimPrefix(res.GetStatus().GetStatus().String(), "RESOURCE_STATUS_")
		if res.GetStatus() == nil {
			status = ""
		}
		return p.row(res, res.GetId().GetResourceType(), res.GetId().GetResource(), res.GetDisplayName(), status, parent)
	})
	if err != nil {
		return err
	}
	return p.flush("resources")
}

func printEntitlements(ctx context.Context, r *c1z.Reader, p *printer, o *Options) error {
	f := c1z.EntitlementFilter{ResourceTypeID: o.ResourceTypeID}
	if o.Resource != "" {
		f.Resource, _ = parseResourceID(o.Resource)
	}
	p.header("ID", "DISPLAY NAME", "RESOURCE", "GRANTABLE TO")
	err := each(r.Entitlements(ctx, f), func(e *v2.Entitlement) error {
		var to []string
		for _, rt := range e.GetGrantableTo() {
			to = append(to, rt.GetId())
		}
		return p.row(e, e.GetId(), e.GetDisplayName(), e.GetResource().GetDisplayName(), strings.Join(to, ","))
	})
	if err != nil {
		return err
	}
	return p.flush("entitlements")
}

func printGrants(ctx context.Context, r *c1z.Reader, p *printer, o *Options) error {
	f := c1z.GrantFilter{ResourceTypeID: o.ResourceTypeID, EntitlementID: o.EntitlementID}
	if o.Resource != "" {
		f.Resource, _ = parseResourceID(o.Resource)
	}
	if o.Principal != "" {
		f.Principal, _ = parseResourceID(o.Principal)
	}
	names := newNameCache(r)
	p.header("ENTITLEMENT", "RESOURCE", "PRINCIPAL", "PRINCIPAL NAME", "HOW")
	err := each(r.Grants(ctx, f), func(g *v2.Grant) error {
		pid := g.GetPrincipal().GetId()
		return p.row(g, g.GetEntitlement().GetId(), g.GetEntitlement().GetResource().GetDisplayName(),
			pid.GetResourceType()+":"+pid.GetResource(), names.name(ctx, pid), how(g))
	})
	if err != nil {
		return err
	}
	return p.flush("grants")
}

// how says whether a grant is direct or inherited, and through what.
func how(g *v2.Grant) string {
	srcs := g.GetSources().GetSources()
	if len(srcs) == 0 {
		return "direct"
	}
	var via []string
	direct := false
	for id := range srcs {
		if id == g.GetEntitlement().GetId() {
			direct = true
			continue
		}
		via = append(via, id)
	}
	slices.Sort(via)
	s := "via " + strings.Join(via, ", ")
	if direct {
		s = "direct; also " + s
	}
	return s
}

// nameCache resolves principal display names, one lookup per principal.
type nameCache struct {
	r     *c1z.Reader
	names map[string]string
}

func newNameCache(r *c1z.Reader) *nameCache { return &nameCache{r: r, names: map[string]string{}} }

func (c *nameCache) name(ctx context.Context, id *v2.ResourceId) string {
	key := id.GetResourceType() + ":" + id.GetResource()
	if n, ok := c.names[key]; ok {
		return n
	}
	n := "(not in file)"
	if res, err := c.r.Resource(ctx, id); err == nil {
		n = res.GetDisplayName()
	}
	c.names[key] = n
	return n
}

func printStats(ctx context.Context, r *c1z.Reader, p *printer) error {
	st, err := r.Stats(ctx)
	if err != nil {
		return err
	}
	if p.format == "json" {
		b, err := json.MarshalIndent(st, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(p.out, "%s\n", b)
		return err
	}
	rts, err := r.ResourceTypes(ctx)
	if err != nil {
		return err
	}
	sync := r.Sync()
	if sync != nil {
		fmt.Fprintf(p.out, "sync %s (%s), started %s\n\n", sync.ID, sync.Type, sync.StartedAt.UTC().Format("2006-01-02 15:04:05 MST"))
	}
	p.header("RESOURCE TYPE", "RESOURCES", "ENTITLEMENTS", "GRANTS")
	for _, rt := range rts {
		id := rt.GetId()
		fmt.Fprintf(p.tw, "%s\t%d\t%d\t%d\n", id, st.ResourcesByType[id], st.EntitlementsByType[id], st.GrantsByType[id])
	}
	fmt.Fprintf(p.tw, "total\t%d\t%d\t%d\n", st.Resources, st.Entitlements, st.Grants)
	return p.tw.Flush()
}
