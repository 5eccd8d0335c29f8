package c1z

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// TestConcurrentUse writes pages from several goroutines while others read, as the sync engine
// does, then checks nothing was lost (run with -race).
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, out := newStore(t, Options{})
	run, err := s.StartSync(ctx, SyncTypeFull, "")
	require.NoError(t, err)
	require.NoError(t, s.PutResourceTypes(ctx, run.ID, userRT, spaceRT))
	sp := spaceRes("1")
	read := ent(sp, "read-space")
	require.NoError(t, s.PutResources(ctx, run.ID, sp))
	require.NoError(t, s.PutEntitlements(ctx, run.ID, read))

	const workers, pages, perPage = 6, 20, 25
	var g errgroup.Group
	for w := range workers {
		g.Go(func() error {
			for p := range pages {
				var users []*v2.Resource
				var grants []*v2.Grant
				for i := range perPage {
					u := userRes(fmt.Sprintf("w%d-p%d-%d", w, p, i))
					users = append(users, u)
					grants = append(grants, grant(read, u.GetId()))
				}
				if err := s.PutResources(ctx, run.ID, users...); err != nil {
					return err
				}
				has, err := s.HasResources(ctx, run.ID, []*v2.ResourceId{users[0].GetId(), rid("user", "nobody")})
				if err != nil {
					return err
				}
				if !has[ResourceKey(users[0].GetId())] || has["user:nobody"] {
					return fmt.Errorf("HasResources = %v", has)
				}
				if err := s.PutGrants(ctx, run.ID, grants...); err != nil {
					return err
				}
				if p%5 == 0 {
					if err := s.Checkpoint(ctx, run.ID, fmt.Sprintf("w%d-p%d", w, p)); err != nil {
						return err
					}
				}
			}
			return nil
		})
	}
	for range 2 {
		g.Go(func() error {
			for range 20 {
				if _, err := s.Counts(ctx, run.ID); err != nil {
					return err
				}
				if _, _, err := s.ResourcesPage(ctx, run.ID, "user", 0, 50); err != nil {
					return err
				}
			}
			return nil
		})
	}
	require.NoError(t, g.Wait())

	var all []*v2.Resource
	for after := int64(0); ; {
		page, next, err := s.ResourcesPage(ctx, run.ID, "user", after, 77)
		require.NoError(t, err)
		all = append(all, page...)
		if next == 0 {
			break
		}
		after = next
	}
	require.Len(t, all, workers*pages*perPage, "paging sees every row exactly once")
	st, err := s.Counts(ctx, run.ID)
	require.NoError(t, err)
	require.Equal(t, int64(workers*pages*perPage), st.GrantsByType["space"])
	require.NoError(t, s.EndSync(ctx, run.ID))
	require.NoError(t, s.Save(ctx))
	r, err := OpenReader(ctx, out, ReaderOptions{TempDir: t.TempDir()})
	require.NoError(t, err)
	defer r.Close()
	require.Len(t, collect(t, r.Grants(ctx, GrantFilter{})), workers*pages*perPage)
}
