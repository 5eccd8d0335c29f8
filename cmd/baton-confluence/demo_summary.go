package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/baton-confluence/baton-confluence/internal/baton/c1z"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"
)

// printDemoSummary tells a newcomer what the sync found, reading it back from the file.
func printDemoSummary(ctx context.Context, out io.Writer, o *demoOptions, sim *confluencetest.Server, took time.Duration) error {
	r, err := c1z.OpenReader(ctx, o.File, c1z.ReaderOptions{TempDir: o.TempDir, RequireFinished: true})
	if err != nil {
		return err
	}
	defer r.Close()
	st, err := r.Stats(ctx)
	if err != nil {
		return err
	}
	rts, err := r.ResourceTypes(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nSynced in %s with %d API requests. %s holds:\n\n", took.Round(10*time.Millisecond), sim.Stats().Total, o.File)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  RESOURCE TYPE\tRESOURCES\tENTITLEMENTS\tGRANTS")
	for _, rt := range rts {
		id := rt.GetId()
		fmt.Fprintf(tw, "  %s\t%d\t%d\t%d\n", id, st.ResourcesByType[id], st.EntitlementsByType[id], st.GrantsByType[id])
	}
	fmt.Fprintf(tw, "  total\t%d\t%d\t%d\n", st.Resources, st.Entitlements, st.Grants)
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(out, "\nWho can do what (examples):")
	ex := examples{ctx: ctx, r: r, out: out, truth: sim.Truth()}
	ex.spaceAdmins()
	ex.guest()
	ex.deactivated()
	ex.bot()
	if ex.err != nil {
		return ex.err
	}
	fmt.Fprintf(out, `
Look further:
  baton-confluence inspect -f %[1]s resources --resource-type space
  baton-confluence inspect -f %[1]s grants --principal user:<accountId>      # what can this user do
  baton-confluence inspect -f %[1]s grants --entitlement <entitlement id>    # who holds this
  baton-confluence inspect -f %[1]s grants -o json
`, o.File)
	return nil
}

// examples prints a few readable "who can do what" lines from the file, choosing the subjects
// from the simulator's ground truth.
type examples struct {
	ctx   context.Context
	r     *c1z.Reader
	out   io.Writer
	truth *confluencetest.Truth
	err   error
}

func (e *examples) grants(f c1z.GrantFilter) []*v2.Grant {
	var out []*v2.Grant
	for g, err := range e.r.Grants(e.ctx, f) {
		if err != nil {
			e.err = err
			return nil
		}
		out = append(out, g)
	}
	return out
}

func (e *examples) name(id *v2.ResourceId) string {
	res, err := e.r.Resource(e.ctx, id)
	if err != nil {
		return id.GetResourceType() + ":" + id.GetResource()
	}
	return res.GetDisplayName()
}

func (e *examples) spaceAdmins() {
	for _, s := range e.truth.Spaces {
		if s.Type == "personal" {
			continue
		}
		gs := e.grants(c1z.GrantFilter{EntitlementID: "space:" + s.ID + ":administer-space"})
		if len(gs) == 0 {
			continue
		}
		direct, inherited := 0, 0
		var names []string
		for _, g := range gs {
			if viaGroup(g) {
				inherited++
			} else {
				direct++
			}
			if len(names) < 3 && g.GetPrincipal().GetId().GetResourceType() == "user" {
				names = append(names, e.name(g.GetPrincipal().GetId()))
			}
		}
		fmt.Fprintf(e.out, "  - %d principals can administer the space %q (%d directly, %d through a group), e.g. %s\n",
			len(gs), s.Name, direct, inherited, strings.Join(names, ", "))
		return
	}
}

func (e *examples) guest() {
	for _, u := range e.truth.Users {
		if !u.Guest || u.AccountType != confluencetest.AccountAtlassian {
			continue
		}
		gs := e.grants(c1z.GrantFilter{Principal: &v2.ResourceId{ResourceType: "user", Resource: u.AccountID}})
		var what []string
		for _, g := range gs {
			if len(what) < 4 {
				what = append(what, e.entitlementName(g.GetEntitlement().GetId())+inherited(g))
			}
		}
		list := strings.Join(what, "; ")
		if len(gs) > len(what) {
			list += "; …"
		}
		fmt.Fprintf(e.out, "  - guest %s holds %d grants: %s\n", u.DisplayName, len(gs), list)
		return
	}
}

func (e *examples) deactivated() {
	for _, u := range e.truth.Users {
		if u.Active() || u.AccountType != confluencetest.AccountAtlassian {
			continue
		}
		res, err := e.r.Resource(e.ctx, &v2.ResourceId{ResourceType: "user", Resource: u.AccountID})
		if err != nil {
			continue
		}
		gs := e.grants(c1z.GrantFilter{Principal: res.GetId()})
		fmt.Fprintf(e.out, "  - %s is %s (status %s) and still holds %d grants: access to review\n",
			u.DisplayName, u.AccountStatus, strings.TrimPrefix(res.GetStatus().GetStatus().String(), "RESOURCE_STATUS_"), len(gs))
		return
	}
}

func (e *examples) bot() {
	for _, u := range e.truth.Users {
		if u.AccountType != confluencetest.AccountApp {
			continue
		}
		_, err := e.r.Resource(e.ctx, &v2.ResourceId{ResourceType: "user", Resource: u.AccountID})
		state := "is not a user: app accounts are not synced and no grant points at them"
		if err == nil {
			state = "was synced as a user (unexpected)"
		}
		fmt.Fprintf(e.out, "  - the app account %q %s\n", u.DisplayName, state)
		return
	}
}

// viaGroup reports whether a grant was derived from a group membership.
func viaGroup(g *v2.Grant) bool {
	for src := range g.GetSources().GetSources() {
		if src != g.GetEntitlement().GetId() {
			return true
		}
	}
	return false
}

// entitlementName is the display name of the stored entitlement (grants embed only its id).
func (e *examples) entitlementName(id string) string {
	ent, err := e.r.Entitlement(e.ctx, id)
	if err != nil || ent.GetDisplayName() == "" {
		return id
	}
	return ent.GetDisplayName()
}

// inherited adds "(via group)" to grants derived from a group membership.
func inherited(g *v2.Grant) string {
	if viaGroup(g) {
		return " (via group)"
	}
	return ""
}
