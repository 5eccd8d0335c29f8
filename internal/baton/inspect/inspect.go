// Package inspect adds the commands that read c1z files: `inspect` (what the baton CLI's
// resources/entitlements/grants/resource-types/stats commands show) and `diff` (access added and
// removed between two syncs). They read any v1 c1z, not only this connector's.
package inspect

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/baton-confluence/baton-confluence/internal/baton/c1z"
	"github.com/baton-confluence/baton-confluence/internal/baton/cli"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// Options are the inspect command's settings.
type Options struct {
	IO             *cli.IOStreams
	File           string
	What           string // resources, entitlements, grants, resource-types, stats
	ResourceTypeID string
	Resource       string // "<type>:<id>"
	EntitlementID  string
	Principal      string // "<type>:<id>"
	Output         string // table or json
	SyncID         string
	TempDir        string
}

var kinds = []string{"resources", "entitlements", "grants", "resource-types", "stats"}

// NewCmdInspect returns `inspect`. runF replaces the run function in tests (nil = inspectRun).
func NewCmdInspect(f *cli.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "inspect {resources|entitlements|grants|resource-types|stats}",
		Short: "Show what a c1z file holds",
		Long: `Show what a c1z file holds (the latest finished full sync unless --sync-id is given).

Examples:
  baton-confluence inspect -f sync.c1z stats
  baton-confluence inspect -f sync.c1z resources --resource-type user
  baton-confluence inspect -f sync.c1z grants --principal user:5b10a2844c20165700ede21g   # what can this user do
  baton-confluence inspect -f sync.c1z grants --entitlement space:65910:read-space          # who can read this space
  baton-confluence inspect -f sync.c1z grants --resource space:65910 -o json`,
		Args:      cobra.ExactArgs(1),
		ValidArgs: kinds,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.What = args[0]
			if cfg := cli.ConfigFrom(cmd.Context()); cfg != nil {
				opts.File, opts.TempDir = cfg.File, cfg.TempDir
			}
			if err := opts.validate(); err != nil {
				return &cli.ExitError{Code: 2, Err: err}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return inspectRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.ResourceTypeID, "resource-type", "t", "", "only this resource type (e.g. user, group, space)")
	fl.StringVarP(&opts.Resource, "resource", "r", "", "only entitlements/grants on this resource, as <type>:<id>")
	fl.StringVarP(&opts.EntitlementID, "entitlement", "e", "", "only grants of this entitlement id")
	fl.StringVar(&opts.Principal, "principal", "", "only grants to this principal, as <type>:<id>")
	fl.StringVarP(&opts.Output, "output", "o", "table", "output format: table or json")
	fl.StringVar(&opts.SyncID, "sync-id", "", "show this sync instead of the latest finished full sync")
	return cmd
}

func (o *Options) validate() error {
	if !contains(kinds, o.What) {
		return fmt.Errorf("unknown inspect target %q: use one of %s", o.What, strings.Join(kinds, ", "))
	}
	if o.Output != "table" && o.Output != "json" {
		return fmt.Errorf("unknown --output %q: use table or json", o.Output)
	}
	for _, v := range []struct{ flag, value string }{{"--resource", o.Resource}, {"--principal", o.Principal}} {
		if v.value != "" {
			if _, err := parseResourceID(v.value); err != nil {
				return fmt.Errorf("%s: %w", v.flag, err)
			}
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// parseResourceID splits "<type>:<id>" at the first ':' (resource ids may contain ':').
func parseResourceID(s string) (*v2.ResourceId, error) {
	typ, id, ok := strings.Cut(s, ":")
	if !ok || typ == "" || id == "" {
		return nil, fmt.Errorf("%q is not <resource type>:<resource id>", s)
	}
	return &v2.ResourceId{ResourceType: typ, Resource: id}, nil
}

func inspectRun(ctx context.Context, o *Options) error {
	r, err := c1z.OpenReader(ctx, o.File, c1z.ReaderOptions{TempDir: o.TempDir, SyncID: o.SyncID})
	if err != nil {
		return err
	}
	defer r.Close()
	p := newPrinter(o.IO.Out, o.Output)
	switch o.What {
	case "resource-types":
		return printResourceTypes(ctx, r, p)
	case "resources":
		return printResources(ctx, r, p, o)
	case "entitlements":
		return printEntitlements(ctx, r, p, o)
	case "grants":
		return printGrants(ctx, r, p, o)
	default:
		return printStats(ctx, r, p)
	}
}
