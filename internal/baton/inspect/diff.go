package inspect

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/baton-confluence/baton-confluence/internal/baton/c1z"
	"github.com/baton-confluence/baton-confluence/internal/baton/cli"
)

// DiffOptions are the diff command's settings.
type DiffOptions struct {
	IO       *cli.IOStreams
	Old, New string
	Output   string
	TempDir  string
}

// NewCmdDiff returns `diff OLD NEW`. runF replaces the run function in tests (nil = diffRun).
func NewCmdDiff(f *cli.Factory, runF func(context.Context, *DiffOptions) error) *cobra.Command {
	opts := &DiffOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "diff OLD.c1z NEW.c1z",
		Short: "Show access added and removed between two syncs",
		Long: `Show what changed between the syncs shown in two c1z files: grants added and removed
(who gained or lost which entitlement) and resources that appeared or disappeared.`,
		Example: "  baton-confluence diff monday.c1z tuesday.c1z\n  baton-confluence diff monday.c1z tuesday.c1z -o json",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Old, opts.New = args[0], args[1]
			if opts.Output != "table" && opts.Output != "json" {
				return &cli.ExitError{Code: 2, Err: fmt.Errorf("unknown --output %q: use table or json", opts.Output)}
			}
			if cfg := cli.ConfigFrom(cmd.Context()); cfg != nil {
				opts.TempDir = cfg.TempDir
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return diffRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "table", "output format: table or json")
	return cmd
}

// change is one added or removed row.
type change struct {
	Change string          `json:"change"` // "added" or "removed"
	Kind   string          `json:"kind"`   // "resource" or "grant"
	ID     string          `json:"id"`
	Object json.RawMessage `json:"object"`
	text   string
}

func diffRun(ctx context.Context, o *DiffOptions) error {
	oldR, err := c1z.OpenReader(ctx, o.Old, c1z.ReaderOptions{TempDir: o.TempDir, RequireFinished: true})
	if err != nil {
		return err
	}
	defer oldR.Close()
	newR, err := c1z.OpenReader(ctx, o.New, c1z.ReaderOptions{TempDir: o.TempDir, RequireFinished: true})
	if err != nil {
		return err
	}
	defer newR.Close()

	var changes []change
	for _, kind := range []struct {
		name  string
		table c1z.Table
	}{{"resource", c1z.TableResources}, {"grant", c1z.TableGrants}} {
		err := mergeKeys(oldR.KeysSorted(ctx, kind.table), newR.KeysSorted(ctx, kind.table), func(key string, added bool) error {
			r := oldR
			if added {
				r = newR
			}
			c, err := describe(ctx, r, kind.name, key)
			if err != nil {
				return err
			}
			c.Change = "removed"
			if added {
				c.Change = "added"
			}
			changes = append(changes, c)
			return nil
		})
		if err != nil {
			return err
		}
	}
	return printChanges(o, changes)
}

// mergeKeys walks two ascending key streams and calls fn for each key in only one of them.
func mergeKeys(oldKeys, newKeys iter.Seq2[string, error], fn func(key string, added bool) error) error {
	nextOld, stopOld := iter.Pull2(oldKeys)
	defer stopOld()
	nextNew, stopNew := iter.Pull2(newKeys)
	defer stopNew()
	pull := func(next func() (string, error, bool)) (string, bool, error) {
		k, err, ok := next()
		return k, ok, err
	}
	o, okO, err := pull(nextOld)
	if err != nil {
		return err
	}
	n, okN, err := pull(nextNew)
	if err != nil {
		return err
	}
	for okO || okN {
		switch {
		case okO && (!okN || o < n):
			if err := fn(o, false); err != nil {
				return err
			}
			if o, okO, err = pull(nextOld); err != nil {
				return err
			}
		case okN && (!okO || n < o):
			if err := fn(n, true); err != nil {
				return err
			}
			if n, okN, err = pull(nextNew); err != nil {
				return err
			}
		default: // equal
			if o, okO, err = pull(nextOld); err != nil {
				return err
			}
			if n, okN, err = pull(nextNew); err != nil {
				return err
			}
		}
	}
	return nil
}

// describe loads the object behind key for display.
func describe(ctx context.Context, r *c1z.Reader, kind, key string) (change, error) {
	c := change{Kind: kind, ID: key}
	if kind == "resource" {
		id, err := parseResourceID(key)
		if err != nil {
			return c, err
		}
		res, err := r.Resource(ctx, id)
		if err != nil {
			return c, err
		}
		c.text = res.GetDisplayName()
		c.Object, err = protojson.Marshal(res)
		return c, err
	}
	g, err := r.Grant(ctx, key)
	if err != nil {
		return c, err
	}
	pid := g.GetPrincipal().GetId()
	c.text = fmt.Sprintf("%s: %s %s (%s)", g.GetEntitlement().GetId(), pid.GetResourceType(),
		newNameCache(r).name(ctx, pid), how(g))
	c.Object, err = protojson.Marshal(g)
	return c, err
}

func printChanges(o *DiffOptions, changes []change) error {
	if o.Output == "json" {
		if changes == nil {
			changes = []change{}
		}
		b, err := json.MarshalIndent(map[string]any{"old": o.Old, "new": o.New, "changes": changes}, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(o.IO.Out, "%s\n", b)
		return err
	}
	if len(changes) == 0 {
		_, err := fmt.Fprintln(o.IO.Out, "no access changes")
		return err
	}
	tw := tabwriter.NewWriter(o.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CHANGE\tKIND\tID\tWHAT")
	counts := map[string]int{}
	for _, c := range changes {
		sign := "+"
		if c.Change == "removed" {
			sign = "-"
		}
		counts[c.Change+" "+c.Kind]++
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", sign, c.Kind, c.ID, c.text)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(o.IO.Out, "\n%d grants added, %d removed; %d resources added, %d removed\n",
		counts["added grant"], counts["removed grant"], counts["added resource"], counts["removed resource"])
	return err
}
