package confluencetest

import (
	"slices"
	"strconv"
	"sync"
)

// state is the tenant's data. Users and roles never change after generation; groups, space
// permissions and role assignments change under mu.
type state struct {
	mu sync.RWMutex

	cloudID     string
	mode        string
	currentUser string
	searchCap   int

	users   []User
	userIdx map[string]int
	search  map[string][]int // filter -> user indices, capped

	groups    []*groupRec // sorted by name
	groupByID map[string]*groupRec

	spaces     []*spaceRec // ascending numeric id
	spaceByID  map[string]*spaceRec
	spaceByKey map[string]*spaceRec

	roles    []Role
	roleByID map[string]int

	nextPermID int64
	nextSeq    int64
}

type groupRec struct {
	id, name, access string
	members          []string
	set              map[string]struct{}
}

func (g *groupRec) has(accountID string) bool {
	_, ok := g.set[accountID]
	return ok
}

func (g *groupRec) add(accountID string) {
	if g.has(accountID) {
		return
	}
	g.members = append(g.members, accountID)
	g.set[accountID] = struct{}{}
}

func (g *groupRec) remove(accountID string) {
	if !g.has(accountID) {
		return
	}
	delete(g.set, accountID)
	g.members = slices.DeleteFunc(g.members, func(m string) bool { return m == accountID })
}

// spaceRec is a space; its Space value carries no permissions or assignments (see perms and
// assigns).
type spaceRec struct {
	Space
	json    []byte // v2 rendering; spaces never change
	numID   int64
	perms   []perm   // ascending id
	assigns []assign // ascending seq
}

// principal is who holds a permission or role: a type and an id.
type principal struct{ typ, id string }

type perm struct {
	id          int64
	ptype, pid  string
	key, target string
	json        []byte // v2 rendering
}

// newPerm makes a permission and its v2 rendering (hand-written: startup renders ~100k of
// them; TestPermJSONMatchesEncoder keeps it equal to encoding/json's output).
func newPerm(id int64, who principal, op opPair) perm {
	p := perm{id: id, ptype: who.typ, pid: who.id, key: op.key, target: op.target}
	b := make([]byte, 0, 64+len(who.id)+len(op.key)+len(op.target))
	b = append(b, `{"id":"`...)
	b = strconv.AppendInt(b, id, 10)
	b = append(b, `","principal":{"type":`...)
	b = appendJSONString(b, who.typ)
	b = append(b, `,"id":`...)
	b = appendJSONString(b, who.id)
	b = append(b, `},"operation":{"key":`...)
	b = appendJSONString(b, op.key)
	b = append(b, `,"targetType":`...)
	b = appendJSONString(b, op.target)
	b = append(b, "}}"...)
	p.json = b
	return p
}

// appendJSONString appends s as a JSON string; plain ASCII is copied, anything else goes
// through encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' {
			return append(b, marshal(s)...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

type assign struct {
	seq        int64
	ptype, pid string
	roleID     string
}

func (p perm) truth() SpacePermission {
	return SpacePermission{
		ID: strconv.FormatInt(p.id, 10), PrincipalType: p.ptype, PrincipalID: p.pid, Key: p.key, Target: p.target,
	}
}

func (a assign) truth() RoleAssignment {
	return RoleAssignment{PrincipalType: a.ptype, PrincipalID: a.pid, RoleID: a.roleID}
}

// index builds the lookup maps after generation.
func (st *state) index() {
	st.userIdx = make(map[string]int, len(st.users))
	for i, u := range st.users {
		st.userIdx[u.AccountID] = i
	}
	st.groupByID = make(map[string]*groupRec, len(st.groups))
	for _, g := range st.groups {
		st.groupByID[g.id] = g
	}
	st.spaceByID = make(map[string]*spaceRec, len(st.spaces))
	st.spaceByKey = make(map[string]*spaceRec, len(st.spaces))
	for _, sp := range st.spaces {
		st.spaceByID[sp.ID] = sp
		st.spaceByKey[sp.Key] = sp
		sp.json = marshal(toV2Space(sp))
	}
	st.roleByID = make(map[string]int, len(st.roles))
	for i, r := range st.roles {
		st.roleByID[r.ID] = i
	}
}

func (st *state) user(accountID string) (User, bool) {
	i, ok := st.userIdx[accountID]
	if !ok {
		return User{}, false
	}
	return st.users[i], true
}

// truth returns a deep copy of the state.
func (st *state) truth() *Truth {
	st.mu.RLock()
	defer st.mu.RUnlock()
	t := &Truth{
		CloudID: st.cloudID, RBACMode: st.mode, CurrentUserID: st.currentUser, SearchCap: st.searchCap,
		Users:  slices.Clone(st.users),
		Groups: make([]Group, len(st.groups)),
		Spaces: make([]Space, len(st.spaces)),
		Roles:  make([]Role, len(st.roles)),
	}
	for i, g := range st.groups {
		t.Groups[i] = Group{ID: g.id, Name: g.name, AccessType: g.access, Members: slices.Clone(g.members)}
	}
	for i, sp := range st.spaces {
		s := sp.Space
		s.Permissions = make([]SpacePermission, len(sp.perms))
		for j, p := range sp.perms {
			s.Permissions[j] = p.truth()
		}
		s.RoleAssignments = make([]RoleAssignment, len(sp.assigns))
		for j, a := range sp.assigns {
			s.RoleAssignments[j] = a.truth()
		}
		t.Spaces[i] = s
	}
	for i, r := range st.roles {
		r.SpacePermissions = slices.Clone(r.SpacePermissions)
		t.Roles[i] = r
	}
	return t
}

// groupsOf returns the ids of the groups the account belongs to. Callers hold mu.
func (st *state) groupsOf(accountID string) map[string]bool {
	out := make(map[string]bool)
	for _, g := range st.groups {
		if g.has(accountID) {
			out[g.id] = true
		}
	}
	return out
}
