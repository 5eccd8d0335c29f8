package confluencetest

import (
	"math/rand/v2"
	"strconv"
)

// generate builds the whole tenant from cfg (already defaulted).
func generate(cfg Config) *state {
	st := &state{mode: cfg.RBACMode, searchCap: cfg.SearchCap, cloudID: cfg.CloudID}
	if st.cloudID == "" {
		st.cloudID = newUUID(newRand(cfg.Seed, phaseTenant))
	}
	st.users = genUsers(cfg, newRand(cfg.Seed, phaseUsers))
	st.currentUser = st.users[0].AccountID
	st.search = searchLists(st.users, cfg.SearchCap)
	st.groups = genGroups(cfg, st.users, st.search, newRand(cfg.Seed, phaseGroups))

	rs := newRand(cfg.Seed, phaseSpaces)
	st.spaces = genSpaces(cfg, st.users, rs)
	pg := &permGen{r: rs, users: st.users, groups: st.groups, nextID: 300000 + rs.Int64N(100000)}
	for _, g := range st.groups {
		if g.name == "administrators" {
			pg.adminGroup = g.id
		}
	}
	if pg.adminGroup == "" && len(st.groups) > 0 {
		pg.adminGroup = st.groups[0].id
	}
	for i, u := range st.users {
		if u.AccountType == AccountAtlassian || u.AccountType == AccountApp {
			pg.holders = append(pg.holders, i)
		}
	}
	for _, sp := range st.spaces {
		pg.genPermissions(sp, cfg.PermissionsPerSpace)
	}
	st.nextPermID = pg.nextID

	if cfg.RBAC {
		rr := newRand(cfg.Seed, phaseRBAC)
		st.roles = genRoles(cfg, rr)
		ag := &assignGen{r: rr, roles: st.roles, groups: st.groups, users: st.users, holders: pg.holders,
			adminGroup: pg.adminGroup}
		for _, sp := range st.spaces {
			ag.genAssignments(sp, cfg.RolesPerSpace)
		}
		st.nextSeq = ag.seq
	}
	st.index()
	return st
}

// systemRoles are the four roles every RBAC site has.
var systemRoles = []struct {
	name, description string
	ops               []opPair
}{
	{"Admin", "Administer the space", v1Pairs},
	{"Manager", "Manage content and people", []opPair{readSpace, {"create", "page"}, {"create", "blogpost"},
		{"create", "comment"}, {"create", "attachment"}, {"delete", "page"}, {"archive", "page"},
		{"export", "space"}, {"restrict_content", "space"}}},
	{"Collaborator", "Create and edit content", []opPair{readSpace, {"create", "page"}, {"create", "blogpost"},
		{"create", "comment"}, {"create", "attachment"}}},
	{"Viewer", "View content", []opPair{readSpace}},
}

func opIDs(ops []opPair) []string {
	out := make([]string, len(ops))
	for i, o := range ops {
		out[i] = o.id()
	}
	return out
}

// genRoles creates the system roles and cfg.CustomRoles custom ones, ascending ids.
func genRoles(cfg Config, r *rand.Rand) []Role {
	id := 1016000 + r.Int64N(1000)
	next := func() string {
		id += 1 + r.Int64N(40)
		return strconv.FormatInt(id, 10)
	}
	var roles []Role
	for _, sr := range systemRoles {
		roles = append(roles, Role{ID: next(), Type: "SYSTEM", Name: sr.name, Description: sr.description,
			SpacePermissions: opIDs(sr.ops)})
	}
	for _, cr := range customRoleNames[:cfg.CustomRoles] {
		ops := []opPair{readSpace}
		for _, k := range r.Perm(len(v1Pairs) - 1)[:1+r.IntN(4)] {
			ops = append(ops, v1Pairs[k+1])
		}
		roles = append(roles, Role{ID: next(), Type: "CUSTOM", Name: cr.name, Description: cr.description,
			SpacePermissions: opIDs(ops)})
	}
	return roles
}

// assignGen creates role assignments.
type assignGen struct {
	r          *rand.Rand
	roles      []Role
	groups     []*groupRec
	users      []User
	holders    []int
	adminGroup string
	seq        int64
}

func (ag *assignGen) put(sp *spaceRec, who principal, roleID string) {
	ag.seq++
	sp.assigns = append(sp.assigns, assign{seq: ag.seq, ptype: who.typ, pid: who.id, roleID: roleID})
}

// genAssignments gives the author (and, outside personal spaces, the admin group) the Admin
// role, then draws groups, users and sometimes an access class with other roles, one role per
// principal, want assignments in all.
func (ag *assignGen) genAssignments(sp *spaceRec, want int) {
	admin := ag.roles[0].ID
	ag.put(sp, principal{"USER", sp.AuthorID}, admin)
	if sp.Type == "personal" {
		return
	}
	used := map[principal]bool{{"USER", sp.AuthorID}: true}
	if ag.adminGroup != "" && len(sp.assigns) < want {
		ag.put(sp, principal{"GROUP", ag.adminGroup}, admin)
		used[principal{"GROUP", ag.adminGroup}] = true
	}
	for tries := 0; len(sp.assigns) < want && tries < want*10; tries++ {
		var who principal
		switch x := ag.r.IntN(100); {
		case x < 55 && len(ag.groups) > 0:
			who = principal{"GROUP", pick(ag.r, ag.groups).id}
		case x < 92:
			who = principal{"USER", ag.users[pick(ag.r, ag.holders)].AccountID}
		default:
			who = principal{"ACCESS_CLASS", pick(ag.r, []string{"authenticated-users", "all-licensed-users", "anonymous-users"})}
		}
		if used[who] {
			continue
		}
		used[who] = true
		ag.put(sp, who, ag.roles[1+ag.r.IntN(len(ag.roles)-1)].ID)
	}
}
