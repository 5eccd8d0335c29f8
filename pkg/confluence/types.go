package confluence

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// ID is an identifier Confluence sends either as a JSON string or as a JSON number (v2 ids are
// strings, v1 permission ids are numbers). It always holds the decimal or textual form; null
// leaves it empty. It encodes as a JSON string.
type ID string

// UnmarshalJSON accepts a string, a number or null.
func (id *ID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("decode id: %w", err)
		}
		*id = ID(s)
		return nil
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("decode id %s: want a string or a number", truncateUTF8(string(b), 40))
		}
		*id = ID(n.String())
		return nil
	}
}

// String returns the id text.
func (id ID) String() string { return string(id) }

// Operation is one operation a user or the caller may perform (v1 user "operations", v2 space
// "operations").
type Operation struct {
	Operation  string `json:"operation"`
	TargetType string `json:"targetType"`
}

// User is a v1 user (user/current, group members, the user inside a search result).
type User struct {
	Type        string `json:"type"` // known, unknown, anonymous, user
	AccountID   string `json:"accountId"`
	AccountType string `json:"accountType"` // atlassian, app, "" (v2 adds customer, unknown)
	Email       string `json:"email"`       // may be empty when the profile hides it
	PublicName  string `json:"publicName"`
	DisplayName string `json:"displayName"`
	TimeZone    string `json:"timeZone"`
	// IsExternalCollaborator and ExternalCollaborator are both used for guests.
	IsExternalCollaborator bool             `json:"isExternalCollaborator"`
	ExternalCollaborator   bool             `json:"externalCollaborator"`
	IsGuest                bool             `json:"isGuest"`
	ProfilePicture         *ProfilePicture  `json:"profilePicture"`
	Operations             []Operation      `json:"operations"` // with expand=operations
	PersonalSpace          *PersonalSpaceV1 `json:"personalSpace"`
}

// Guest reports whether any of the guest flags is set.
func (u User) Guest() bool { return u.IsExternalCollaborator || u.ExternalCollaborator || u.IsGuest }

// ProfilePicture is a user's avatar.
type ProfilePicture struct {
	Path      string `json:"path"`
	Width     int    `json:"width"`
	Height    int    `json:"height"`
	IsDefault bool   `json:"isDefault"`
}

// PersonalSpaceV1 is the personal space embedded in a v1 user with expand=personalSpace.
type PersonalSpaceV1 struct {
	ID   ID     `json:"id"`
	Key  string `json:"key"`
	Name string `json:"name"`
}

// BulkUser is a v2 user from users-bulk.
type BulkUser struct {
	AccountID              string          `json:"accountId"`
	AccountType            string          `json:"accountType"`   // atlassian, app, customer, unknown
	AccountStatus          string          `json:"accountStatus"` // active, inactive, closed, unknown
	DisplayName            string          `json:"displayName"`
	PublicName             string          `json:"publicName"`
	Email                  string          `json:"email"`
	TimeZone               string          `json:"timeZone"`
	PersonalSpaceID        ID              `json:"personalSpaceId"`
	IsExternalCollaborator bool            `json:"isExternalCollaborator"`
	ProfilePicture         *ProfilePicture `json:"profilePicture"`
}

// Group is a v1 group.
type Group struct {
	Type string `json:"type"`
	Name string `json:"name"` // mutable since March 2022
	ID   string `json:"id"`   // stable
}

// Space is a v2 space (list and single).
type Space struct {
	ID                 ID                `json:"id"`
	Key                string            `json:"key"`
	Name               string            `json:"name"`
	Type               string            `json:"type"`   // global, collaboration, knowledge_base, personal, ...
	Status             string            `json:"status"` // current, archived
	AuthorID           string            `json:"authorId"`
	CreatedAt          string            `json:"createdAt"`
	HomepageID         ID                `json:"homepageId"`
	CurrentActiveAlias string            `json:"currentActiveAlias"`
	Description        *SpaceDescription `json:"description"`
	Icon               *SpaceIcon        `json:"icon"`
	Operations         *EmbeddedOps      `json:"operations"` // Get with IncludeOperations
	Links              struct {
		WebUI string `json:"webui"`
	} `json:"_links"`
}

// SpaceDescription holds the description in the requested formats.
type SpaceDescription struct {
	Plain *BodyValue `json:"plain"`
	View  *BodyValue `json:"view"`
}

// BodyValue is a text in one representation.
type BodyValue struct {
	Value          string `json:"value"`
	Representation string `json:"representation"`
}

// SpaceIcon is a space's icon.
type SpaceIcon struct {
	Path            string `json:"path"`
	APIDownloadLink string `json:"apiDownloadLink"`
}

// EmbeddedOps is an embedded, capped collection of operations (at most 50 items; Meta.HasMore
// says whether there are more).
type EmbeddedOps struct {
	Results []Operation `json:"results"`
	Meta    struct {
		HasMore bool   `json:"hasMore"`
		Cursor  string `json:"cursor"`
	} `json:"meta"`
}

// SpacePermission is one v2 space permission assignment.
type SpacePermission struct {
	ID        ID `json:"id"` // the id the v1 delete takes
	Principal struct {
		Type string `json:"type"` // user, group, role
		ID   string `json:"id"`
	} `json:"principal"`
	Operation struct {
		Key        string `json:"key"`
		TargetType string `json:"targetType"`
	} `json:"operation"`
}

// PermissionSubject is who a v1 space permission is for.
type PermissionSubject struct {
	Type       string `json:"type"`       // user or group
	Identifier string `json:"identifier"` // accountId or groupId
}

// PermissionOperation is what a v1 space permission allows.
type PermissionOperation struct {
	Key    string `json:"key"`    // read, create, delete, export, administer, archive, restrict_content, ...
	Target string `json:"target"` // space, page, blogpost, comment, attachment
}

// SpacePermissionRequest is the body of an add-space-permission request.
type SpacePermissionRequest struct {
	Subject   PermissionSubject   `json:"subject"`
	Operation PermissionOperation `json:"operation"`
}

// SpacePermissionV1 is the permission an add-space-permission request created.
type SpacePermissionV1 struct {
	ID        ID                  `json:"id"`
	Subject   PermissionSubject   `json:"subject"`
	Operation PermissionOperation `json:"operation"`
}

// AvailablePermission is one entry of the space-permission catalogue.
type AvailablePermission struct {
	ID                    string   `json:"id"`
	DisplayName           string   `json:"displayName"`
	Description           string   `json:"description"`
	RequiredPermissionIDs []string `json:"requiredPermissionIds"`
}

// Space role modes.
const (
	RoleModePreRoles   = "PRE_ROLES"
	RoleModeTransition = "ROLES_TRANSITION"
	RoleModeRoles      = "ROLES"
)

// SpaceRoleMode is the tenant's RBAC mode.
type SpaceRoleMode struct {
	Mode string `json:"mode"` // PRE_ROLES, ROLES_TRANSITION, ROLES
}

// SpaceRole is an RBAC space role.
type SpaceRole struct {
	ID               string   `json:"id"`
	Type             string   `json:"type"` // SYSTEM, CUSTOM
	Name             string   `json:"name"`
	Description      string   `json:"description"`
	SpacePermissions []string `json:"spacePermissions"`
}

// Principal types of RBAC role assignments.
const (
	PrincipalUser        = "USER"
	PrincipalGroup       = "GROUP"
	PrincipalAccessClass = "ACCESS_CLASS"
)

// RolePrincipal is who a role assignment is for.
type RolePrincipal struct {
	PrincipalType string `json:"principalType"` // USER, GROUP, ACCESS_CLASS
	PrincipalID   string `json:"principalId"`
}

// RoleAssignment is one principal's role in a space. In SetAssignments an empty RoleID removes
// the principal's role.
type RoleAssignment struct {
	Principal RolePrincipal `json:"principal"`
	RoleID    string        `json:"roleId,omitempty"`
}

// TenantInfo is the answer of /_edge/tenant_info.
type TenantInfo struct {
	CloudID string `json:"cloudId"`
}
