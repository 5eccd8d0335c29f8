package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/baton-confluence/baton-confluence/internal/baton/c1z"
	"github.com/baton-confluence/baton-confluence/internal/baton/cli"
	"github.com/baton-confluence/baton-confluence/internal/baton/connectorbuilder"
	"github.com/baton-confluence/baton-confluence/internal/baton/field"
	"github.com/baton-confluence/baton-confluence/internal/baton/inspect"
	"github.com/baton-confluence/baton-confluence/internal/baton/runner"
	"github.com/baton-confluence/baton-confluence/internal/baton/service"
	"github.com/baton-confluence/baton-confluence/internal/baton/sync"
	"github.com/baton-confluence/baton-confluence/internal/baton/types/resource"
	"github.com/baton-confluence/baton-confluence/pkg/config"
	"github.com/baton-confluence/baton-confluence/pkg/connector"
)

func run() int { return cli.Main(newApp(version)) }

// newApp describes baton-confluence to the generic command line.
func newApp(version string) cli.App {
	return cli.App{
		Name:         "baton-confluence",
		Version:      version,
		Short:        "Sync and provision Atlassian Confluence Cloud access for ConductorOne and baton",
		Fields:       config.Fields(),
		Schema:       config.Meta(),
		Capabilities: connector.Capabilities,
		ValidateConfig: func(c *cli.Config) error {
			_, err := config.New(c)
			return err
		},
		Run: runConfig,
		Commands: []func(f *cli.Factory) *cobra.Command{
			func(f *cli.Factory) *cobra.Command { return newCmdDemo(f, nil) },
			func(f *cli.Factory) *cobra.Command { return inspect.NewCmdInspect(f, nil) },
			func(f *cli.Factory) *cobra.Command { return inspect.NewCmdDiff(f, nil) },
			newCmdHealthCheck,
		},
	}
}

// runConfig performs a validated configuration: service mode, or a one-shot sync, grant or
// revoke.
func runConfig(ctx context.Context, cfg *cli.Config) error {
	ccfg, err := config.New(cfg)
	if err != nil {
		return &cli.ExitError{Code: 2, Err: err}
	}
	conn, err := connector.New(ctx, *ccfg, connector.WithTimeout(cfg.HTTPTimeout))
	if err != nil {
		return &cli.ExitError{Code: 2, Err: err}
	}
	opts, err := syncOptions(cfg, conn)
	if err != nil {
		return &cli.ExitError{Code: 2, Err: err}
	}
	if cfg.Action() == cli.ActionService {
		return runService(ctx, cfg, conn, opts)
	}
	o := &runner.OneShot{
		File:               cfg.File,
		TempDir:            cfg.TempDir,
		GrantIndexes:       cfg.GrantIndexes,
		Connector:          conn,
		Sync:               opts,
		GrantEntitlement:   cfg.GrantEntitlement,
		GrantPrincipal:     cfg.GrantPrincipal,
		GrantPrincipalType: cfg.GrantPrincipalType,
		RevokeGrant:        cfg.RevokeGrant,
		Out:                cli.IOFrom(ctx).Out,
	}
	return o.Run(ctx)
}

// syncOptions maps the SDK flags to engine options.
func syncOptions(cfg *cli.Config, conn *connector.Connector) (sync.Options, error) {
	opts := sync.Options{
		Workers:                   cfg.Workers,
		SkipEntitlementsAndGrants: cfg.SkipEntitlementsAndGrants,
		SkipGrants:                cfg.SkipGrants,
		ResourceTypeIDs:           cfg.SyncResourceTypes,
		Fingerprint:               conn.Fingerprint(),
	}
	switch {
	case cfg.Workers < 0:
		opts.Workers = field.DefaultWorkers
	case cfg.Workers == 0:
		opts.Workers = 1
	}
	for _, s := range cfg.SyncResources {
		id, _, err := resource.ParseBatonID(s)
		if err != nil {
			return sync.Options{}, fmt.Errorf("--sync-resources: %w", err)
		}
		opts.TargetedResources = append(opts.TargetedResources, id)
	}
	return opts, nil
}

func runService(ctx context.Context, cfg *cli.Config, conn connectorbuilder.Connector, base sync.Options) error {
	scfg := service.Config{
		ClientID:               cfg.ClientID,
		ClientSecret:           cfg.ClientSecret,
		Provisioning:           cfg.ProvisioningEnabled(),
		SkipFullSync:           cfg.SkipFullSync,
		SyncResourceTypes:      cfg.SyncResourceTypes,
		TaskConcurrency:        cfg.TaskConcurrency,
		TempDir:                cfg.TempDir,
		ShutdownGrace:          cfg.ShutdownGrace,
		HealthCheck:            cfg.HealthCheck,
		HealthCheckPort:        cfg.HealthCheckPort,
		HealthCheckBindAddress: cfg.HealthCheckBindAddress,
		Version:                version,
	}
	deps := service.Deps{Connector: conn, Sync: func(ctx context.Context, out string, so service.SyncOptions) error {
		opts := base
		opts.SkipExpandGrants = so.SkipExpandGrants
		opts.SkipEntitlementsAndGrants = so.SkipEntitlementsAndGrants
		opts.SkipGrants = so.SkipGrants
		opts.ResourceTypeIDs = so.ResourceTypeIDs
		opts.Empty = so.Empty
		opts.TargetedResources = nil
		for _, r := range so.TargetedResources {
			opts.TargetedResources = append(opts.TargetedResources, r.GetId())
		}
		return runner.SyncToFile(ctx, conn, out, c1z.Options{TempDir: cfg.TempDir, GrantIndexes: cfg.GrantIndexes}, opts)
	}}
	err := service.Run(ctx, scfg, deps)
	if err != nil {
		var exit *cli.ExitError
		if !errors.As(err, &exit) {
			err = &cli.ExitError{Code: service.ExitCode(err), Err: err}
		}
	}
	return err
}
