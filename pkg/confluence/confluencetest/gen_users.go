package confluencetest

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Generator phases get independent random streams, so that changing one size does not reshuffle
// the data of another phase.
const (
	phaseUsers uint64 = iota + 1
	phaseGroups
	phaseSpaces
	phaseRBAC
	phaseTenant
)

func newRand(seed int64, phase uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), phase*0x9e3779b97f4a7c15))
}

// newUUID formats 16 random bytes as a version-4 UUID.
func newUUID(r *rand.Rand) string {
	hi, lo := r.Uint64(), r.Uint64()
	hi = hi&^(0xf<<12) | 0x4<<12
	lo = lo&^(0x3<<62) | 0x2<<62
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", hi>>32, hi>>16&0xffff, hi&0xffff, lo>>48, lo&0xffffffffffff)
}

// newHexID is an old-style 24-hex-digit account id.
func newHexID(r *rand.Rand) string {
	return fmt.Sprintf("%08x%016x", r.Uint32(), r.Uint64())
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// genUsers generates cfg.Users accounts; the first is the authenticated admin.
func genUsers(cfg Config, r *rand.Rand) []User {
	users := make([]User, cfg.Users)
	users[0] = User{
		AccountID: "712020:" + newUUID(r), AccountType: AccountAtlassian, AccountStatus: StatusActive,
		DisplayName: "Site Admin", PublicName: "Site Admin", Email: cfg.Username,
		TimeZone: "Europe/Berlin", Licensed: true,
	}
	for i := 1; i < len(users); i++ {
		users[i] = newPerson(r, i)
	}
	order := r.Perm(len(users) - 1)
	next := 0
	take := func(n int, apply func(u *User, k int)) {
		for k := 0; k < n && next < len(order); k++ {
			apply(&users[order[next]+1], k)
			next++
		}
	}
	take(cfg.Bots, func(u *User, k int) { makeBot(r, u, k) })
	take(cfg.Customers, func(u *User, k int) { makeCustomer(r, u, k) })
	take(cfg.Guests, func(u *User, k int) {
		u.Guest, u.Licensed = true, false
		if u.Email != "" {
			u.Email = emailLocal(u.DisplayName, k) + "@partner.example.org"
		}
	})
	take(cfg.Deactivated, func(u *User, k int) {
		u.AccountStatus = StatusInactive
		if k%2 == 1 {
			u.AccountStatus, u.DisplayName, u.PublicName, u.Email = StatusClosed, "Former user", "Former user", ""
		}
	})
	take(cfg.Unlicensed, func(u *User, _ int) { u.Licensed = false })
	return users
}

// newPerson is a licensed, active human with a unicode name; some hide their email.
func newPerson(r *rand.Rand, i int) User {
	first, last := pick(r, firstNames), pick(r, lastNames)
	name := first + " " + last
	if r.IntN(100) < 3 {
		name += " " + pick(r, emojis)
	}
	u := User{
		AccountType: AccountAtlassian, AccountStatus: StatusActive, DisplayName: name, PublicName: name,
		TimeZone: pick(r, timeZones), Licensed: true,
	}
	switch x := r.IntN(100); {
	case x < 60:
		u.AccountID = "712020:" + newUUID(r)
	case x < 98:
		u.AccountID = newHexID(r)
	default:
		u.AccountID = "qm:" + newUUID(r) + ":" + newUUID(r)
	}
	if r.IntN(100) < 15 {
		u.PublicName = first
	}
	if r.IntN(100) >= 10 {
		u.Email = emailLocal(name, i) + "@example.com"
	}
	return u
}

// emailLocal builds "first.last<n>" in ASCII, falling back to "user<n>".
func emailLocal(name string, n int) string {
	var parts []string
	for _, w := range strings.Fields(name) {
		if p := emailPart(w); p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return "user" + strconv.Itoa(n)
	}
	local := parts[0]
	if len(parts) > 1 {
		local += "." + strings.Join(parts[1:], "")
	}
	return local + strconv.Itoa(n)
}

func makeBot(r *rand.Rand, u *User, k int) {
	name := botNames[k%len(botNames)]
	if k >= len(botNames) {
		name += " " + strconv.Itoa(k/len(botNames)+1)
	}
	*u = User{
		AccountID: "557058:" + newUUID(r), AccountType: AccountApp, AccountStatus: StatusActive,
		DisplayName: name, PublicName: name, TimeZone: "UTC",
	}
}

func makeCustomer(r *rand.Rand, u *User, k int) {
	u.AccountID = "qm:" + newUUID(r) + ":" + newUUID(r)
	u.AccountType, u.Licensed = AccountCustomer, false
	u.Email = "customer" + strconv.Itoa(k+1) + "@customer.example.net"
}

// searchLists computes, per filter, the indices of the users search/user lists (capped), and
// marks the users the default filter reaches as Searchable.
func searchLists(users []User, limit int) map[string][]int {
	lists := make(map[string][]int, 3)
	for _, f := range []string{FilterNone, FilterExternalCollaborator, FilterAll} {
		var idx []int
		for i, u := range users {
			if len(idx) == limit {
				break
			}
			if matchesFilter(u, f) {
				idx = append(idx, i)
			}
		}
		lists[f] = idx
	}
	for _, i := range lists[FilterNone] {
		users[i].Searchable = true
	}
	return lists
}
