package confluencetest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// genGroups creates the groups (sorted by name) and their members.
func genGroups(cfg Config, users []User, search map[string][]int, r *rand.Rand) []*groupRec {
	groups := make([]*groupRec, cfg.Groups)
	for i := range groups {
		name, access := groupName(cfg, r, i)
		groups[i] = &groupRec{id: newUUID(r), name: name, access: access, set: map[string]struct{}{}}
	}
	if len(groups) == 0 {
		return groups
	}
	noGroup := pickNoGroup(cfg, users, search, r)
	var eligible []string
	for _, u := range users[1:] {
		if u.AccountType != AccountCustomer && !noGroup[u.AccountID] {
			eligible = append(eligible, u.AccountID)
		}
	}
	pool := placeSpecial(cfg, users, groups)
	cover(cfg, r, pool, eligible)
	for _, g := range pool {
		fill(r, g, cfg.MembersPerGroup, eligible)
	}
	slices.SortFunc(groups, func(a, b *groupRec) int { return strings.Compare(a.name, b.name) })
	return groups
}

// groupName names group i: the Atlassian defaults first, then departments or synthetic names.
func groupName(cfg Config, r *rand.Rand, i int) (name, access string) {
	if cfg.Groups >= len(defaultGroups) && i < len(defaultGroups) {
		return defaultGroups[i].name, defaultGroups[i].access
	}
	if cfg.Departments {
		if j := i - len(defaultGroups); j >= 0 && j < len(departments) {
			return departments[j], "user"
		}
	}
	a, b := pick(r, groupWords), pick(r, groupWords)
	switch i % 4 {
	case 0:
		return fmt.Sprintf("%s-%s-%d", a, b, i), "user"
	case 1:
		return fmt.Sprintf("%s %s %d", a, b, i), "user"
	case 2:
		return fmt.Sprintf("%s_%s_%d", a, b, i), "user"
	default:
		return fmt.Sprintf("%s-%d", a, i), "user"
	}
}

// pickNoGroup chooses the UsersInNoGroup subset: one guest and one unlicensed user when there
// are three or more, the rest licensed users; all within the search cap of the filter that
// lists them, so each stays reachable.
func pickNoGroup(cfg Config, users []User, search map[string][]int, r *rand.Rand) map[string]bool {
	out := make(map[string]bool, cfg.UsersInNoGroup)
	want := cfg.UsersInNoGroup
	choose := func(filter string, n int, ok func(User) bool) {
		idx := search[filter]
		for _, k := range r.Perm(len(idx)) {
			if n == 0 || len(out) == want {
				return
			}
			if u := users[idx[k]]; idx[k] != 0 && ok(u) && !out[u.AccountID] {
				out[u.AccountID] = true
				n--
			}
		}
	}
	if want >= 3 {
		choose(FilterExternalCollaborator, 1, func(u User) bool { return u.Guest })
		choose(FilterAll, 1, func(u User) bool { return !u.Licensed && !u.Guest && u.AccountType == AccountAtlassian })
	}
	choose(FilterNone, want-len(out), func(u User) bool { return true })
	return out
}

// placeSpecial puts the admin and the bots where a real site has them and returns the groups
// that take generated members. In Departments mode the default groups are curated: all
// licensed humans in confluence-users, the admin alone in the admin groups.
func placeSpecial(cfg Config, users []User, groups []*groupRec) []*groupRec {
	byName := make(map[string]*groupRec, len(groups))
	for _, g := range groups {
		byName[g.name] = g
	}
	admin := users[0].AccountID
	if cfg.Groups < len(defaultGroups) {
		groups[0].add(admin)
		return groups
	}
	for _, n := range []string{"administrators", "confluence-users", "site-admins"} {
		byName[n].add(admin)
	}
	for _, u := range users {
		if u.AccountType == AccountApp {
			byName["atlassian-addons-admin"].add(u.AccountID)
		}
	}
	if !cfg.Departments {
		return groups
	}
	for _, u := range users {
		if matchesFilter(u, FilterNone) {
			byName["confluence-users"].add(u.AccountID)
		}
	}
	return groups[len(defaultGroups):]
}

// cover places every eligible user not yet in a group into one, round robin over the groups
// with room, so that nobody past the search cap is unreachable while room remains.
func cover(cfg Config, r *rand.Rand, groups []*groupRec, eligible []string) {
	if len(groups) == 0 {
		return
	}
	placed := make(map[string]bool)
	for _, g := range groups {
		for _, m := range g.members {
			placed[m] = true
		}
	}
	gi := 0
	for _, k := range r.Perm(len(eligible)) {
		id := eligible[k]
		if placed[id] {
			continue
		}
		tries := 0
		for len(groups[gi].members) >= cfg.MembersPerGroup && tries < len(groups) {
			gi = (gi + 1) % len(groups)
			tries++
		}
		if tries == len(groups) {
			return
		}
		groups[gi].add(id)
		placed[id] = true
		gi = (gi + 1) % len(groups)
	}
}

// fill tops a group up to size members drawn from eligible.
func fill(r *rand.Rand, g *groupRec, size int, eligible []string) {
	size = min(size, len(eligible))
	for tries := 0; len(g.members) < size && tries < size*20; tries++ {
		g.add(eligible[r.IntN(len(eligible))])
	}
}
