package c1z

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"
	"google.golang.org/protobuf/proto"

	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// benchShape is the size of the BenchmarkWrite1M data set: Confluence-like ids and payloads.
type benchShape struct {
	users, groups, spaces   int
	permsPerSpace           int // space entitlements on the first spaces, until entitlements are reached
	entitlements            int
	grants                  int
	membersPerGroup         int
	groupGrants             int // expandable space-permission grants to groups
	workers, pageSize       int
	resourcesPage, entsPage int
}

var shape1M = benchShape{
	users: 15000, groups: 1000, spaces: 4000, permsPerSpace: 25, entitlements: 100000,
	grants: 1000000, membersPerGroup: 10, groupGrants: 100000,
	workers: 4, pageSize: 200, resourcesPage: 100, entsPage: 100,
}

var benchVerbs = []string{"read-space", "create-page", "create-blogpost", "create-comment", "create-attachment",
	"delete-page", "delete-blogpost", "delete-comment", "delete-attachment", "delete-space", "archive-page",
	"export-space", "restrict_content-space", "administer-space", "update-page", "update-blogpost",
	"update-comment", "update-attachment", "read-page", "read-blogpost", "read-comment", "read-attachment",
	"archive-blogpost", "export-page", "administer-page"}

func benchUserID(i int) string {
	if i%3 == 0 {
		return fmt.Sprintf("%024x", uint64(i)*0x9e3779b97f4a7c15)
	}
	return fmt.Sprintf("712020:%08x-%04x-4%03x-a%03x-%012x", i*2654435761, i%65536, i%4096, (i*7)%4096, uint64(i)*0x9e3779b97f4a7c15)
}

func benchGroupID(i int) string {
	return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", i*40503, i%65536, i%4096, (i*13)%4096, uint64(i)*0xbf58476d1ce4e5b9)
}

func benchSpaceID(i int) string { return fmt.Sprintf("%d", 100000+i*37) }

// benchData builds the data set lazily, page by page, so the generator holds almost nothing.
type benchData struct {
	benchShape
	spaceRes []*v2.Resource // spaces are embedded in entitlements and grants; 4000 small messages
	groupRes []*v2.Resource
}

func newBenchData(sh benchShape) *benchData {
	d := &benchData{benchShape: sh}
	for i := range sh.spaces {
		d.spaceRes = append(d.spaceRes, &v2.Resource{Id: rid("space", benchSpaceID(i)), DisplayName: fmt.Sprintf("Engineering Space %d", i),
			Description: "Team space for documentation and planning"})
	}
	for i := range sh.groups {
		d.groupRes = append(d.groupRes, groupRes(benchGroupID(i)))
	}
	return d
}

func (d *benchData) resource(i int) *v2.Resource {
	switch {
	case i < d.users:
		return userRes(benchUserID(i))
	case i < d.users+d.groups:
		return d.groupRes[i-d.users]
	default:
		return d.spaceRes[i-d.users-d.groups]
	}
}

// entitlement i: the first `groups` are group memberships, then space permissions.
func (d *benchData) entitlement(i int) *v2.Entitlement {
	if i < d.groups {
		return ent(d.groupRes[i], "member", userRT)
	}
	j := i - d.groups
	return ent(d.spaceRes[j/d.permsPerSpace], benchVerbs[j%d.permsPerSpace], groupRT)
}

// grant i, in the order a sync collects them (resource by resource): group memberships, then
// for each space entitlement its expandable group grants followed by its direct user grants.
// The group grants and user grants are spread evenly over the space entitlements.
func (d *benchData) grant(i int) *v2.Grant {
	members := d.groups * d.membersPerGroup
	if i < members {
		g := i / d.membersPerGroup
		return grant(d.entitlement(g), rid("user", benchUserID((g*97+i%d.membersPerGroup*1543)%d.users)))
	}
	k, slot := d.spaceGrantSlot(i - members)
	e := d.entitlement(d.groups + k)
	nGroups := d.groupGrants / (d.entitlements - d.groups)
	if k < d.groupGrants%(d.entitlements-d.groups) {
		nGroups++
	}
	if slot < nGroups {
		g := (k*31 + slot*17) % d.groups
		return grant(e, rid("group", benchGroupID(g)), expandable("group:"+benchGroupID(g)+":member"))
	}
	return grant(e, rid("user", benchUserID((k*7919+(slot-nGroups)*1543)%d.users)))
}

// spaceGrantSlot maps the j-th space grant to (space entitlement k, its slot-th grant).
func (d *benchData) spaceGrantSlot(j int) (k, slot int) {
	spaceEnts := d.entitlements - d.groups
	userGrants := d.grants - d.groups*d.membersPerGroup - d.groupGrants
	count := func(k int) int { // grants on space entitlement k
		n := d.groupGrants/spaceEnts + userGrants/spaceEnts
		if k < d.groupGrants%spaceEnts {
			n++
		}
		if k < userGrants%spaceEnts {
			n++
		}
		return n
	}
	// Entitlements fall into at most three runs of equal counts; walk them.
	for k < spaceEnts {
		c := count(k)
		run := spaceEnts - k
		for _, b := range []int{d.groupGrants % spaceEnts, userGrants % spaceEnts} {
			if b > k && b-k < run {
				run = b - k
			}
		}
		if j < run*c {
			return k + j/c, j % c
		}
		j -= run * c
		k += run
	}
	return spaceEnts - 1, 0
}

// putPaged writes n items in pages from several workers, as the sync engine does.
func putPaged[M proto.Message](ctx context.Context, workers, page, n int, item func(int) M, put func(context.Context, ...M) error) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for start := 0; start < n; start += page {
		g.Go(func() error {
			batch := make([]M, 0, page)
			for i := start; i < min(start+page, n); i++ {
				batch = append(batch, item(i))
			}
			return put(ctx, batch...)
		})
	}
	return g.Wait()
}

func (d *benchData) write(ctx context.Context, s *Store, syncID string) error {
	if err := s.PutResourceTypes(ctx, syncID, userRT, groupRT, spaceRT); err != nil {
		return err
	}
	if err := putPaged(ctx, d.workers, d.resourcesPage, d.users+d.groups+d.spaces, d.resource,
		func(ctx context.Context, rs ...*v2.Resource) error { return s.PutResources(ctx, syncID, rs...) }); err != nil {
		return err
	}
	if err := putPaged(ctx, d.workers, d.entsPage, d.entitlements, d.entitlement,
		func(ctx context.Context, es ...*v2.Entitlement) error { return s.PutEntitlements(ctx, syncID, es...) }); err != nil {
		return err
	}
	return putPaged(ctx, d.workers, d.pageSize, d.grants, d.grant,
		func(ctx context.Context, gs ...*v2.Grant) error { return s.PutGrants(ctx, syncID, gs...) })
}

// BenchmarkWrite1M writes 20,000 resources, 100,000 entitlements and 1,000,000 grants (10% of
// them expandable group grants), expands them and saves. Run with -benchtime=1x. Metrics:
// write-s + save-s (the target), expand-s, peak RSS of write+save and of expansion, file size.
func BenchmarkWrite1M(b *testing.B) {
	benchWrite(b, shape1M)
}

func benchWrite(b *testing.B, sh benchShape) {
	ctx := b.Context()
	for b.Loop() {
		dir := b.TempDir()
		d := newBenchData(sh)
		runtime.GC()
		var s *Store
		var run *SyncRun
		var st ExpandStats
		cpu0 := cpuTime()
		write, writeRSS := phase(b, func() (err error) {
			if s, err = Open(ctx, filepath.Join(dir, "bench.c1z"), Options{TempDir: dir}); err != nil {
				return err
			}
			if run, err = s.StartSync(ctx, SyncTypeFull, ""); err != nil {
				return err
			}
			return d.write(ctx, s, run.ID)
		})
		if os.Getenv("C1Z_BENCH_DEBUG") != "" {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.Logf("write: cpu %v, go heap in use %.0f MiB, gc cycles %d", cpuTime()-cpu0, float64(ms.HeapInuse)/(1<<20), ms.NumGC)
		}
		expand, expandRSS := phase(b, func() (err error) {
			st, err = s.ExpandGrants(ctx, run.ID)
			return err
		})
		end, endRSS := phase(b, func() error { return s.EndSync(ctx, run.ID) })
		save, saveRSS := phase(b, func() error { return s.Save(ctx) })
		fi, err := os.Stat(filepath.Join(dir, "bench.c1z"))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(write.Seconds(), "write-s")
		b.ReportMetric(expand.Seconds(), "expand-s")
		b.ReportMetric(end.Seconds(), "endsync-s")
		b.ReportMetric(save.Seconds(), "save-s")
		b.ReportMetric((write + end + save).Seconds(), "write+save-s")
		b.ReportMetric(max(writeRSS, endRSS, saveRSS)/(1<<20), "write+save-peak-MiB")
		b.ReportMetric(expandRSS/(1<<20), "expand-peak-MiB")
		b.ReportMetric(float64(fi.Size())/(1<<20), "file-MiB")
		b.ReportMetric(float64(st.Created), "derived")
		b.ReportMetric(float64(st.Updated), "merged")
	}
}

// phase runs fn and returns its wall time and the peak RSS of the process while it ran.
func phase(b *testing.B, fn func() error) (time.Duration, float64) {
	b.Helper()
	resetPeakRSS()
	t := time.Now()
	if err := fn(); err != nil {
		b.Fatal(err)
	}
	return time.Since(t), maxRSS()
}

// scaled divides every count of sh by div.
func scaled(sh benchShape, div int) benchShape {
	sh.users, sh.groups, sh.spaces = sh.users/div, sh.groups/div, sh.spaces/div
	sh.entitlements, sh.grants, sh.groupGrants = sh.entitlements/div, sh.grants/div, sh.groupGrants/div
	return sh
}

// BenchmarkWriteSmall is the same at 1/50 scale, for a quick look.
func BenchmarkWriteSmall(b *testing.B) { benchWrite(b, scaled(shape1M, 50)) }

// BenchmarkWrite200K is the same at 1/5 scale.
func BenchmarkWrite200K(b *testing.B) { benchWrite(b, scaled(shape1M, 5)) }

// TestBenchDataShape checks the generator: the advertised counts, unique grant ids, and 10%
// expandable grants.
func TestBenchDataShape(t *testing.T) {
	t.Parallel()
	d := newBenchData(scaled(shape1M, 50))
	ids := map[string]bool{}
	expandables := 0
	for i := range d.grants {
		g := d.grant(i)
		require.False(t, ids[g.GetId()], "duplicate grant id %s at %d", g.GetId(), i)
		ids[g.GetId()] = true
		if len(g.GetAnnotations()) > 0 {
			expandables++
		}
	}
	require.Equal(t, d.groupGrants, expandables)
	ents := map[string]bool{}
	for i := range d.entitlements {
		ents[d.entitlement(i).GetId()] = true
	}
	require.Len(t, ents, d.entitlements)
}
