// Command confluence-sim runs the simulated Confluence Cloud tenant of package confluencetest as
// a standalone process on 127.0.0.1. It prints one JSON line with the URL and credentials on
// stdout, then serves until SIGINT or SIGTERM.
//
//	go run ./cmd/confluence-sim --preset large --latency 20ms --rate-limit 50
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := execute(ctx, &ioStreams{Out: os.Stdout, ErrOut: os.Stderr}, os.Args[1:])
	stop()
	os.Exit(code)
}
