// Package cli is the command-line front end shared by every command of a connector binary:
// flags, BATON_* environment variables and a YAML config file declared once as fields
// (package field), resolved with the precedence flag > environment > file > default,
// validated, and handed as a [Config] to the connector's run function. It also provides the
// `capabilities` and `config` subcommands, zap logging in the context, and exit codes.
//
// Commands follow the gh layout: an options struct, a newCmdX(f, runF) constructor whose runF
// tests can replace, and an xRun(opts) function; all output goes through [IOStreams]. Only main
// calls os.Exit, with the code from [Main].
package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"go.uber.org/zap"

	"github.com/baton-confluence/baton-confluence/internal/baton/field"
	"github.com/baton-confluence/baton-confluence/internal/baton/logging"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// App describes a connector binary.
type App struct {
	Name    string // program name, e.g. "baton-confluence"
	Version string // set by main from -ldflags
	Short   string // one line for --help

	Fields        []field.Field        // the connector's own fields, after the SDK's
	Relationships []field.Relationship // rules among the connector's fields
	Schema        field.Meta           // display name, help and icon URLs of the `config` schema

	// Capabilities returns what the connector advertises; it must need no configuration.
	Capabilities func(ctx context.Context) (*v2.ConnectorCapabilities, error)
	// ValidateConfig, if set, runs the connector's own checks after the SDK's; an error gives
	// exit code 2 unless it is an *ExitError.
	ValidateConfig func(cfg *Config) error
	// Run performs a validated configuration: a one-shot sync, grant or revoke, or service
	// mode (see Config.Action). The context carries the logger (package logging) and cfg, and
	// is cancelled on SIGINT or SIGTERM when started by Main.
	Run func(ctx context.Context, cfg *Config) error
	// Commands adds subcommands (demo, inspect, diff, health-check...). They inherit every flag;
	// in their RunE, logging.From(ctx) and ConfigFrom(ctx) give the logger and the resolved
	// configuration (call Config.Validate as needed). They must not set PersistentPreRunE.
	Commands []func(f *Factory) *cobra.Command
}

// Commands that never resolve the configuration.
var bareCommands = []string{"help", "completion", cobra.ShellCompRequestCmd, cobra.ShellCompNoDescRequestCmd}

type closersKey struct{}

// New returns the root command of app on the process's streams and environment.
func New(app App) *cobra.Command { return NewRoot(NewFactory(), app) }

// NewRoot returns the root command of app on f.
func NewRoot(f *Factory, app App) *cobra.Command {
	fields := append(field.SDKFields(), app.Fields...)
	rels := append(field.SDKRelationships(), app.Relationships...)
	if err := field.Check(fields, rels); err != nil {
		panic(fmt.Sprintf("cli: invalid field declarations: %v", err))
	}
	root := &cobra.Command{
		Use:           app.Name,
		Short:         app.Short,
		Version:       app.Version,
		Args:          noArgs,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return setup(cmd, f, app, fields, rels)
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRoot(cmd.Context(), app)
		},
	}
	root.SetIn(f.IOStreams.In)
	root.SetOut(f.IOStreams.Out)
	root.SetErr(f.IOStreams.ErrOut)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError(flagError{err}) })
	addFlags(root.PersistentFlags(), fields)
	root.AddCommand(newCmdCapabilities(f, app.Capabilities, nil), newCmdConfig(f, fields, app.Schema, nil))
	for _, mk := range app.Commands {
		root.AddCommand(mk(f))
	}
	return root
}

func addFlags(fs *pflag.FlagSet, fields []field.Field) {
	for _, fd := range fields {
		switch d := fd.DefaultValue().(type) {
		case bool:
			fs.BoolP(fd.Name, fd.Short, d, fd.Description)
		case int:
			fs.IntP(fd.Name, fd.Short, d, fd.Description)
		case []string:
			fs.StringSliceP(fd.Name, fd.Short, d, fd.Description)
		case time.Duration:
			fs.DurationP(fd.Name, fd.Short, d, fd.Description)
		case string:
			fs.StringP(fd.Name, fd.Short, d, fd.Description)
		}
		if fd.Hidden {
			_ = fs.MarkHidden(fd.Name)
		}
	}
}

// setup resolves the configuration and builds the logger for every command but help and
// completion, and puts both in the command's context.
func setup(cmd *cobra.Command, f *Factory, app App, fields []field.Field, rels []field.Relationship) error {
	for c := cmd; c != nil; c = c.Parent() {
		if slices.Contains(bareCommands, c.Name()) {
			return nil
		}
	}
	cfg, err := resolve(f, cmd.Root().PersistentFlags(), fields)
	if err != nil {
		return usageError(err)
	}
	cfg.program, cfg.relationships = app.Name, rels
	logger, closeLog, err := newLogger(cfg, f.IOStreams.ErrOut)
	if err != nil {
		return usageError(err)
	}
	ctx := cmd.Context()
	if cl, ok := ctx.Value(closersKey{}).(*[]func() error); ok {
		*cl = append(*cl, closeLog)
	}
	for _, w := range cfg.warnings {
		logger.Warn(w)
	}
	cmd.SetContext(WithIO(WithConfig(logging.With(ctx, logger), cfg), f.IOStreams))
	return nil
}

// runRoot validates and runs the root command (sync, grant, revoke or service mode).
func runRoot(ctx context.Context, app App) error {
	cfg := ConfigFrom(ctx)
	if cfg == nil {
		return errors.New("configuration was not resolved")
	}
	logging.From(ctx).Debug("effective configuration", zap.Object("config", cfg))
	if err := cfg.Validate(ValidateOptions{}); err != nil {
		return err
	}
	if app.ValidateConfig != nil {
		if err := app.ValidateConfig(cfg); err != nil {
			var ee *ExitError
			if errors.As(err, &ee) {
				return err
			}
			return usageError(err)
		}
	}
	if app.Run == nil {
		return errors.New("this build has no run function")
	}
	return app.Run(ctx, cfg)
}

// Execute runs app's root command with args on f and returns the exit code, after printing
// any error to f's error stream.
func Execute(ctx context.Context, f *Factory, app App, args []string) int {
	var closers []func() error
	ctx = context.WithValue(ctx, closersKey{}, &closers)
	root := NewRoot(f, app)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	for _, c := range closers {
		_ = c()
	}
	if err == nil {
		return ExitOK
	}
	fmt.Fprintln(f.IOStreams.ErrOut, err.Error())
	code := ExitCode(err)
	if errors.As(err, new(flagError)) {
		fmt.Fprintf(f.IOStreams.ErrOut, "Run '%s --help' for usage.\n", app.Name)
	}
	return code
}

// Main runs app as the process: standard streams, real environment, os.Args, and a context
// cancelled by the first SIGINT or SIGTERM (a second signal kills the process). It returns the
// exit code for main to pass to os.Exit.
func Main(app App) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // restore default handling so a second signal terminates at once
	}()
	return Execute(ctx, NewFactory(), app, os.Args[1:])
}

// flagError marks errors the user fixes by reading --help (bad flags, stray arguments).
type flagError struct{ error }

func (e flagError) Unwrap() error { return e.error }

// noArgs rejects positional arguments as a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if err := cobra.NoArgs(cmd, args); err != nil {
		return usageError(flagError{err})
	}
	return nil
}
