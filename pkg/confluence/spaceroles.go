package confluence

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
)

// SpaceRolesService reads and sets RBAC space roles (v2). On tenants without RBAC data these
// endpoints answer 404 (ErrNotFound).
type SpaceRolesService service

// Principal filters a role listing to one principal: both fields or neither.
type Principal struct {
	Type string // USER, GROUP or ACCESS_CLASS
	ID   string
}

func (p Principal) set(q url.Values) error {
	if (p.Type == "") != (p.ID == "") {
		return errors.New("principal type and id must be given together")
	}
	setIf(q, "principal-type", p.Type)
	setIf(q, "principal-id", p.ID)
	return nil
}

// SpaceRoleListOptions filters and pages the role list.
type SpaceRoleListOptions struct {
	SpaceID   string // roles available in one space; empty = all roles of the tenant
	RoleType  string // SYSTEM or CUSTOM
	Principal Principal
	CursorOptions
}

// RoleAssignmentListOptions filters and pages a space's role assignments.
type RoleAssignmentListOptions struct {
	RoleID    string
	RoleType  string
	Principal Principal
	CursorOptions
}

// Mode returns the tenant's RBAC mode: RoleModePreRoles, RoleModeTransition or RoleModeRoles
// (GET /wiki/api/v2/space-role-mode).
func (s *SpaceRolesService) Mode(ctx context.Context) (*SpaceRoleMode, *Response, error) {
	req, err := s.client.newRequest(ctx, http.MethodGet, "/wiki/api/v2/space-role-mode", nil, "", nil)
	if err != nil {
		return nil, nil, err
	}
	var m SpaceRoleMode
	resp, err := s.client.do(req, requestMeta{}, &m)
	if err != nil {
		return nil, resp, err
	}
	return &m, resp, nil
}

// List returns one page of space roles (GET /wiki/api/v2/space-roles).
func (s *SpaceRolesService) List(ctx context.Context, opts *SpaceRoleListOptions) ([]SpaceRole, *Response, error) {
	var o SpaceRoleListOptions
	if opts != nil {
		o = *opts
	}
	q := url.Values{}
	setIf(q, "space-id", o.SpaceID)
	setIf(q, "role-type", o.RoleType)
	if err := o.Principal.set(q); err != nil {
		return nil, nil, fmt.Errorf("list space roles: %w", err)
	}
	return getV2List[SpaceRole](ctx, s.client, "/wiki/api/v2/space-roles", q, o.CursorOptions)
}

// All walks every page of the role list.
func (s *SpaceRolesService) All(ctx context.Context, opts *SpaceRoleListOptions) iter.Seq2[SpaceRole, error] {
	var o SpaceRoleListOptions
	if opts != nil {
		o = *opts
	}
	return allByCursor(o.Cursor, func(cursor string) ([]SpaceRole, *Response, error) {
		o.Cursor = cursor
		return s.List(ctx, &o)
	})
}

// Assignments returns one page of a space's role assignments; only roles with at least one
// assignee appear (GET /wiki/api/v2/spaces/{id}/role-assignments).
func (s *SpaceRolesService) Assignments(ctx context.Context, spaceID string, opts *RoleAssignmentListOptions) ([]RoleAssignment, *Response, error) {
	if spaceID == "" {
		return nil, nil, errors.New("list role assignments: space id is empty")
	}
	var o RoleAssignmentListOptions
	if opts != nil {
		o = *opts
	}
	q := url.Values{}
	setIf(q, "role-id", o.RoleID)
	setIf(q, "role-type", o.RoleType)
	if err := o.Principal.set(q); err != nil {
		return nil, nil, fmt.Errorf("list role assignments: %w", err)
	}
	path := "/wiki/api/v2/spaces/" + url.PathEscape(spaceID) + "/role-assignments"
	return getV2List[RoleAssignment](ctx, s.client, path, q, o.CursorOptions)
}

// AllAssignments walks every page of a space's role assignments.
func (s *SpaceRolesService) AllAssignments(ctx context.Context, spaceID string, opts *RoleAssignmentListOptions) iter.Seq2[RoleAssignment, error] {
	var o RoleAssignmentListOptions
	if opts != nil {
		o = *opts
	}
	return allByCursor(o.Cursor, func(cursor string) ([]RoleAssignment, *Response, error) {
		o.Cursor = cursor
		return s.Assignments(ctx, spaceID, &o)
	})
}

// SetAssignments sets principals' roles in a space in one request
// (POST /wiki/api/v2/spaces/{id}/role-assignments). An entry without RoleID removes that
// principal's role. The whole update succeeds or fails. Setting the same state twice is
// harmless, so the client retries it like a GET.
func (s *SpaceRolesService) SetAssignments(ctx context.Context, spaceID string, assignments []RoleAssignment) ([]RoleAssignment, *Response, error) {
	if spaceID == "" || len(assignments) == 0 {
		return nil, nil, errors.New("set role assignments: space id and at least one assignment are required")
	}
	for i, a := range assignments {
		if a.Principal.PrincipalType == "" || a.Principal.PrincipalID == "" {
			return nil, nil, fmt.Errorf("set role assignments: entry %d has no principal", i)
		}
	}
	path := "/wiki/api/v2/spaces/" + url.PathEscape(spaceID) + "/role-assignments"
	req, err := s.client.newRequest(ctx, http.MethodPost, path, nil, "", assignments)
	if err != nil {
		return nil, nil, err
	}
	var page v2Page[RoleAssignment]
	resp, err := s.client.do(req, requestMeta{retrySafe: true}, &page)
	if err != nil {
		return nil, resp, err
	}
	return page.Results, resp, nil
}
