package confluencetest

import (
	"net/url"
	"strconv"
)

// JSON shapes of the answers, as in the API fact sheet.

type operation struct {
	Operation  string `json:"operation"`
	TargetType string `json:"targetType"`
}

type picture struct {
	Path      string `json:"path"`
	Width     int    `json:"width,omitempty"`
	Height    int    `json:"height,omitempty"`
	IsDefault bool   `json:"isDefault"`
}

type selfLink struct {
	Self string `json:"self,omitempty"`
}

type v1SpaceRef struct {
	ID     int64    `json:"id"`
	Key    string   `json:"key"`
	Name   string   `json:"name"`
	Type   string   `json:"type"`
	Status string   `json:"status"`
	Links  selfLink `json:"_links"`
}

// v1User is the v1 User object; expandable fields are present only when expanded.
type v1User struct {
	Type                   string            `json:"type"`
	AccountID              string            `json:"accountId"`
	AccountType            string            `json:"accountType"`
	Email                  *string           `json:"email"`
	PublicName             string            `json:"publicName"`
	TimeZone               string            `json:"timeZone,omitempty"`
	ProfilePicture         picture           `json:"profilePicture"`
	DisplayName            string            `json:"displayName"`
	ExternalCollaborator   bool              `json:"externalCollaborator"`
	IsExternalCollaborator *bool             `json:"isExternalCollaborator,omitempty"`
	Operations             *[]operation      `json:"operations,omitempty"`
	PersonalSpace          *v1SpaceRef       `json:"personalSpace,omitempty"`
	Expandable             map[string]string `json:"_expandable,omitempty"`
	Links                  selfLink          `json:"_links"`
}

// v1Operations are the user's product operations: licensed active accounts can use (and the
// admin administer) the application; others have none.
func v1Operations(u User, admin bool) []operation {
	ops := []operation{}
	if !u.Active() || (!u.Licensed && !u.Guest && u.AccountType != AccountApp) {
		return ops
	}
	if admin {
		ops = append(ops, operation{"administer", "application"})
	}
	return append(ops, operation{"use", "application"})
}

// toV1User renders u; exp holds the expand values. Callers hold st.mu for personalSpace.
func (st *state) toV1User(base string, u User, exp map[string]bool) v1User {
	v := v1User{
		Type: "known", AccountID: u.AccountID, AccountType: u.AccountType, PublicName: u.PublicName,
		TimeZone: u.TimeZone, DisplayName: u.DisplayName, ExternalCollaborator: u.Guest,
		ProfilePicture: picture{Path: "/wiki/aa-avatar/" + url.PathEscape(u.AccountID), Width: 48, Height: 48},
		Links:          selfLink{Self: base + "/rest/api/user?accountId=" + url.QueryEscape(u.AccountID)},
	}
	if u.Email != "" {
		email := u.Email
		v.Email = &email
	}
	var unexpanded map[string]string
	later := func(name string) {
		if unexpanded == nil {
			unexpanded = map[string]string{}
		}
		unexpanded[name] = ""
	}
	if exp["operations"] {
		ops := v1Operations(u, u.AccountID == st.currentUser)
		v.Operations = &ops
	} else {
		later("operations")
	}
	if exp["isExternalCollaborator"] {
		g := u.Guest
		v.IsExternalCollaborator = &g
	} else {
		later("isExternalCollaborator")
	}
	if exp["personalSpace"] && u.PersonalSpaceID != "" {
		if sp := st.spaceByID[u.PersonalSpaceID]; sp != nil {
			v.PersonalSpace = &v1SpaceRef{ID: sp.numID, Key: sp.Key, Name: sp.Name, Type: sp.Type,
				Status: sp.Status, Links: selfLink{Self: base + "/rest/api/space/" + url.PathEscape(sp.Key)}}
		}
	} else if !exp["personalSpace"] {
		later("personalSpace")
	}
	v.Expandable = unexpanded
	return v
}

// v2User is an entry of users-bulk.
type v2User struct {
	AccountID              string  `json:"accountId"`
	AccountType            string  `json:"accountType"`
	AccountStatus          string  `json:"accountStatus"`
	DisplayName            string  `json:"displayName"`
	PublicName             string  `json:"publicName"`
	Email                  string  `json:"email"`
	TimeZone               string  `json:"timeZone,omitempty"`
	PersonalSpaceID        string  `json:"personalSpaceId,omitempty"`
	IsExternalCollaborator bool    `json:"isExternalCollaborator"`
	ProfilePicture         picture `json:"profilePicture"`
}

func toV2User(u User) v2User {
	return v2User{
		AccountID: u.AccountID, AccountType: u.AccountType, AccountStatus: u.AccountStatus,
		DisplayName: u.DisplayName, PublicName: u.PublicName, Email: u.Email, TimeZone: u.TimeZone,
		PersonalSpaceID: u.PersonalSpaceID, IsExternalCollaborator: u.Guest,
		ProfilePicture: picture{Path: "/wiki/aa-avatar/" + url.PathEscape(u.AccountID)},
	}
}

type v1Group struct {
	Type  string   `json:"type"`
	Name  string   `json:"name"`
	ID    string   `json:"id"`
	Links selfLink `json:"_links"`
}

func toV1Group(base string, g *groupRec) v1Group {
	return v1Group{Type: "group", Name: g.name, ID: g.id,
		Links: selfLink{Self: base + "/rest/api/group/by-id?id=" + url.QueryEscape(g.id)}}
}

type webUILink struct {
	WebUI string `json:"webui"`
}

// v2Space is a space of the v2 list and detail answers.
type v2Space struct {
	ID          string      `json:"id"`
	Key         string      `json:"key"`
	Name        string      `json:"name"`
	Type        string      `json:"type"`
	Status      string      `json:"status"`
	AuthorID    string      `json:"authorId"`
	CreatedAt   string      `json:"createdAt"`
	HomepageID  string      `json:"homepageId"`
	Description *string     `json:"description"`
	Icon        *string     `json:"icon"`
	Operations  *v2Embedded `json:"operations,omitempty"`
	Permissions *v2Embedded `json:"permissions,omitempty"`
	Links       webUILink   `json:"_links"`
}

func toV2Space(sp *spaceRec) v2Space {
	return v2Space{
		ID: sp.ID, Key: sp.Key, Name: sp.Name, Type: sp.Type, Status: sp.Status, AuthorID: sp.AuthorID,
		CreatedAt: sp.CreatedAt, HomepageID: sp.HomepageID,
		Links: webUILink{WebUI: "/spaces/" + url.PathEscape(sp.Key)},
	}
}

// v2Embedded is an include-* collection on a single object (at most 50 items).
type v2Embedded struct {
	Results any        `json:"results"`
	Meta    v2MetaPage `json:"meta"`
	Links   selfLink   `json:"_links"`
}

type v2MetaPage struct {
	HasMore bool   `json:"hasMore"`
	Cursor  string `json:"cursor,omitempty"`
}

type v2Principal struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

type v2Operation struct {
	Key        string `json:"key"`
	TargetType string `json:"targetType"`
}

// v2Permission is a space-permission assignment.
type v2Permission struct {
	ID        string      `json:"id"`
	Principal v2Principal `json:"principal"`
	Operation v2Operation `json:"operation"`
}

func toV2Permission(p perm) v2Permission {
	return v2Permission{ID: strconv.FormatInt(p.id, 10), Principal: v2Principal{Type: p.ptype, ID: p.pid},
		Operation: v2Operation{Key: p.key, TargetType: p.target}}
}

type rbacPrincipal struct {
	PrincipalType string `json:"principalType"`
	PrincipalID   string `json:"principalId"`
}

type v2Assignment struct {
	Principal rbacPrincipal `json:"principal"`
	RoleID    string        `json:"roleId,omitempty"`
}

func toV2Assignment(a assign) v2Assignment {
	return v2Assignment{Principal: rbacPrincipal{PrincipalType: a.ptype, PrincipalID: a.pid}, RoleID: a.roleID}
}
