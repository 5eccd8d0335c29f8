package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
)

// microBench is one `go test -bench` invocation of the hot-path benchmarks.
type microBench struct {
	Pkg       string
	Pattern   string
	BenchTime string
}

// microBenches are the hot paths, in a short mode: c1z writes and grant expansion once each
// (they are long), JSON decoding and the client's page path for 200 ms each.
var microBenches = []microBench{
	{Pkg: "./pkg/confluence/", Pattern: "^(BenchmarkDecodeV2Page250|BenchmarkDecodeV1Page200|BenchmarkClientPageV2)$", BenchTime: "200ms"},
	{Pkg: "./internal/baton/c1z/", Pattern: "^(BenchmarkWriteSmall|BenchmarkExpandMedium)$", BenchTime: "1x"},
}

// runMicro runs the micro-benchmarks with the go tool and copies their result lines to w. A
// failing package is reported and the others still run.
func runMicro(ctx context.Context, w io.Writer) error {
	fmt.Fprintln(w, "\nHot-path micro-benchmarks (go test -bench, short mode):")
	var failed []string
	for _, mb := range microBenches {
		// The go tool on this module's own packages, with arguments from the fixed microBenches table.
		cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", mb.Pattern, "-benchtime", mb.BenchTime, //nolint:gosec // G204: fixed args
			"-benchmem", "-count", "1", mb.Pkg)
		cmd.Env = cleanEnv()
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			return fmt.Errorf("go test %s: %w", mb.Pkg, err)
		}
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("go test %s: %w", mb.Pkg, err)
		}
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if l := sc.Text(); strings.HasPrefix(l, "Benchmark") || strings.HasPrefix(l, "FAIL") || strings.HasPrefix(l, "--- FAIL") {
				fmt.Fprintln(w, "  "+l)
			}
		}
		if err := cmd.Wait(); err != nil {
			failed = append(failed, mb.Pkg)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("micro-benchmarks failed in %s", strings.Join(failed, ", "))
	}
	return nil
}
