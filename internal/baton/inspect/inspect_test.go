package inspect

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/internal/baton/c1z"
	"github.com/baton-confluence/baton-confluence/internal/baton/cli"
	"github.com/baton-confluence/baton-confluence/internal/baton/fixture"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
	"github.com/baton-confluence/baton-confluence/internal/baton/types/entitlement"
	"github.com/baton-confluence/baton-confluence/internal/baton/types/grant"
	"github.com/baton-confluence/baton-confluence/internal/baton/types/resource"
)

var (
	userRT  = &v2.ResourceType{Id: "user", DisplayName: "User", Traits: []v2.ResourceType_Trait{v2.ResourceType_TRAIT_USER}}
	groupRT = &v2.ResourceType{Id: "group", DisplayName: "Group", Traits: []v2.ResourceType_Trait{v2.ResourceType_TRAIT_GROUP}}
	spaceRT = &v2.ResourceType{Id: "space", DisplayName: "Space"}
)

// tenant describes a tiny sync: users, one group with members, one space whose read
// permission is held by the listed users directly and by the group.
type tenant struct {
	users, members, readers []string
}

// writeFile writes tn as a finished, expanded sync into path.
func writeFile(t *testing.T, path string, tn tenant) {
	t.Helper()
	ctx := context.Background()
	s, err := c1z.Open(ctx, path, c1z.Options{TempDir: t.TempDir()})
	require.NoError(t, err)
	run, err := s.StartSync(ctx, c1z.SyncTypeFull, "")
	require.NoError(t, err)
	id := run.ID
	require.NoError(t, s.PutResourceTypes(ctx, id, userRT, groupRT, spaceRT))
	group, err := resource.New("Engineering", groupRT, "g1", resource.WithGroupTrait())
	require.NoError(t, err)
	space, err := resource.New("Handbook", spaceRT, "100")
	require.NoError(t, err)
	rs := []*v2.Resource{group, space}
	for _, u := range tn.users {
		r, err := resource.New("User "+u, userRT, u, resource.WithUserTrait())
		require.NoError(t, err)
		rs = append(rs, r)
	}
	require.NoError(t, s.PutResources(ctx, id, rs...))
	require.NoError(t, s.PutEntitlements(ctx, id,
		entitlement.NewAssignment(group, "member", entitlement.WithDisplayName("Engineering Group Member")),
		entitlement.NewPermission(space, "read-space", entitlement.WithDisplayName("Can read-space Handbook"))))
	var gs []*v2.Grant
	for _, m := range tn.members {
		gs = append(gs, grant.New(group, "member", &v2.ResourceId{ResourceType: "user", Resource: m}))
	}
	for _, u := range tn.readers {
		gs = append(gs, grant.New(space, "read-space", &v2.ResourceId{ResourceType: "user", Resource: u}))
	}
	gs = append(gs, grant.New(space, "read-space", group.GetId(), grant.WithExpandable("group:g1:member")))
	require.NoError(t, s.PutGrants(ctx, id, gs...))
	_, err = s.ExpandGrants(ctx, id)
	require.NoError(t, err)
	require.NoError(t, s.EndSync(ctx, id))
	require.NoError(t, s.Save(ctx))
}

func runInspect(t *testing.T, file string, args ...string) (string, error) {
	t.Helper()
	ios, _, out, _ := cli.TestIO()
	cmd := NewCmdInspect(&cli.Factory{IOStreams: ios}, func(ctx context.Context, o *Options) error {
		o.File, o.TempDir = file, t.TempDir()
		return inspectRun(ctx, o)
	})
	cmd.SetArgs(args)
	cmd.SetOut(ios.Out)
	cmd.SetErr(ios.ErrOut)
	err := cmd.ExecuteContext(t.Context())
	return out.String(), err
}

func TestInspectAnswersWhoCanDoWhat(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "s.c1z")
	writeFile(t, file, tenant{users: []string{"u1", "u2", "u3"}, members: []string{"u1", "u2"}, readers: []string{"u2", "u3"}})

	out, err := runInspect(t, file, "grants", "--entitlement", "space:100:read-space")
	require.NoError(t, err)
	require.Contains(t, out, "user:u1")
	require.Regexp(t, `user:u1\s+User u1\s+via group:g1:member`, out)
	require.Regexp(t, `user:u2\s+User u2\s+direct; also via group:g1:member`, out)
	require.Regexp(t, `user:u3\s+User u3\s+direct`, out)
	require.Regexp(t, `group:g1\s+Engineering\s+direct`, out)

	out, err = runInspect(t, file, "grants", "--principal", "user:u1", "-o", "json")
	require.NoError(t, err)
	var doc struct {
		Grants []map[string]any `json:"grants"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	require.Len(t, doc.Grants, 2, "u1: member of g1, and read-space through g1")

	out, err = runInspect(t, file, "resources", "-t", "user")
	require.NoError(t, err)
	require.Equal(t, 4, strings.Count(out, "\n"), "header + 3 users:\n%s", out)

	out, err = runInspect(t, file, "stats")
	require.NoError(t, err)
	require.Regexp(t, `space\s+1\s+1\s+4`, out)
	require.Regexp(t, `total\s+5\s+2\s+6`, out)

	out, err = runInspect(t, file, "resource-types", "-o", "json")
	require.NoError(t, err)
	require.Contains(t, out, `"resourceTypes"`)
}

func TestInspectRejectsBadInput(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"users"},
		{"grants", "-o", "yaml"},
		{"grants", "--principal", "u1"},
		{"entitlements", "--resource", ":x"},
	} {
		_, err := runInspect(t, "unused.c1z", args...)
		var exit *cli.ExitError
		require.ErrorAs(t, err, &exit, "%v", args)
		require.Equal(t, 2, exit.Code)
	}
	_, err := runInspect(t, filepath.Join(t.TempDir(), "absent.c1z"), "stats")
	require.Error(t, err)
}

func TestInspectReadsTheReferenceFile(t *testing.T) {
	t.Parallel()
	out, err := runInspect(t, fixture.Path(t, "reference-small.c1z"), "stats")
	require.NoError(t, err)
	require.Regexp(t, `user\s+60`, out)
	require.Regexp(t, `total\s+75\s+288\s+406`, out)
}

func runDiff(t *testing.T, oldFile, newFile string, args ...string) (string, error) {
	t.Helper()
	ios, _, out, _ := cli.TestIO()
	cmd := NewCmdDiff(&cli.Factory{IOStreams: ios}, nil)
	cmd.SetArgs(append([]string{oldFile, newFile}, args...))
	err := cmd.ExecuteContext(t.Context())
	return out.String(), err
}

func TestDiffShowsAccessAddedAndRemoved(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	oldFile, newFile := filepath.Join(dir, "old.c1z"), filepath.Join(dir, "new.c1z")
	writeFile(t, oldFile, tenant{users: []string{"u1", "u2", "u3"}, members: []string{"u1", "u2"}, readers: []string{"u3"}})
	writeFile(t, newFile, tenant{users: []string{"u1", "u2", "u4"}, members: []string{"u1", "u4"}, readers: []string{"u4"}})

	out, err := runDiff(t, oldFile, newFile)
	require.NoError(t, err)
	require.Regexp(t, `-\s+resource\s+user:u3`, out)
	require.Regexp(t, `\+\s+resource\s+user:u4`, out)
	require.Regexp(t, `-\s+grant\s+group:g1:member:user:u2`, out)
	require.Regexp(t, `\+\s+grant\s+space:100:read-space:user:u4\s+space:100:read-space: user User u4 \(direct; also via group:g1:member\)`, out)
	require.Contains(t, out, "2 grants added, 3 removed; 1 resources added, 1 removed")

	out, err = runDiff(t, oldFile, newFile, "-o", "json")
	require.NoError(t, err)
	var doc struct {
		Changes []change `json:"changes"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	require.Len(t, doc.Changes, 7)

	out, err = runDiff(t, oldFile, oldFile)
	require.NoError(t, err)
	require.Equal(t, "no access changes\n", out)
}

func TestMergeKeys(t *testing.T) {
	t.Parallel()
	seq := func(keys ...string) func(func(string, error) bool) {
		return func(yield func(string, error) bool) {
			for _, k := range keys {
				if !yield(k, nil) {
					return
				}
			}
		}
	}
	var got []string
	require.NoError(t, mergeKeys(seq("a", "c", "d", "f"), seq("b", "c", "e", "f", "g"), func(k string, added bool) error {
		sign := "-"
		if added {
			sign = "+"
		}
		got = append(got, sign+k)
		return nil
	}))
	require.Equal(t, []string{"-a", "+b", "-d", "+e", "+g"}, got)
}
