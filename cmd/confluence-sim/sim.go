package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"
)

// ioStreams are the command's outputs, swappable in tests.
type ioStreams struct {
	Out    io.Writer
	ErrOut io.Writer
}

// simOptions are the command's flags.
type simOptions struct {
	IO *ioStreams

	Preset                             string
	Users, Groups, Spaces              int
	PersonalSpaces, MembersPerGroup    int
	PermissionsPerSpace, RolesPerSpace int
	Guests, Bots                       int
	RBAC                               bool
	Seed                               int64
	Latency, Jitter                    time.Duration
	RateLimit, FailureRate             float64
	Host                               string
	Port                               int
	Username, APIToken                 string

	// changed reports whether a flag was set on the command line.
	changed func(name string) bool
}

// readyLine is the JSON line printed once the server listens.
type readyLine struct {
	URL        string `json:"url"`
	GatewayURL string `json:"gatewayUrl"`
	CloudID    string `json:"cloudId"`
	Username   string `json:"username"`
	APIToken   string `json:"apiToken"` // a simulator credential, printed on purpose for scripts
	Preset     string `json:"preset"`
	Users      int    `json:"users"`
	Groups     int    `json:"groups"`
	Spaces     int    `json:"spaces"`
}

// execute runs the command with args and returns the process exit code.
func execute(ctx context.Context, ios *ioStreams, args []string) int {
	cmd := newCmdSim(ios, simRun)
	cmd.SetArgs(args)
	cmd.SetOut(ios.Out)
	cmd.SetErr(ios.ErrOut)
	if err := cmd.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(ios.ErrOut, "confluence-sim:", err)
		return 1
	}
	return 0
}

func newCmdSim(ios *ioStreams, runF func(context.Context, *simOptions) error) *cobra.Command {
	opts := &simOptions{IO: ios}
	cmd := &cobra.Command{
		Use:           "confluence-sim",
		Short:         "Run a simulated Confluence Cloud tenant on 127.0.0.1",
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.changed = cmd.Flags().Changed
			return runF(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Preset, "preset", "small", "data size preset: small, medium, large or demo")
	f.IntVar(&opts.Users, "users", 0, "number of accounts (overrides the preset)")
	f.IntVar(&opts.Groups, "groups", 0, "number of groups")
	f.IntVar(&opts.Spaces, "spaces", 0, "number of non-personal spaces")
	f.IntVar(&opts.PersonalSpaces, "personal-spaces", 0, "number of personal spaces")
	f.IntVar(&opts.MembersPerGroup, "members-per-group", 0, "members of each group")
	f.IntVar(&opts.PermissionsPerSpace, "permissions-per-space", 0, "permission entries of each space")
	f.IntVar(&opts.RolesPerSpace, "roles-per-space", 0, "RBAC role assignments of each space")
	f.IntVar(&opts.Guests, "guests", 0, "number of guest accounts")
	f.IntVar(&opts.Bots, "bots", 0, "number of app (bot) accounts")
	f.BoolVar(&opts.RBAC, "rbac", false, "enable RBAC space roles (mode ROLES_TRANSITION)")
	f.Int64Var(&opts.Seed, "seed", 0, "data generator seed (default: the preset's)")
	f.DurationVar(&opts.Latency, "latency", 0, "added latency per request")
	f.DurationVar(&opts.Jitter, "jitter", 0, "extra random latency in [0, jitter)")
	f.Float64Var(&opts.RateLimit, "rate-limit", 0, "requests per second before 429 (0 = unlimited)")
	f.Float64Var(&opts.FailureRate, "failure-rate", 0, "fraction of requests answered 500/503")
	f.StringVar(&opts.Host, "host", "127.0.0.1", "listen address: 127.0.0.1 or ::1 only")
	f.IntVar(&opts.Port, "port", 0, "listen port (0 = any free port)")
	f.StringVar(&opts.Username, "username", confluencetest.DefaultUsername, "Basic-auth username (the admin's email)")
	f.StringVar(&opts.APIToken, "api-token", confluencetest.DefaultAPIToken, "Basic-auth API token")
	return cmd
}

// config builds the simulator configuration: the preset, then the flags that were set.
func (o *simOptions) config() (confluencetest.Config, error) {
	presets := map[string]func() confluencetest.Config{
		"small": confluencetest.Small, "medium": confluencetest.Medium,
		"large": confluencetest.Large, "demo": confluencetest.Demo,
	}
	preset, ok := presets[o.Preset]
	if !ok {
		return confluencetest.Config{}, fmt.Errorf("unknown preset %q (want small, medium, large or demo)", o.Preset)
	}
	cfg := preset()
	set := func(name string, dst *int, v int) {
		if o.changed(name) {
			*dst = v
		}
	}
	set("users", &cfg.Users, o.Users)
	set("groups", &cfg.Groups, o.Groups)
	set("spaces", &cfg.Spaces, o.Spaces)
	set("personal-spaces", &cfg.PersonalSpaces, o.PersonalSpaces)
	set("members-per-group", &cfg.MembersPerGroup, o.MembersPerGroup)
	set("permissions-per-space", &cfg.PermissionsPerSpace, o.PermissionsPerSpace)
	set("roles-per-space", &cfg.RolesPerSpace, o.RolesPerSpace)
	set("guests", &cfg.Guests, o.Guests)
	set("bots", &cfg.Bots, o.Bots)
	if o.changed("seed") {
		cfg.Seed = o.Seed
	}
	cfg.RBAC = cfg.RBAC || o.RBAC
	cfg.Username, cfg.APIToken = o.Username, o.APIToken
	if o.Port < 0 || o.Port > 65535 {
		return cfg, errors.New("port must be between 0 and 65535")
	}
	cfg.Addr = net.JoinHostPort(o.Host, strconv.Itoa(o.Port))
	if err := confluencetest.CheckLoopback(cfg.Addr); err != nil {
		return cfg, err
	}
	cfg.Faults = confluencetest.Faults{
		Latency: o.Latency, Jitter: o.Jitter, RateLimit: o.RateLimit, FailureRate: o.FailureRate,
	}
	return cfg, nil
}

// simRun starts the simulator, prints the ready line and serves until ctx is done.
func simRun(ctx context.Context, opts *simOptions) error {
	cfg, err := opts.config()
	if err != nil {
		return err
	}
	srv, err := confluencetest.NewServer(cfg)
	if err != nil {
		return fmt.Errorf("start simulator: %w", err)
	}
	defer srv.Close()
	t := srv.Truth()
	line, err := json.Marshal(readyLine{
		URL: srv.URL(), GatewayURL: srv.GatewayURL(), CloudID: t.CloudID,
		Username: srv.Config().Username, APIToken: srv.Config().APIToken, Preset: opts.Preset,
		Users: len(t.Users), Groups: len(t.Groups), Spaces: len(t.Spaces),
	})
	if err != nil {
		return fmt.Errorf("encode ready line: %w", err)
	}
	if _, err := fmt.Fprintln(opts.IO.Out, string(line)); err != nil {
		return fmt.Errorf("print ready line: %w", err)
	}
	<-ctx.Done()
	fmt.Fprintln(opts.IO.ErrOut, "confluence-sim: shutting down")
	return nil
}
