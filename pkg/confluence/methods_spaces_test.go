package confluence

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func spaceCases() []methodCase {
	return []methodCase{{
		name: "Spaces.List", route: "GET /wiki/api/v2/spaces", status: 200,
		body: `{"results":[{"id":"65538","key":"ENG","name":"Engineering","type":"global","status":"current","authorId":"a","createdAt":"2024-01-01T00:00:00.000Z","homepageId":"1","description":null,"icon":null,"_links":{"webui":"/spaces/ENG"}},{"id":98306,"key":"~u1","type":"personal","status":"archived"}],"_links":{"base":"https://acme.atlassian.net/wiki"}}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			s, _, err := c.Spaces.List(ctx, &SpaceListOptions{Keys: []string{"ENG", "~u1"}, Type: "global", Status: "current"})
			return s, err
		},
		check: func(t *testing.T, got any, r *http.Request, _ []byte) {
			s := got.([]Space)
			require.Len(t, s, 2)
			require.Equal(t, ID("65538"), s[0].ID)
			require.Equal(t, ID("98306"), s[1].ID)
			require.Equal(t, "/spaces/ENG", s[0].Links.WebUI)
			q := r.URL.Query()
			require.Equal(t, "ENG,~u1", q.Get("keys"))
			require.Equal(t, "global", q.Get("type"))
			require.Equal(t, "current", q.Get("status"))
			require.Equal(t, "250", q.Get("limit"))
		},
		errStatus: 400, errBody: `{"errors":[{"status":400,"code":"INVALID_REQUEST_PARAMETER","title":"Invalid type"}]}`, sentinel: ErrBadRequest, errMsg: "Invalid type",
	}, {
		name: "Spaces.Get", route: "GET /wiki/api/v2/spaces/{id}", status: 200,
		body: `{"id":"7","key":"OPS","name":"Ops","type":"global","status":"current","operations":{"results":[{"operation":"administer","targetType":"space"}],"meta":{"hasMore":false,"cursor":null}}}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			s, _, err := c.Spaces.Get(ctx, "7", &SpaceGetOptions{IncludeOperations: true})
			return s, err
		},
		check: func(t *testing.T, got any, r *http.Request, _ []byte) {
			s := got.(*Space)
			require.Equal(t, "OPS", s.Key)
			require.Equal(t, []Operation{{Operation: "administer", TargetType: "space"}}, s.Operations.Results)
			require.Equal(t, "7", r.PathValue("id"))
			require.Equal(t, "true", r.URL.Query().Get("include-operations"))
		},
		errStatus: 404, errBody: v2NotFound, sentinel: ErrNotFound, errMsg: "Not found",
	}, {
		name: "Tenant.Info", route: "GET /_edge/tenant_info", status: 200, body: `{"cloudId":"c-123"}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			i, _, err := c.Tenant.Info(ctx)
			return i, err
		},
		check: func(t *testing.T, got any, _ *http.Request, _ []byte) {
			require.Equal(t, "c-123", got.(*TenantInfo).CloudID)
		},
		errStatus: 404, errBody: `{"message":"not here"}`, sentinel: ErrNotFound, errMsg: "not here",
	}}
}

func spacePermissionCases() []methodCase {
	return []methodCase{{
		name: "Spaces.Permissions", route: "GET /wiki/api/v2/spaces/{id}/permissions", status: 200,
		body: `{"results":[{"id":"900","principal":{"type":"group","id":"g-1"},"operation":{"key":"read","targetType":"space"}},{"id":901,"principal":{"type":"role","id":"r"},"operation":{"key":"update","targetType":"whiteboard"}}],"_links":{}}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			p, _, err := c.Spaces.Permissions(ctx, "7", nil)
			return p, err
		},
		check: func(t *testing.T, got any, r *http.Request, _ []byte) {
			p := got.([]SpacePermission)
			require.Len(t, p, 2)
			require.Equal(t, ID("900"), p[0].ID)
			require.Equal(t, "group", p[0].Principal.Type)
			require.Equal(t, "read", p[0].Operation.Key)
			require.Equal(t, ID("901"), p[1].ID)
			require.Equal(t, "250", r.URL.Query().Get("limit"))
		},
		errStatus: 404, errBody: v2NotFound, sentinel: ErrNotFound, errMsg: "Not found",
	}, {
		name: "Spaces.AddPermission", route: "POST /wiki/rest/api/space/{key}/permission", status: 200,
		body: `{"id":12345,"subject":{"type":"group","identifier":"g-1"},"operation":{"key":"read","target":"space"},"_links":{}}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			p, _, err := c.Spaces.AddPermission(ctx, "~u1", SpacePermissionRequest{
				Subject:   PermissionSubject{Type: "group", Identifier: "g-1"},
				Operation: PermissionOperation{Key: "read", Target: "space"},
			})
			return p, err
		},
		check: func(t *testing.T, got any, r *http.Request, body []byte) {
			require.Equal(t, ID("12345"), got.(*SpacePermissionV1).ID)
			require.Equal(t, "~u1", r.PathValue("key"))
			require.JSONEq(t, `{"subject":{"type":"group","identifier":"g-1"},"operation":{"key":"read","target":"space"}}`, string(body))
			require.Equal(t, "no-check", r.Header.Get("X-Atlassian-Token"))
		},
		errStatus: 404, errBody: `{"statusCode":404,"message":"No space with key : X"}`, sentinel: ErrNotFound, errMsg: "No space with key : X",
	}, {
		name: "Spaces.RemovePermission", route: "DELETE /wiki/rest/api/space/{key}/permission/{id}", status: 204,
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Spaces.RemovePermission(ctx, "ENG", "12345")
		},
		check: func(t *testing.T, got any, r *http.Request, _ []byte) {
			require.Equal(t, 204, got.(*Response).StatusCode)
			require.Equal(t, "ENG", r.PathValue("key"))
			require.Equal(t, "12345", r.PathValue("id"))
		},
		errStatus: 400, errBody: `{"statusCode":400,"message":"All of the admin permissions cannot be removed from a space"}`, sentinel: ErrBadRequest, errMsg: "All of the admin permissions cannot be removed from a space",
	}, {
		name: "Spaces.AvailablePermissions", route: "GET /wiki/api/v2/space-permissions", status: 200,
		body: `{"results":[{"id":"read/space","displayName":"View space","description":"d","requiredPermissionIds":[]},{"id":"create/page","requiredPermissionIds":["read/space"]}]}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			p, _, err := c.Spaces.AvailablePermissions(ctx, &CursorOptions{Limit: 10})
			return p, err
		},
		check: func(t *testing.T, got any, r *http.Request, _ []byte) {
			p := got.([]AvailablePermission)
			require.Equal(t, []string{"read/space"}, p[1].RequiredPermissionIDs)
			require.Equal(t, "10", r.URL.Query().Get("limit"))
		},
		errStatus: 404, errBody: v2NotFound, sentinel: ErrNotFound, errMsg: "Not found",
	}}
}

func roleCases() []methodCase {
	return []methodCase{{
		name: "SpaceRoles.Mode", route: "GET /wiki/api/v2/space-role-mode", status: 200, body: `{"mode":"ROLES_TRANSITION"}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			m, _, err := c.SpaceRoles.Mode(ctx)
			return m, err
		},
		check: func(t *testing.T, got any, _ *http.Request, _ []byte) {
			require.Equal(t, RoleModeTransition, got.(*SpaceRoleMode).Mode)
		},
		errStatus: 404, errBody: v2NotFound, sentinel: ErrNotFound, errMsg: "Not found",
	}, {
		name: "SpaceRoles.List", route: "GET /wiki/api/v2/space-roles", status: 200,
		body: `{"results":[{"id":"r-1","type":"SYSTEM","name":"Admin","description":"all","spacePermissions":["read/space","administer/space"]}],"_links":{}}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			r, _, err := c.SpaceRoles.List(ctx, &SpaceRoleListOptions{SpaceID: "7", Principal: Principal{Type: PrincipalGroup, ID: "g-1"}})
			return r, err
		},
		check: func(t *testing.T, got any, r *http.Request, _ []byte) {
			require.Equal(t, []string{"read/space", "administer/space"}, got.([]SpaceRole)[0].SpacePermissions)
			q := r.URL.Query()
			require.Equal(t, "7", q.Get("space-id"))
			require.Equal(t, "GROUP", q.Get("principal-type"))
			require.Equal(t, "g-1", q.Get("principal-id"))
		},
		errStatus: 404, errBody: v2NotFound, sentinel: ErrNotFound, errMsg: "Not found",
	}, {
		name: "SpaceRoles.Assignments", route: "GET /wiki/api/v2/spaces/{id}/role-assignments", status: 200,
		body: `{"results":[{"principal":{"principalType":"USER","principalId":"u0"},"roleId":"r-1"},{"principal":{"principalType":"ACCESS_CLASS","principalId":"all-licensed-users"},"roleId":"r-2"}],"_links":{}}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			a, _, err := c.SpaceRoles.Assignments(ctx, "7", &RoleAssignmentListOptions{RoleID: "r-1"})
			return a, err
		},
		check: func(t *testing.T, got any, r *http.Request, _ []byte) {
			a := got.([]RoleAssignment)
			require.Equal(t, RoleAssignment{Principal: RolePrincipal{PrincipalType: "USER", PrincipalID: "u0"}, RoleID: "r-1"}, a[0])
			require.Equal(t, "r-1", r.URL.Query().Get("role-id"))
		},
		errStatus: 404, errBody: v2NotFound, sentinel: ErrNotFound, errMsg: "Not found",
	}, {
		name: "SpaceRoles.SetAssignments", route: "POST /wiki/api/v2/spaces/{id}/role-assignments", status: 200,
		body: `{"results":[{"principal":{"principalType":"USER","principalId":"u0"},"roleId":"r-1"}],"_links":{}}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			a, _, err := c.SpaceRoles.SetAssignments(ctx, "7", []RoleAssignment{
				{Principal: RolePrincipal{PrincipalType: PrincipalUser, PrincipalID: "u0"}, RoleID: "r-1"},
				{Principal: RolePrincipal{PrincipalType: PrincipalGroup, PrincipalID: "g-1"}},
			})
			return a, err
		},
		check: func(t *testing.T, got any, r *http.Request, body []byte) {
			require.Len(t, got.([]RoleAssignment), 1)
			require.JSONEq(t, `[{"principal":{"principalType":"USER","principalId":"u0"},"roleId":"r-1"},{"principal":{"principalType":"GROUP","principalId":"g-1"}}]`, string(body))
			require.Equal(t, "7", r.PathValue("id"))
		},
		errStatus: 404, errBody: v2NotFound, sentinel: ErrNotFound, errMsg: "Not found",
	}}
}
