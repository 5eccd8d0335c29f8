package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/baton-confluence/baton-confluence/internal/baton/cli"
	"github.com/baton-confluence/baton-confluence/internal/baton/service"
)

// newCmdHealthCheck is the exec probe for the service-mode health server: it exits 0 when the
// endpoint answers healthy and non-zero otherwise (14 when nothing listens).
func newCmdHealthCheck(f *cli.Factory) *cobra.Command {
	var endpoint string
	var timeoutSeconds int
	cmd := &cobra.Command{
		Use:   "health-check",
		Short: "Probe the health server of a running service-mode connector (for exec probes)",
		Example: `  baton-confluence health-check --endpoint live
  baton-confluence health-check --endpoint ready --health-check-port 9090`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch endpoint {
			case "live", "ready", "health":
			default:
				return &cli.ExitError{Code: 2, Err: fmt.Errorf("unknown --endpoint %q: use live, ready or health", endpoint)}
			}
			cfg := cli.ConfigFrom(cmd.Context())
			port, bind := 8081, "127.0.0.1"
			if cfg != nil {
				port, bind = cfg.HealthCheckPort, cfg.HealthCheckBindAddress
			}
			if code := service.Probe(cmd.Context(), endpoint, port, bind, time.Duration(timeoutSeconds)*time.Second); code != 0 {
				return &cli.ExitError{Code: code, Err: fmt.Errorf("health check %s on port %d: not healthy (code %d)", endpoint, port, code)}
			}
			fmt.Fprintf(f.IOStreams.Out, "%s: ok\n", endpoint)
			return nil
		},
	}
	cmd.Flags().StringVar(&endpoint, "endpoint", "health", "which endpoint to probe: live, ready or health")
	cmd.Flags().IntVar(&timeoutSeconds, "timeout", 5, "seconds to wait for an answer")
	return cmd
}
