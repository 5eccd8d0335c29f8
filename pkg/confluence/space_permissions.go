package confluence

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"net/url"
	"strings"
)

// Permissions returns one page of a space's permission assignments
// (GET /wiki/api/v2/spaces/{id}/permissions). There is no server-side filter.
func (s *SpacesService) Permissions(ctx context.Context, spaceID string, opts *CursorOptions) ([]SpacePermission, *Response, error) {
	if spaceID == "" {
		return nil, nil, errors.New("list space permissions: space id is empty")
	}
	var o CursorOptions
	if opts != nil {
		o = *opts
	}
	path := "/wiki/api/v2/spaces/" + url.PathEscape(spaceID) + "/permissions"
	return getV2List[SpacePermission](ctx, s.client, path, url.Values{}, o)
}

// AllPermissions walks every page of a space's permission assignments.
func (s *SpacesService) AllPermissions(ctx context.Context, spaceID string, opts *CursorOptions) iter.Seq2[SpacePermission, error] {
	var o CursorOptions
	if opts != nil {
		o = *opts
	}
	return allByCursor(o.Cursor, func(cursor string) ([]SpacePermission, *Response, error) {
		o.Cursor = cursor
		return s.Permissions(ctx, spaceID, &o)
	})
}

// AddPermission grants one permission in the space with the given KEY (not the numeric id):
// POST /wiki/rest/api/space/{spaceKey}/permission. A 400 saying the permission already exists
// matches ErrPermissionExists (and ErrBadRequest). Not retried except on 429: a repeated grant
// would only hit "already exists", but the caller decides.
func (s *SpacesService) AddPermission(ctx context.Context, spaceKey string, perm SpacePermissionRequest) (*SpacePermissionV1, *Response, error) {
	if spaceKey == "" {
		return nil, nil, errors.New("add space permission: space key is empty")
	}
	if perm.Subject.Type == "" || perm.Subject.Identifier == "" || perm.Operation.Key == "" || perm.Operation.Target == "" {
		return nil, nil, errors.New("add space permission: subject type and identifier, operation key and target are required")
	}
	path := "/wiki/rest/api/space/" + url.PathEscape(spaceKey) + "/permission"
	req, err := s.client.newRequest(ctx, http.MethodPost, path, nil, "", perm)
	if err != nil {
		return nil, nil, err
	}
	var out SpacePermissionV1
	resp, err := s.client.do(req, requestMeta{}, &out)
	if err != nil {
		return nil, resp, markPermissionExists(err)
	}
	return &out, resp, nil
}

// markPermissionExists makes a 400 "already exists" answer match ErrPermissionExists.
func markPermissionExists(err error) error {
	var e *Error
	if errors.As(err, &e) && e.StatusCode == http.StatusBadRequest {
		text := strings.ToLower(e.Message + " " + e.Body)
		if strings.Contains(text, "already exist") {
			e.also = ErrPermissionExists
		}
	}
	return err
}

// RemovePermission deletes one permission by id from the space with the given KEY
// (DELETE /wiki/rest/api/space/{spaceKey}/permission/{id}; 204). Removing read/space removes
// all of the principal's permissions in the space.
func (s *SpacesService) RemovePermission(ctx context.Context, spaceKey, permissionID string) (*Response, error) {
	if spaceKey == "" || permissionID == "" {
		return nil, errors.New("remove space permission: space key and permission id are required")
	}
	path := "/wiki/rest/api/space/" + url.PathEscape(spaceKey) + "/permission/" + url.PathEscape(permissionID)
	req, err := s.client.newRequest(ctx, http.MethodDelete, path, nil, "", nil)
	if err != nil {
		return nil, err
	}
	return s.client.do(req, requestMeta{}, nil)
}

// AvailablePermissions returns one page of the space-permission catalogue
// (GET /wiki/api/v2/space-permissions).
func (s *SpacesService) AvailablePermissions(ctx context.Context, opts *CursorOptions) ([]AvailablePermission, *Response, error) {
	var o CursorOptions
	if opts != nil {
		o = *opts
	}
	return getV2List[AvailablePermission](ctx, s.client, "/wiki/api/v2/space-permissions", url.Values{}, o)
}

// AllAvailablePermissions walks every page of the space-permission catalogue.
func (s *SpacesService) AllAvailablePermissions(ctx context.Context, opts *CursorOptions) iter.Seq2[AvailablePermission, error] {
	var o CursorOptions
	if opts != nil {
		o = *opts
	}
	return allByCursor(o.Cursor, func(cursor string) ([]AvailablePermission, *Response, error) {
		o.Cursor = cursor
		return s.AvailablePermissions(ctx, &o)
	})
}
