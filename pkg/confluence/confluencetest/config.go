package confluencetest

import (
	"errors"
	"fmt"
	"net"
	"time"
)

// Defaults applied by NewServer to zero-valued Config fields.
const (
	DefaultUsername       = "admin@example.com"
	DefaultAPIToken       = "sim-api-token"
	DefaultSearchCap      = 10000 // results one search/user query can reach
	DefaultSearchPageCap  = 200   // search/user silently caps limit here
	DefaultGroupPageCap   = 200   // group list silently caps limit here
	DefaultMembersPageCap = 200   // membersByGroupId answers 400 above this
	DefaultV2PageCap      = 250   // v2 lists answer 400 above this
	DefaultBulkMax        = 250   // users-bulk accepts 1..this ids
	defaultAddr           = "127.0.0.1:0"
)

// RBAC modes served by GET /wiki/api/v2/space-role-mode.
const (
	ModePreRoles        = "PRE_ROLES"
	ModeRolesTransition = "ROLES_TRANSITION"
	ModeRoles           = "ROLES"
)

// Config describes the simulated tenant. Sizes are counts of generated objects; the zero value of
// an optional field takes the documented default. The same Config always generates the same data.
type Config struct {
	// Seed drives every random choice of the data generator.
	Seed int64

	// Users is the total number of accounts, including the authenticated admin (the first user)
	// and the Guests, Bots, Customers, Deactivated and Unlicensed subsets.
	Users int
	// Groups is the number of groups. With four or more, the first four are the Atlassian
	// defaults administrators, atlassian-addons-admin, confluence-users and site-admins.
	Groups int
	// Spaces is the number of non-personal spaces; PersonalSpaces come on top.
	Spaces, PersonalSpaces int
	// MembersPerGroup is the size of each group (capped by the number of eligible users).
	// Every user except customers and the UsersInNoGroup subset is placed in at least one group
	// while room remains, so users past the search cap stay reachable.
	MembersPerGroup int
	// PermissionsPerSpace is the number of space-permission entries of each non-personal space.
	PermissionsPerSpace int

	// Guests are external collaborators: listed by search/user only with
	// sitePermissionTypeFilter externalCollaborator or all.
	Guests int
	// Bots are app accounts (accountType "app"), members of atlassian-addons-admin.
	Bots int
	// Customers are JSM portal customers (accountType "customer", "qm:" ids), in no group.
	Customers int
	// Deactivated users alternate between accountStatus inactive and closed; their v1
	// operations are empty.
	Deactivated int
	// Unlicensed users have no Confluence access: listed by search/user only with filter all.
	Unlicensed int
	// UsersInNoGroup are users placed in no group; they are chosen within the search cap.
	UsersInNoGroup int
	// ArchivedSpaces is how many non-personal spaces have status archived.
	ArchivedSpaces int

	// RBAC turns on space roles and role assignments (mode ROLES_TRANSITION unless RBACMode says
	// otherwise). Without it space-role-mode answers PRE_ROLES and the RBAC endpoints 404.
	RBAC bool
	// RBACMode overrides the mode reported when RBAC is on (ROLES or ROLES_TRANSITION).
	RBACMode string
	// RolesPerSpace is the number of role assignments generated in each space.
	RolesPerSpace int
	// CustomRoles is the number of custom roles besides the four system roles (at most 10).
	CustomRoles int

	// Departments names groups after company departments and spaces after team topics (the Demo
	// preset) instead of synthetic names.
	Departments bool

	// Username and APIToken are the Basic-auth credentials; Username is also the email of the
	// authenticated admin user. Defaults: DefaultUsername, DefaultAPIToken.
	Username, APIToken string
	// CloudID is the id reported by /_edge/tenant_info and expected in gateway paths
	// (default: derived from Seed).
	CloudID string

	// SearchCap is the number of results one search/user query can reach (default 10,000).
	SearchCap int
	// SearchPageCap is the server-side max page size of search/user (default 200).
	SearchPageCap int
	// GroupPageCap is the server-side max page size of the group list (default 200).
	GroupPageCap int
	// MembersPageCap is the max limit of membersByGroupId; above it the server answers 400.
	MembersPageCap int
	// V2PageCap is the max limit of v2 lists; above it the server answers 400 (default 250).
	V2PageCap int

	// Addr is the listen address, host:port; the host must be 127.0.0.1 or ::1
	// (default 127.0.0.1:0).
	Addr string

	// Faults is the initial fault configuration (see Server.SetFaults).
	Faults Faults
}

// Small is a tenant like the reference fixture: 60 users, 8 groups, 7 spaces (one personal).
func Small() Config {
	return Config{
		Seed: 1, Users: 60, Groups: 8, Spaces: 6, PersonalSpaces: 1,
		MembersPerGroup: 12, PermissionsPerSpace: 20,
		Guests: 2, Bots: 2, Customers: 1, Deactivated: 3, Unlicensed: 2, UsersInNoGroup: 3,
		ArchivedSpaces: 1, RolesPerSpace: 4, CustomRoles: 2,
	}
}

// Medium is 5,000 users, 200 groups, 500 spaces + 50 personal, 50 members per group and 50
// permissions per space.
func Medium() Config {
	return Config{
		Seed: 2, Users: 5000, Groups: 200, Spaces: 500, PersonalSpaces: 50,
		MembersPerGroup: 50, PermissionsPerSpace: 50,
		Guests: 50, Bots: 10, Customers: 20, Deactivated: 100, Unlicensed: 100, UsersInNoGroup: 50,
		ArchivedSpaces: 25, RolesPerSpace: 6, CustomRoles: 4,
	}
}

// Large is 20,000 users (half of them past the search cap), 1,000 groups, 2,000 spaces + 200
// personal, 50 members per group and 40 permissions per space.
func Large() Config {
	return Config{
		Seed: 3, Users: 20000, Groups: 1000, Spaces: 2000, PersonalSpaces: 200,
		MembersPerGroup: 50, PermissionsPerSpace: 40,
		Guests: 200, Bots: 20, Customers: 50, Deactivated: 400, Unlicensed: 300, UsersInNoGroup: 100,
		ArchivedSpaces: 100, RolesPerSpace: 6, CustomRoles: 6,
	}
}

// Demo is a realistic small company: 240 people with unicode names, departments as groups, a
// guest, a bot, deactivated users, personal spaces and team spaces with group and user
// permissions. It needs no credentials beyond the defaults.
func Demo() Config {
	return Config{
		Seed: 2024, Users: 240, Groups: 16, Spaces: 14, PersonalSpaces: 2,
		MembersPerGroup: 24, PermissionsPerSpace: 24,
		Guests: 1, Bots: 1, Customers: 0, Deactivated: 2, Unlicensed: 3, UsersInNoGroup: 2,
		ArchivedSpaces: 1, RolesPerSpace: 5, CustomRoles: 2, Departments: true,
	}
}

// withDefaults fills zero-valued optional fields and checks the rest.
func (c Config) withDefaults() (Config, error) {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.SearchCap, DefaultSearchCap)
	def(&c.SearchPageCap, DefaultSearchPageCap)
	def(&c.GroupPageCap, DefaultGroupPageCap)
	def(&c.MembersPageCap, DefaultMembersPageCap)
	def(&c.V2PageCap, DefaultV2PageCap)
	if c.Username == "" {
		c.Username = DefaultUsername
	}
	if c.APIToken == "" {
		c.APIToken = DefaultAPIToken
	}
	if c.Addr == "" {
		c.Addr = defaultAddr
	}
	if c.Users < 1 {
		c.Users = 1
	}
	if c.CustomRoles > len(customRoleNames) {
		c.CustomRoles = len(customRoleNames)
	}
	if c.RBAC && c.RBACMode == "" {
		c.RBACMode = ModeRolesTransition
	}
	if !c.RBAC {
		c.RBACMode = ModePreRoles
	}
	return c, c.validate()
}

func (c Config) validate() error {
	for name, v := range map[string]int{
		"groups": c.Groups, "spaces": c.Spaces, "personal spaces": c.PersonalSpaces,
		"members per group": c.MembersPerGroup, "permissions per space": c.PermissionsPerSpace,
		"guests": c.Guests, "bots": c.Bots, "customers": c.Customers, "deactivated": c.Deactivated,
		"unlicensed": c.Unlicensed, "users in no group": c.UsersInNoGroup,
		"archived spaces": c.ArchivedSpaces, "roles per space": c.RolesPerSpace,
		"custom roles": c.CustomRoles,
	} {
		if v < 0 {
			return fmt.Errorf("%s must not be negative", name)
		}
	}
	switch c.RBACMode {
	case ModePreRoles, ModeRoles, ModeRolesTransition:
	default:
		return fmt.Errorf("unknown rbac mode %q", c.RBACMode)
	}
	if err := CheckLoopback(c.Addr); err != nil {
		return err
	}
	return c.Faults.validate()
}

// CheckLoopback returns an error unless addr (host:port) names 127.0.0.1 or ::1.
func CheckLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("parse listen address %q: %w", addr, err)
	}
	ip := net.ParseIP(host)
	if ip == nil || (!ip.Equal(net.IPv4(127, 0, 0, 1)) && !ip.Equal(net.IPv6loopback)) {
		return errors.New("listen address must be 127.0.0.1 or ::1, got " + host)
	}
	return nil
}

// sleepFor is the default Faults.Sleep: it waits d or until ctx is done.
func sleepFor(done <-chan struct{}, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-done:
	}
}
