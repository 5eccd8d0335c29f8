package confluencetest

// Truth is a deep-copied snapshot of everything the simulated tenant serves, in the order the API
// lists it. Tests map it to expected results; changing it does not change the server.
type Truth struct {
	CloudID string `json:"cloudId"`
	// RBACMode is what space-role-mode reports (PRE_ROLES when RBAC is off).
	RBACMode string `json:"rbacMode"`
	// CurrentUserID is the account the credentials authenticate (user/current).
	CurrentUserID string `json:"currentUserId"`
	// SearchCap is the number of results one search/user query can reach.
	SearchCap int `json:"searchCap"`
	// Users in search/user order (the order of every filter's result list).
	Users []User `json:"users"`
	// Groups in listing order: alphabetical by name (byte order; names are lower case).
	Groups []Group `json:"groups"`
	// Spaces in listing order: ascending numeric id.
	Spaces []Space `json:"spaces"`
	// Roles are the tenant's space roles (empty when RBAC is off), ascending numeric id.
	Roles []Role `json:"roles"`
}

// Account types and statuses.
const (
	AccountAtlassian = "atlassian"
	AccountApp       = "app"
	AccountCustomer  = "customer"
	StatusActive     = "active"
	StatusInactive   = "inactive"
	StatusClosed     = "closed"
)

// Values of search/user's sitePermissionTypeFilter.
const (
	FilterNone                 = "none"
	FilterExternalCollaborator = "externalCollaborator"
	FilterAll                  = "all"
)

// User is one account.
type User struct {
	AccountID     string `json:"accountId"`
	AccountType   string `json:"accountType"`   // atlassian, app or customer
	AccountStatus string `json:"accountStatus"` // active, inactive or closed
	DisplayName   string `json:"displayName"`
	PublicName    string `json:"publicName"`
	// Email is "" when hidden by the profile's privacy settings (served as null by v1).
	Email    string `json:"email"`
	TimeZone string `json:"timeZone"`
	// Guest marks external collaborators.
	Guest bool `json:"guest"`
	// Licensed users hold Confluence product access; deactivated users keep the flag (they are
	// still in the licensed directory) but their v1 operations are empty.
	Licensed bool `json:"licensed"`
	// Searchable is true when search/user with the default filter (none) reaches the user
	// within the cap. See Truth.SearchResults for the other filters.
	Searchable bool `json:"searchable"`
	// PersonalSpaceID is the id of the user's personal space, if any.
	PersonalSpaceID string `json:"personalSpaceId,omitempty"`
}

// Active reports whether the account is active.
func (u User) Active() bool { return u.AccountStatus == StatusActive }

// Group is one group with its members in membersByGroupId order.
type Group struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// AccessType is the group's permission level for the accessType filter: user, admin or
	// site-admin.
	AccessType string   `json:"accessType"`
	Members    []string `json:"members"`
}

// Space is one space with its permissions and role assignments in listing order.
type Space struct {
	ID         string `json:"id"` // numeric string
	Key        string `json:"key"`
	Name       string `json:"name"`
	Type       string `json:"type"`   // global, collaboration, knowledge_base or personal
	Status     string `json:"status"` // current or archived
	AuthorID   string `json:"authorId"`
	HomepageID string `json:"homepageId"`
	CreatedAt  string `json:"createdAt"`
	// Permissions in v2 listing order (ascending numeric id).
	Permissions []SpacePermission `json:"permissions"`
	// RoleAssignments in v2 listing order (empty when RBAC is off).
	RoleAssignments []RoleAssignment `json:"roleAssignments"`
}

// SpacePermission is one v2 space-permission assignment.
type SpacePermission struct {
	ID            string `json:"id"`            // numeric string; the v1 DELETE takes it
	PrincipalType string `json:"principalType"` // user, group or role
	PrincipalID   string `json:"principalId"`   // accountId, group id, or a role name
	Key           string `json:"key"`           // operation key, e.g. read
	Target        string `json:"target"`        // target type, e.g. space
}

// Role is one RBAC space role.
type Role struct {
	ID          string `json:"id"`
	Type        string `json:"type"` // SYSTEM or CUSTOM
	Name        string `json:"name"`
	Description string `json:"description"`
	// SpacePermissions are catalogue ids of the form key/target, e.g. read/space.
	SpacePermissions []string `json:"spacePermissions"`
}

// RoleAssignment gives a principal a role in a space.
type RoleAssignment struct {
	PrincipalType string `json:"principalType"` // USER, GROUP or ACCESS_CLASS
	PrincipalID   string `json:"principalId"`
	RoleID        string `json:"roleId"`
}

// SearchResults returns the users search/user lists for a sitePermissionTypeFilter value
// ("" means none), across all pages, in order, after the cap.
func (t *Truth) SearchResults(filter string) []User {
	var out []User
	for _, u := range t.Users {
		if len(out) == t.SearchCap {
			break
		}
		if matchesFilter(u, filter) {
			out = append(out, u)
		}
	}
	return out
}

// matchesFilter is the one definition of which users a search filter lists.
func matchesFilter(u User, filter string) bool {
	switch filter {
	case FilterAll:
		return true
	case FilterExternalCollaborator:
		return u.Guest
	default:
		return u.Licensed && !u.Guest && u.AccountType == AccountAtlassian
	}
}

// User returns the user with the account id.
func (t *Truth) User(accountID string) (User, bool) {
	for _, u := range t.Users {
		if u.AccountID == accountID {
			return u, true
		}
	}
	return User{}, false
}

// Group returns the group with the id.
func (t *Truth) Group(id string) (Group, bool) {
	for _, g := range t.Groups {
		if g.ID == id {
			return g, true
		}
	}
	return Group{}, false
}

// Space returns the space with the id.
func (t *Truth) Space(id string) (Space, bool) {
	for _, s := range t.Spaces {
		if s.ID == id {
			return s, true
		}
	}
	return Space{}, false
}

// SpaceByKey returns the space with the key.
func (t *Truth) SpaceByKey(key string) (Space, bool) {
	for _, s := range t.Spaces {
		if s.Key == key {
			return s, true
		}
	}
	return Space{}, false
}
