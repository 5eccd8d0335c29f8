// Command c1-fake runs a loopback-only fake of the ConductorOne control plane for trying and
// testing service mode: it issues credentials, serves the token endpoint and BatonService over
// TLS with a throwaway CA, hands out the tasks given on the command line and prints a JSON
// summary of what the connector did.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := execute(ctx, os.Args[1:], iostreams{out: os.Stdout, errOut: os.Stderr})
	stop()
	os.Exit(code)
}
