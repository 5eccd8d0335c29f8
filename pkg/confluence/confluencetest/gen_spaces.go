package confluencetest

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"time"
)

// opPair is an operation key and target type.
type opPair struct{ key, target string }

func (o opPair) id() string { return o.key + "/" + o.target }

// v1Pairs are the (key, target) pairs the v1 add-permission API accepts (spec §6.2).
var v1Pairs = []opPair{
	{"read", "space"}, {"administer", "space"}, {"create", "page"}, {"create", "blogpost"},
	{"create", "comment"}, {"create", "attachment"}, {"delete", "page"}, {"delete", "blogpost"},
	{"delete", "comment"}, {"delete", "attachment"}, {"delete", "space"}, {"export", "space"},
	{"archive", "page"}, {"restrict_content", "space"},
}

// v2OnlyPairs appear in v2 reads on RBAC-era sites but cannot be granted through v1.
var v2OnlyPairs = []opPair{
	{"update", "page"}, {"copy", "page"}, {"read", "whiteboard"}, {"move", "page"},
	{"create", "whiteboard"}, {"create", "folder"}, {"update", "blogpost"},
}

var (
	readSpace       = opPair{"read", "space"}
	administerSpace = opPair{"administer", "space"}
)

// roleClasses are the ids of role-typed principals in v2 space permissions (anonymous-style
// access), named like the RBAC ACCESS_CLASS ids.
var roleClasses = []struct {
	id  string
	ops []opPair
}{
	{"anonymous-users", []opPair{readSpace}},
	{"all-licensed-users", []opPair{readSpace, {"create", "comment"}}},
}

// genSpaces creates the non-personal and personal spaces, sorted by numeric id.
func genSpaces(cfg Config, users []User, r *rand.Rand) []*spaceRec {
	n := cfg.Spaces + cfg.PersonalSpaces
	used := make(map[int64]bool, n)
	authors := humans(users)
	spaces := make([]*spaceRec, 0, n)
	archived := make(map[int]bool)
	for _, k := range r.Perm(cfg.Spaces)[:min(cfg.ArchivedSpaces, cfg.Spaces)] {
		archived[k] = true
	}
	for i := range cfg.Spaces {
		sp := newSpace(r, used, users[pick(r, authors)].AccountID)
		team := pick(r, spaceTeams)
		sp.Name = team.name + " " + pick(r, spaceTopics) + pick(r, spaceRegions)
		sp.Key = team.key + strconv.Itoa(i+1)
		switch x := r.IntN(100); {
		case x < 80:
			sp.Type = "global"
		case x < 92:
			sp.Type = "collaboration"
		default:
			sp.Type = "knowledge_base"
		}
		if archived[i] {
			sp.Status = "archived"
		}
		spaces = append(spaces, sp)
	}
	for _, k := range r.Perm(len(authors))[:min(cfg.PersonalSpaces, len(authors))] {
		owner := &users[authors[k]]
		sp := newSpace(r, used, owner.AccountID)
		sp.Name, sp.Type, sp.Key = owner.DisplayName, "personal", "~"+owner.AccountID
		owner.PersonalSpaceID = sp.ID
		spaces = append(spaces, sp)
	}
	slices.SortFunc(spaces, func(a, b *spaceRec) int { return cmpInt(a.numID, b.numID) })
	return spaces
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// humans returns the indices of active, licensed atlassian users (space authors and owners).
func humans(users []User) []int {
	var out []int
	for i, u := range users {
		if u.AccountType == AccountAtlassian && u.Licensed && !u.Guest && u.Active() {
			out = append(out, i)
		}
	}
	return out
}

// newSpace draws a unique id of 5 to 9 digits (so string order differs from numeric order),
// a creation time and a homepage id.
func newSpace(r *rand.Rand, used map[int64]bool, authorID string) *spaceRec {
	var id int64
	for id == 0 || used[id] {
		digits := 5 + r.IntN(5)
		lo := int64(1)
		for range digits - 1 {
			lo *= 10
		}
		id = lo + r.Int64N(lo*9)
	}
	used[id] = true
	created := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.Int64N(6*365*24*3600)) * time.Second)
	sp := &spaceRec{numID: id, Space: Space{
		ID: strconv.FormatInt(id, 10), Status: "current", Type: "global", AuthorID: authorID,
		CreatedAt:  created.Format("2006-01-02T15:04:05.000Z"),
		HomepageID: strconv.FormatInt(id*10+int64(r.IntN(9))+1, 10),
	}}
	return sp
}

// permGen hands out permission ids and picks principals for one tenant.
type permGen struct {
	r          *rand.Rand
	users      []User
	groups     []*groupRec
	adminGroup string
	holders    []int // users that may hold permissions
	nextID     int64
}

func (pg *permGen) add(sp *spaceRec, who principal, ops []opPair) {
	for _, o := range ops {
		sp.perms = append(sp.perms, newPerm(pg.nextID, who, o))
		pg.nextID += 1 + int64(pg.r.IntN(3))
	}
}

// randomOps is read/space plus 1..5 other pairs, occasionally a v2-only one.
func (pg *permGen) randomOps() []opPair {
	ops := []opPair{readSpace}
	rest := v1Pairs[1:]
	for _, k := range pg.r.Perm(len(rest))[:1+pg.r.IntN(5)] {
		ops = append(ops, rest[k])
	}
	if pg.r.IntN(100) < 15 {
		ops = append(ops, pick(pg.r, v2OnlyPairs))
	}
	return ops
}

// genPermissions fills every space: admins (admin group and author) first, then a mix of
// groups, users and a few role principals, up to want entries for non-personal spaces. Every
// principal holds read/space before anything else.
func (pg *permGen) genPermissions(sp *spaceRec, want int) {
	if sp.Type == "personal" {
		pg.add(sp, principal{"user", sp.AuthorID}, v1Pairs)
		return
	}
	used := map[principal]bool{}
	put := func(who principal, ops []opPair) {
		if room := want - len(sp.perms); room < len(ops) && len(sp.perms) > 0 {
			ops = ops[:max(room, 0)]
		}
		used[who] = true
		pg.add(sp, who, ops)
	}
	if pg.adminGroup != "" {
		put(principal{"group", pg.adminGroup}, []opPair{readSpace, administerSpace, {"export", "space"}})
	}
	put(principal{"user", sp.AuthorID}, []opPair{readSpace, administerSpace, {"create", "page"}, {"create", "blogpost"}})
	roles := 0
	for tries := 0; len(sp.perms) < want && tries < want*10; tries++ {
		who, ops := pg.draw(&roles)
		if who.id == "" || used[who] {
			continue
		}
		put(who, ops)
	}
}

// draw picks the next permission holder: mostly groups, then users, few roles.
func (pg *permGen) draw(roles *int) (principal, []opPair) {
	switch x := pg.r.IntN(100); {
	case x < 55 && len(pg.groups) > 0:
		return principal{"group", pick(pg.r, pg.groups).id}, pg.randomOps()
	case x < 95 && len(pg.holders) > 0:
		return principal{"user", pg.users[pick(pg.r, pg.holders)].AccountID}, pg.randomOps()
	case *roles < len(roleClasses):
		rc := roleClasses[*roles]
		*roles++
		return principal{"role", rc.id}, rc.ops
	}
	return principal{}, nil
}
