package c1z

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// siteShape is a Confluence site as the connector stores it: users, groups with members, spaces
// with one entitlement per permission verb and permission grants, about half of them to groups
// (expandable into the group's members).
type siteShape struct {
	users, groups, spaces int
	membersPerGroup       int
	permsPerSpace         int // permission grants per space
	verbs                 int // entitlements per space
}

var (
	// siteMedium is shaped like the simulator's Medium tenant: 22,200 entitlements, ~35,000
	// direct grants, ~13,750 expandable group grants and ~690,000 derived grants.
	siteMedium = siteShape{users: 5000, groups: 200, spaces: 550, membersPerGroup: 50, permsPerSpace: 50, verbs: 40}
	// siteLarge is shaped like the Large tenant: 89,000 entitlements, ~2.2 million derived grants.
	siteLarge = siteShape{users: 20000, groups: 1000, spaces: 2200, membersPerGroup: 50, permsPerSpace: 40, verbs: 40}
)

var siteVerbs = []string{"read-space", "create-page", "create-blogpost", "create-comment", "create-attachment",
	"delete-page", "delete-blogpost", "delete-comment", "delete-attachment", "delete-space", "archive-page",
	"export-space", "restrict_content-space", "administer-space", "update-page", "update-blogpost",
	"update-comment", "update-attachment", "read-page", "read-blogpost", "read-comment", "read-attachment",
	"archive-blogpost", "export-page", "administer-page", "create-whiteboard", "delete-whiteboard",
	"update-whiteboard", "read-whiteboard", "create-database", "delete-database", "update-database",
	"read-database", "create-embed", "delete-embed", "update-embed", "read-embed", "create-folder",
	"delete-folder", "update-folder"}

// site generates the data of a siteShape deterministically, one item at a time.
type site struct {
	siteShape
	userRT, groupRT *v2.ResourceType
	spaceList       []*v2.Resource
	groupList       []*v2.Resource
}

func newSite(sh siteShape) *site {
	st := &site{siteShape: sh, userRT: userRT, groupRT: groupRT}
	for i := range sh.spaces {
		profile, _ := structpb.NewStruct(map[string]any{"space_key": fmt.Sprintf("SP%d", i), "space_status": "current", "space_type": "global"})
		st.spaceList = append(st.spaceList, &v2.Resource{Id: rid("space", siteSpaceID(i)), DisplayName: fmt.Sprintf("Engineering Handbook %d", i),
			Profile: profile})
	}
	for i := range sh.groups {
		st.groupList = append(st.groupList, &v2.Resource{Id: rid("group", siteGroupID(i)), DisplayName: fmt.Sprintf("team-%d", i),
			Annotations: annotations.New(&v2.GroupTrait{})})
	}
	return st
}

func siteUserID(i int) string {
	if i%4 == 0 {
		return fmt.Sprintf("%024x", uint64(i)*0x9e3779b97f4a7c15)
	}
	return fmt.Sprintf("712020:%08x-%04x-4%03x-a%03x-%012x", uint32(i*2654435761), i%65536, i%4096, (i*7)%4096, uint64(i)*0x9e3779b97f4a7c15&0xffffffffffff)
}

func siteGroupID(i int) string {
	return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", uint32(i*40503), i%65536, i%4096, (i*13)%4096, uint64(i)*0xbf58476d1ce4e5b9&0xffffffffffff)
}

func siteSpaceID(i int) string { return fmt.Sprintf("%d", 10000+i*131) }

func (st *site) member(g *v2.Resource) *v2.Entitlement {
	return &v2.Entitlement{Resource: g, Id: ResourceKey(g.GetId()) + ":member", DisplayName: g.GetDisplayName() + " Group Member",
		Description: "Is member of the " + g.GetDisplayName() + " group", GrantableTo: []*v2.ResourceType{st.userRT},
		Purpose: v2.Entitlement_PURPOSE_VALUE_ASSIGNMENT, Slug: "member"}
}

func (st *site) permission(space, verb int) *v2.Entitlement {
	sp, v := st.spaceList[space], siteVerbs[verb]
	return &v2.Entitlement{Resource: sp, Id: ResourceKey(sp.GetId()) + ":" + v, DisplayName: "Can " + v + " " + sp.GetDisplayName(),
		Description: "Has permission to " + v + " the " + sp.GetDisplayName() + " space in Confluence",
		GrantableTo: []*v2.ResourceType{st.userRT, st.groupRT}, Purpose: v2.Entitlement_PURPOSE_VALUE_PERMISSION, Slug: v}
}

// write stores the site as a sync does: resource types, resources, entitlements, then grants.
func (st *site) write(ctx context.Context, s *Store, syncID string) error {
	if err := s.PutResourceTypes(ctx, syncID, userRT, groupRT, spaceRT); err != nil {
		return err
	}
	var page []*v2.Resource
	for i := range st.users {
		page = append(page, userRes(siteUserID(i)))
		if len(page) == 200 || i == st.users-1 {
			if err := s.PutResources(ctx, syncID, page...); err != nil {
				return err
			}
			page = page[:0]
		}
	}
	if err := s.PutResources(ctx, syncID, append(st.groupList, st.spaceList...)...); err != nil {
		return err
	}
	var ents []*v2.Entitlement
	for _, g := range st.groupList {
		ents = append(ents, st.member(g))
	}
	for sp := range st.spaces {
		for v := range st.verbs {
			ents = append(ents, st.permission(sp, v))
		}
		if err := s.PutEntitlements(ctx, syncID, ents...); err != nil {
			return err
		}
		ents = ents[:0]
	}
	return st.writeGrants(ctx, s, syncID)
}

// writeGrants stores group memberships and, per space, permsPerSpace permission grants:
// even slots to groups (expandable), odd slots to users; every sixth slot gives a member of
// the previous slot's group the same permission directly (merged during expansion).
func (st *site) writeGrants(ctx context.Context, s *Store, syncID string) error {
	var gs []*v2.Grant
	for g, gr := range st.groupList {
		m := st.member(gr)
		for k := range st.membersPerGroup {
			gs = append(gs, grant(m, rid("user", siteUserID((g*97+k*1543)%st.users))))
		}
		if len(gs) >= 500 {
			if err := s.PutGrants(ctx, syncID, gs...); err != nil {
				return err
			}
			gs = gs[:0]
		}
	}
	for sp := range st.spaces {
		for j := range st.permsPerSpace {
			e := st.permission(sp, j%st.verbs)
			if j%2 == 0 {
				g := (sp*31 + j*17) % st.groups
				gs = append(gs, grant(e, st.groupList[g].GetId(), expandable(ResourceKey(st.groupList[g].GetId())+":member")))
			} else if j%6 == 1 { // a member of the group of slot j-1 also holds its permission directly
				g := (sp*31 + (j-1)*17) % st.groups
				e = st.permission(sp, (j-1)%st.verbs)
				gs = append(gs, grant(e, rid("user", siteUserID((g*97+(sp%st.membersPerGroup)*1543)%st.users))))
			} else {
				gs = append(gs, grant(e, rid("user", siteUserID((sp*7919+j*1543)%st.users))))
			}
		}
		if len(gs) >= 500 || sp == st.spaces-1 {
			if err := s.PutGrants(ctx, syncID, gs...); err != nil {
				return err
			}
			gs = gs[:0]
		}
	}
	return nil
}

// BenchmarkExpandMedium writes a store shaped like the Medium sync (not timed), then expands,
// ends the sync and saves it. Run with -benchtime=1x. Metrics: expand-s, endsync-s, save-s,
// the peak RSS of the process during expansion and during end+save, and the file size.
func BenchmarkExpandMedium(b *testing.B) { benchExpand(b, siteMedium) }

// BenchmarkExpandLarge is the same for the Large shape.
func BenchmarkExpandLarge(b *testing.B) { benchExpand(b, siteLarge) }

func benchExpand(b *testing.B, sh siteShape) {
	ctx := b.Context()
	for b.Loop() {
		dir := b.TempDir()
		st := newSite(sh)
		s, err := Open(ctx, filepath.Join(dir, "bench.c1z"), Options{TempDir: dir})
		require.NoError(b, err)
		run, err := s.StartSync(ctx, SyncTypeFull, "")
		require.NoError(b, err)
		require.NoError(b, st.write(ctx, s, run.ID))
		runtime.GC()
		debug.FreeOSMemory()
		var xs ExpandStats
		debugRSS := os.Getenv("C1Z_BENCH_DEBUG") != ""
		var smp *rssSampler
		if debugRSS {
			smp = startRSSSampler()
		}
		cpu0 := cpuTime()
		expand, expandRSS := phase(b, func() (err error) {
			xs, err = s.ExpandGrants(ctx, run.ID)
			return err
		})
		cpu1 := cpuTime()
		if debugRSS {
			b.Logf("expand peaks (MiB): %s", smp.finish())
			smp = startRSSSampler()
		}
		end, endRSS := phase(b, func() error { return s.EndSync(ctx, run.ID) })
		save, saveRSS := phase(b, func() error { return s.Save(ctx) })
		cpu2 := cpuTime()
		if debugRSS {
			b.Logf("end+save peaks (MiB): %s", smp.finish())
		}
		fi, err := os.Stat(filepath.Join(dir, "bench.c1z"))
		require.NoError(b, err)
		if os.Getenv("C1Z_BENCH_DEBUG") != "" {
			b.Logf("stats %+v", xs)
		}
		b.ReportMetric(expand.Seconds(), "expand-s")
		b.ReportMetric((cpu1 - cpu0).Seconds(), "expand-cpu-s")
		b.ReportMetric((cpu2 - cpu1).Seconds(), "end+save-cpu-s")
		b.ReportMetric(end.Seconds(), "endsync-s")
		b.ReportMetric(save.Seconds(), "save-s")
		b.ReportMetric(expandRSS/(1<<20), "expand-peak-MiB")
		b.ReportMetric(max(endRSS, saveRSS)/(1<<20), "save-peak-MiB")
		b.ReportMetric(float64(fi.Size())/(1<<20), "file-MiB")
		b.ReportMetric(float64(xs.Created), "derived")
		b.ReportMetric(float64(xs.Updated), "merged")
	}
}
