package connector

import (
	"github.com/baton-confluence/baton-confluence/pkg/confluence"

	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
	"github.com/baton-confluence/baton-confluence/internal/baton/types/resource"
)

// Account types and statuses as Confluence sends them.
const (
	accountAtlassian = "atlassian"
	statusActive     = "active"
	statusInactive   = "inactive"
	statusClosed     = "closed"
)

// isHuman reports whether an account is a person (accountType atlassian). Apps (bots), JSM
// customers and unknown accounts are never users and never grant principals.
func isHuman(accountType string) bool { return accountType == accountAtlassian }

// hasOperations reports whether the account may do anything in Confluence; an account with
// operations is active.
func hasOperations(u confluence.User) bool { return len(u.Operations) > 0 }

// bulkStatus reads a users-bulk account status: enabled and whether the status was conclusive
// (unknown or missing statuses are not).
func bulkStatus(b confluence.BulkUser) (enabled, known bool) {
	switch b.AccountStatus {
	case statusActive:
		return true, true
	case statusInactive, statusClosed:
		return false, true
	}
	return false, false
}

// userName is the name shown for an account: its display name, else its public name, else the
// account id (display names can be hidden by privacy settings).
func userName(u confluence.User) string {
	switch {
	case u.DisplayName != "":
		return u.DisplayName
	case u.PublicName != "":
		return u.PublicName
	}
	return u.AccountID
}

// userResource maps a human account to a user resource: the UserTrait (primary email when
// visible, status), the profile keys of the canonical connector and the resource status.
func userResource(u confluence.User, enabled bool) (*v2.Resource, error) {
	name := userName(u)
	traitStatus, status := v2.UserTrait_Status_STATUS_DISABLED, v2.Status_RESOURCE_STATUS_DISABLED
	if enabled {
		traitStatus, status = v2.UserTrait_Status_STATUS_ENABLED, v2.Status_RESOURCE_STATUS_ENABLED
	}
	return resource.New(name, userType, u.AccountID,
		resource.WithUserTrait(resource.WithEmail(u.Email, true), resource.WithUserStatus(traitStatus)),
		resource.WithProfile(map[string]any{
			"user_name":    name,
			"account_type": u.AccountType,
			"email":        u.Email,
			"id":           u.AccountID,
		}),
		resource.WithStatus(status),
	)
}
