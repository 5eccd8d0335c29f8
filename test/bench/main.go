// Command bench is the end-to-end benchmark behind `make bench`: for each scenario it starts
// confluence-sim as a separate process, runs the built baton-confluence binary against it into a
// fresh c1z, and prints one table row per scenario (wall time, requests in total and per
// endpoint, most requests in flight, 429s, peak RSS, c1z size, the engine's phase times, and
// whether the content equals the simulator's ground truth). Then it runs the hot-path
// micro-benchmarks in a short mode.
//
//	go run ./test/bench -bin bin                      # every scenario once, then micro-benchmarks
//	BENCH_REPEAT=3 go run ./test/bench -bin bin       # medians of three runs
//	go run ./test/bench -bin bin -scenarios rate20 -micro=false
//	go run ./test/bench -bin bin -sweep 8x8,12x12,16x16   # workers x client concurrency
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// options are the command's flags.
type options struct {
	binDir    string
	scenarios string
	repeat    int
	micro     bool
	verify    bool
	sweep     string
	keep      bool
}

func parseFlags(args []string, errOut io.Writer) (options, error) {
	o := options{repeat: 1}
	if v := os.Getenv("BENCH_REPEAT"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return o, fmt.Errorf("BENCH_REPEAT=%q: want a positive number", v)
		}
		o.repeat = n
	}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(errOut)
	fs.StringVar(&o.binDir, "bin", "bin", "directory holding the built baton-confluence and confluence-sim")
	fs.StringVar(&o.scenarios, "scenarios", "all", "comma-separated scenarios: "+scenarioNames())
	fs.IntVar(&o.repeat, "repeat", o.repeat, "runs per scenario (medians are printed); default $BENCH_REPEAT or 1")
	fs.BoolVar(&o.micro, "micro", true, "also run the hot-path go test benchmarks")
	fs.BoolVar(&o.verify, "verify", true, "compare each scenario's c1z with the simulator's ground truth (first run)")
	fs.StringVar(&o.sweep, "sweep", "", "instead of the scenarios, measure medium@50ms for WORKERSxCONCURRENCY,... (e.g. 8x8,16x16)")
	fs.BoolVar(&o.keep, "keep", false, "keep the work directory (c1z files and logs)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.repeat < 1 {
		return o, errors.New("-repeat must be at least 1")
	}
	return o, nil
}

func run(ctx context.Context, args []string, out, errOut io.Writer) int {
	if len(args) > 0 && args[0] == verifyCommand {
		if err := runVerifyCommand(ctx, args[1:], out); err != nil {
			fmt.Fprintln(errOut, "bench:", err)
			return 1
		}
		return 0
	}
	o, err := parseFlags(args, errOut)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(errOut, "bench:", err)
		return 2
	}
	dir, err := os.MkdirTemp("", "baton-bench-")
	if err != nil {
		fmt.Fprintln(errOut, "bench:", err)
		return 1
	}
	if o.keep {
		fmt.Fprintln(errOut, "bench: work directory", dir)
	} else {
		defer func() { _ = os.RemoveAll(dir) }()
	}
	if err := bench(ctx, o, dir, out, errOut); err != nil {
		fmt.Fprintln(errOut, "bench:", err)
		return 1
	}
	return 0
}

func bench(ctx context.Context, o options, dir string, out, errOut io.Writer) error {
	if o.sweep != "" {
		points, err := parseSweep(o.sweep)
		if err != nil {
			return err
		}
		return runSweep(ctx, o.binDir, dir, points, o.repeat, out)
	}
	scs, err := pickScenarios(o.scenarios)
	if err != nil {
		return err
	}
	var results []result
	failed := false
	for _, sc := range scs {
		fmt.Fprintf(errOut, "bench: %s ...\n", sc.Name)
		r := runScenario(ctx, o, dir, sc, errOut)
		failed = failed || r.Err != nil || (r.Verdict.Checked && !r.Verdict.ok())
		results = append(results, r)
	}
	printTable(out, results, o.repeat)
	if o.micro {
		if err := runMicro(ctx, out); err != nil {
			return err
		}
	}
	if failed {
		return errors.New("a scenario failed or did not match the ground truth")
	}
	return nil
}

// runScenario starts the scenario's simulator and runs the sync o.repeat times; the first
// run's c1z is compared with the ground truth.
func runScenario(ctx context.Context, o options, dir string, sc scenario, errOut io.Writer) result {
	r := result{Scenario: sc}
	sim, err := startSim(ctx, o.binDir, sc.Sim, dir)
	if err != nil {
		r.Err = err
		return r
	}
	defer sim.stop()
	for i := range o.repeat {
		if r.Err = sim.resetStats(ctx); r.Err != nil {
			return r
		}
		sr, c1zPath, err := runSync(ctx, o.binDir, dir, sim.ready, sc.Sync)
		if err != nil {
			r.Err = err
			return r
		}
		st, err := sim.stats(ctx)
		if err != nil {
			r.Err = err
			return r
		}
		r.Runs, r.Stats = append(r.Runs, sr), append(r.Stats, st)
		fmt.Fprintf(errOut, "bench: %s run %d: %.1fs, %d requests\n", sc.Name, i+1, sr.Wall.Seconds(), st.Total)
		if i == 0 && o.verify {
			if r.Verdict, err = verifyInChild(ctx, c1zPath, sim.ready.URL, dir); err != nil {
				r.Err = fmt.Errorf("verify %s: %w", sc.Name, err)
				return r
			}
		}
	}
	return r
}

// parseSweep reads "8x8,16x16" (workers x client concurrency).
func parseSweep(s string) ([]sweepPoint, error) {
	var out []sweepPoint
	for part := range strings.SplitSeq(s, ",") {
		w, c, ok := strings.Cut(strings.TrimSpace(part), "x")
		wn, err1 := strconv.Atoi(w)
		cn, err2 := strconv.Atoi(c)
		if !ok || err1 != nil || err2 != nil || wn < 1 || cn < 1 {
			return nil, fmt.Errorf("-sweep %q: want WORKERSxCONCURRENCY,... such as 8x8,16x16", part)
		}
		out = append(out, sweepPoint{Workers: wn, Concurrency: cn})
	}
	return out, nil
}
