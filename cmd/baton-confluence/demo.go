package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/baton-confluence/baton-confluence/internal/baton/cli"
	"github.com/baton-confluence/baton-confluence/internal/baton/field"
	"github.com/baton-confluence/baton-confluence/internal/baton/runner"
	"github.com/baton-confluence/baton-confluence/internal/baton/sync"
	"github.com/baton-confluence/baton-confluence/pkg/config"
	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"
	"github.com/baton-confluence/baton-confluence/pkg/connector"
)

// demoFile is where demo writes when --file is not given.
const demoFile = "demo.c1z"

type demoOptions struct {
	IO      *cli.IOStreams
	File    string
	TempDir string
	Workers int
}

// newCmdDemo returns `demo`: a full sync of a built-in simulated Confluence tenant, through the
// same client, engine and writer as a real sync. runF replaces demoRun in tests.
func newCmdDemo(f *cli.Factory, runF func(context.Context, *demoOptions) error) *cobra.Command {
	opts := &demoOptions{IO: f.IOStreams, File: demoFile, Workers: field.DefaultWorkers}
	return &cobra.Command{
		Use:   "demo",
		Short: "Sync a built-in simulated Confluence tenant (no credentials needed) and summarise it",
		Long: `Start a simulated Confluence Cloud site in this process (a small company: a few hundred
users in department groups, a guest, a bot, a deactivated user, a personal space), run a full
sync against it over HTTP on 127.0.0.1, write demo.c1z (or -f FILE) and print what it found.`,
		Example: "  baton-confluence demo\n  baton-confluence demo -f /tmp/demo.c1z",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cfg := cli.ConfigFrom(cmd.Context()); cfg != nil {
				if cfg.Source(field.FileName) != cli.SourceDefault {
					opts.File = cfg.File
				}
				opts.TempDir = cfg.TempDir
				if cfg.Workers > 0 {
					opts.Workers = cfg.Workers
				}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return demoRun(cmd.Context(), opts)
		},
	}
}

func demoRun(ctx context.Context, o *demoOptions) error {
	sim, err := confluencetest.NewServer(confluencetest.Demo())
	if err != nil {
		return fmt.Errorf("start the simulated tenant: %w", err)
	}
	defer sim.Close()
	out := o.IO.Out
	fmt.Fprintf(out, "Simulated Confluence Cloud tenant running at %s\n", sim.URL())
	fmt.Fprintf(out, "Syncing it into %s ...\n\n", o.File)

	conn, err := connector.New(ctx, config.Config{
		DomainURL: sim.URL(), Username: confluencetest.DefaultUsername, APIKey: confluencetest.DefaultAPIToken,
	})
	if err != nil {
		return err
	}
	// A demo always starts from scratch: an older demo file is replaced, not appended to.
	if err := os.Remove(o.File); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("replace %s: %w", o.File, err)
	}
	start := time.Now()
	run := &runner.OneShot{
		File: o.File, TempDir: o.TempDir, Connector: conn, Out: out,
		Sync: sync.Options{Workers: o.Workers, Fingerprint: conn.Fingerprint()},
	}
	if err := run.Run(ctx); err != nil {
		return err
	}
	return printDemoSummary(ctx, out, o, sim, time.Since(start))
}
