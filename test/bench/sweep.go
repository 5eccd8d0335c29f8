package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	gosync "sync"
	"text/tabwriter"
	"time"

	"github.com/baton-confluence/baton-confluence/pkg/config"
	"github.com/baton-confluence/baton-confluence/pkg/connector"

	"github.com/baton-confluence/baton-confluence/internal/baton/c1z"
	"github.com/baton-confluence/baton-confluence/internal/baton/runner"
	"github.com/baton-confluence/baton-confluence/internal/baton/sync"
)

// sweepPoint is one worker count and client concurrency of the sweep.
type sweepPoint struct{ Workers, Concurrency int }

// runSweep measures the network side of a sync (resources and grants phases, no expansion) of
// the medium tenant at 50 ms per request for each worker count and client concurrency. It runs
// the connector and engine in this process, because the binary has no flag for the client's
// concurrency; the simulator is still a separate process.
func runSweep(ctx context.Context, binDir, dir string, points []sweepPoint, repeat int, w io.Writer) error {
	sim, err := startSim(ctx, binDir, []string{"--preset", "medium", "--latency", "50ms"}, dir)
	if err != nil {
		return err
	}
	defer sim.stop()
	fmt.Fprintf(w, "\nWorkers and client concurrency, medium tenant at 50 ms (medians of %d):\n\n", repeat)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workers\tmax concurrency\tresources s\tgrants s\tboth s\trequests\tmax in flight\t")
	for _, p := range points {
		var res, grants, both []time.Duration
		var reqs, conc []int64
		for range repeat {
			if err := sim.resetStats(ctx); err != nil {
				return err
			}
			phases, err := syncInProcess(ctx, sim.ready, filepath.Join(dir, "sweep.c1z"), dir, p)
			if err != nil {
				return err
			}
			st, err := sim.stats(ctx)
			if err != nil {
				return err
			}
			res, grants = append(res, phases["resources"]), append(grants, phases["grants"])
			both = append(both, phases["resources"]+phases["grants"])
			reqs, conc = append(reqs, st.Total), append(conc, st.MaxConcurrent)
		}
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%d\t%d\t\n", p.Workers, p.Concurrency, seconds(medianOf(res)),
			seconds(medianOf(grants)), seconds(medianOf(both)), medianOf(reqs), medianOf(conc))
	}
	return tw.Flush()
}

// syncInProcess runs one sync without grant expansion and returns each phase's time.
func syncInProcess(ctx context.Context, sim simReady, path, tempDir string, p sweepPoint) (map[string]time.Duration, error) {
	cfg := config.Config{DomainURL: sim.URL, Username: sim.Username, APIKey: sim.APIToken}
	conn, err := connector.New(ctx, cfg, connector.WithMaxConcurrency(p.Concurrency))
	if err != nil {
		return nil, fmt.Errorf("create connector: %w", err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("remove the previous c1z: %w", err)
	}
	phases := map[string]time.Duration{}
	var mu gosync.Mutex // the engine reports from several goroutines
	opts := sync.Options{Workers: p.Workers, SkipExpandGrants: true, Progress: func(pr sync.Progress) {
		if pr.Done && pr.ResourceType == "" {
			mu.Lock()
			phases[pr.Phase] = pr.Elapsed
			mu.Unlock()
		}
	}}
	if err := runner.SyncToFile(ctx, conn, path, c1z.Options{TempDir: tempDir}, opts); err != nil {
		return nil, fmt.Errorf("sync with %d workers and concurrency %d: %w", p.Workers, p.Concurrency, err)
	}
	return phases, nil
}
