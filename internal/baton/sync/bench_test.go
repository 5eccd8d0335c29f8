package sync

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/baton-confluence/baton-confluence/internal/baton/c1z"

	"github.com/baton-confluence/baton-confluence/internal/baton/sync/fakeconnector"
)

// benchConfig: 20,000 resources, ~101,000 entitlements and 500,000 grants listed (plus the
// grants that expansion derives from 8,000 expandable group grants of 20 members each).
func benchConfig() fakeconnector.Config {
	return fakeconnector.Config{
		Users: 15000, Groups: 1000, Spaces: 4000, MembersPerGroup: 20, EntitlementsPerSpace: 25,
		UserGrantsPerSpace: 118, GroupGrantsPerSpace: 2, PageSize: 100,
	}
}

// BenchmarkEngine measures a full sync of benchConfig into a c1z, saved. Run it alone so the
// peak RSS is this benchmark's:
//
//	go test -run '^$' -bench BenchmarkEngine -benchtime 1x ./internal/baton/sync/
func BenchmarkEngine(b *testing.B) {
	ctx := context.Background()
	var size int64
	var last string
	for b.Loop() {
		dir := b.TempDir()
		path := filepath.Join(dir, "sync.c1z")
		if _, err := syncFile(ctx, path, dir, fakeconnector.New(benchConfig()), Options{}); err != nil {
			b.Fatal(err)
		}
		fi, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		size, last = fi.Size(), path
	}
	b.StopTimer()
	// Peak RSS of the syncs, before the reader below decompresses the file.
	if mib, ok := peakRSSMiB(); ok {
		b.ReportMetric(mib, "peak-RSS-MiB")
	}
	r, err := c1z.OpenReader(ctx, last, c1z.ReaderOptions{TempDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	st, err := r.Stats(ctx)
	_ = r.Close()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(st.Resources), "resources")
	b.ReportMetric(float64(st.Entitlements), "entitlements")
	b.ReportMetric(float64(st.Grants), "grants")
	b.ReportMetric(float64(size)/(1<<20), "file-MiB")
}
