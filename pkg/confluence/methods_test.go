package confluence

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// methodCase describes one client method for the happy / 4xx / 429-then-retry matrix.
type methodCase struct {
	name      string
	route     string // mux pattern
	status    int    // happy status
	body      string // happy body
	call      func(ctx context.Context, c *Client) (any, error)
	check     func(t *testing.T, got any, r *http.Request, reqBody []byte)
	errStatus int
	errBody   string
	sentinel  error
	errMsg    string // expected *Error.Message
}

const (
	v1NotFound = `{"statusCode":404,"data":{"authorized":false,"valid":true,"errors":[],"successful":false},"message":"No such thing","reason":"Not Found"}`
	v2NotFound = `{"errors":[{"status":404,"code":"NOT_FOUND","title":"Not found","detail":null}]}`
)

func userCases() []methodCase {
	return []methodCase{{
		name: "Users.Current", route: "GET /wiki/rest/api/user/current", status: 200,
		body: `{"type":"known","accountId":"a1","accountType":"atlassian","email":null,"publicName":"Ann","displayName":"Ann A","operations":[{"operation":"use","targetType":"application"}],"newField":{"x":[1,2]}}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			u, _, err := c.Users.Current(ctx, &UserOptions{Expand: []string{"operations"}})
			return u, err
		},
		check: func(t *testing.T, got any, r *http.Request, _ []byte) {
			u := got.(*User)
			require.Equal(t, "a1", u.AccountID)
			require.Empty(t, u.Email)
			require.Equal(t, []Operation{{Operation: "use", TargetType: "application"}}, u.Operations)
			require.Equal(t, "operations", r.URL.Query().Get("expand"))
		},
		errStatus: 403, errBody: `{"statusCode":403,"message":"User does not have Can use"}`, sentinel: ErrForbidden, errMsg: "User does not have Can use",
	}, {
		name: "Users.Search", route: "GET /wiki/rest/api/search/user", status: 200,
		body: `{"results":[{"user":{"accountId":"u0","displayName":"Zoë 🚀"},"entityType":"user","score":1.5},{"title":"no user"},{"user":{"accountId":"u1"}}],"start":0,"limit":200,"size":3,"totalSize":3,"_links":{"next":"/rest/api/search/user?cql=type=user&start=3&limit=200"}}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			users, resp, err := c.Users.Search(ctx, "type=user", &UserSearchOptions{SitePermissionTypeFilter: SitePermissionAll, Expand: []string{"operations"}})
			if err != nil {
				return nil, err
			}
			return []any{users, resp}, nil
		},
		check: func(t *testing.T, got any, r *http.Request, _ []byte) {
			users, resp := got.([]any)[0].([]User), got.([]any)[1].(*Response)
			require.Len(t, users, 2)
			require.Equal(t, "Zoë 🚀", users[0].DisplayName)
			require.Equal(t, 3, resp.NextStart, "advance by raw results, wrapper without a user included")
			q := r.URL.Query()
			require.Equal(t, "type=user", q.Get("cql"))
			require.Equal(t, "all", q.Get("sitePermissionTypeFilter"))
			require.Equal(t, "200", q.Get("limit"))
			require.Equal(t, "0", q.Get("start"))
		},
		errStatus: 400, errBody: `{"statusCode":400,"message":"Could not parse cql"}`, sentinel: ErrBadRequest, errMsg: "Could not parse cql",
	}, {
		name: "Users.Bulk", route: "POST /wiki/api/v2/users-bulk", status: 200,
		body: `{"results":[{"accountId":"u0","accountType":"atlassian","accountStatus":"inactive","displayName":"U","publicName":"U","email":"","personalSpaceId":123,"isExternalCollaborator":true,"profilePicture":{"path":"/p","isDefault":true}}],"_links":{}}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			users, _, err := c.Users.Bulk(ctx, []string{"u0", "qm:1:2"})
			return users, err
		},
		check: func(t *testing.T, got any, r *http.Request, body []byte) {
			users := got.([]BulkUser)
			require.Len(t, users, 1)
			require.Equal(t, "inactive", users[0].AccountStatus)
			require.Equal(t, ID("123"), users[0].PersonalSpaceID)
			require.JSONEq(t, `{"accountIds":["u0","qm:1:2"]}`, string(body))
			require.Equal(t, "application/json", r.Header.Get("Content-Type"))
		},
		errStatus: 400, errBody: `{"errors":[{"status":400,"code":"INVALID_REQUEST_PARAMETER","title":"Invalid accountIds","detail":"too many"}]}`, sentinel: ErrBadRequest, errMsg: "Invalid accountIds: too many",
	}, {
		name: "Users.MemberOf", route: "GET /wiki/rest/api/user/memberof", status: 200,
		body: `{"results":[{"type":"group","name":"admins","id":"g-1"}],"start":5,"limit":200,"size":1,"_links":{"next":"/rest/api/user/memberof?accountId=qm%3A1%3A2&start=6"}}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			g, resp, err := c.Users.MemberOf(ctx, "qm:1:2", &ListOptions{Start: 5})
			if err != nil {
				return nil, err
			}
			return []any{g, resp}, nil
		},
		check: func(t *testing.T, got any, r *http.Request, _ []byte) {
			groups, resp := got.([]any)[0].([]Group), got.([]any)[1].(*Response)
			require.Equal(t, []Group{{Type: "group", Name: "admins", ID: "g-1"}}, groups)
			require.Equal(t, 6, resp.NextStart)
			q := r.URL.Query()
			require.Equal(t, "qm:1:2", q.Get("accountId"))
			require.Equal(t, "5", q.Get("start"))
			require.Equal(t, "200", q.Get("limit"))
		},
		errStatus: 404, errBody: v1NotFound, sentinel: ErrNotFound, errMsg: "No such thing",
	}}
}

func groupCases() []methodCase {
	return []methodCase{{
		name: "Groups.List", route: "GET /wiki/rest/api/group", status: 200,
		body: `{"results":[{"type":"group","name":"admins","id":"g-1"},{"type":"group","name":"users","id":"g-2","_links":{"self":"x"}}],"start":0,"limit":200,"size":2,"_links":{"base":"https://acme.atlassian.net/wiki"}}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			g, resp, err := c.Groups.List(ctx, &GroupListOptions{AccessType: "site-admin"})
			if err == nil && resp.NextStart != 0 {
				return nil, errors.New("last page must have NextStart 0")
			}
			return g, err
		},
		check: func(t *testing.T, got any, r *http.Request, _ []byte) {
			require.Equal(t, []Group{{Type: "group", Name: "admins", ID: "g-1"}, {Type: "group", Name: "users", ID: "g-2"}}, got)
			require.Equal(t, "site-admin", r.URL.Query().Get("accessType"))
		},
		errStatus: 403, errBody: `{"statusCode":403,"message":"Not permitted"}`, sentinel: ErrForbidden, errMsg: "Not permitted",
	}, {
		name: "Groups.Members", route: "GET /wiki/rest/api/group/{id}/membersByGroupId", status: 200,
		body: `{"results":[{"accountId":"u0","accountType":"app","operations":[]}],"start":0,"limit":200,"size":1,"_links":{}}`,
		call: func(ctx context.Context, c *Client) (any, error) {
			m, _, err := c.Groups.Members(ctx, "g 1/x", &GroupMembersOptions{Expand: []string{"operations"}})
			return m, err
		},
		check: func(t *testing.T, got any, r *http.Request, _ []byte) {
			require.Equal(t, "app", got.([]User)[0].AccountType)
			require.Equal(t, "g 1/x", r.PathValue("id"))
			require.Equal(t, "/wiki/rest/api/group/g%201%2Fx/membersByGroupId", r.URL.EscapedPath())
			require.Equal(t, "200", r.URL.Query().Get("limit"))
		},
		errStatus: 404, errBody: v1NotFound, sentinel: ErrNotFound, errMsg: "No such thing",
	}, {
		name: "Groups.AddMember", route: "POST /wiki/rest/api/group/userByGroupId", status: 201, body: "",
		call: func(ctx context.Context, c *Client) (any, error) {
			resp, err := c.Groups.AddMember(ctx, "g-1", "u-9")
			return resp, err
		},
		check: func(t *testing.T, got any, r *http.Request, body []byte) {
			require.Equal(t, 201, got.(*Response).StatusCode)
			require.Equal(t, "g-1", r.URL.Query().Get("groupId"))
			require.JSONEq(t, `{"accountId":"u-9"}`, string(body))
			require.Equal(t, "no-check", r.Header.Get("X-Atlassian-Token"))
			require.Equal(t, "application/json", r.Header.Get("Content-Type"))
		},
		errStatus: 403, errBody: `{"statusCode":403,"message":"Only site admins may do this"}`, sentinel: ErrForbidden, errMsg: "Only site admins may do this",
	}, {
		name: "Groups.RemoveMember", route: "DELETE /wiki/rest/api/group/userByGroupId", status: 204, body: "",
		call: func(ctx context.Context, c *Client) (any, error) {
			resp, err := c.Groups.RemoveMember(ctx, "g-1", "u-9")
			return resp, err
		},
		check: func(t *testing.T, got any, r *http.Request, _ []byte) {
			require.Equal(t, 204, got.(*Response).StatusCode)
			require.Equal(t, "g-1", r.URL.Query().Get("groupId"))
			require.Equal(t, "u-9", r.URL.Query().Get("accountId"))
			require.Equal(t, "no-check", r.Header.Get("X-Atlassian-Token"))
		},
		errStatus: 404, errBody: v1NotFound, sentinel: ErrNotFound, errMsg: "No such thing",
	}}
}

// runMethodCase runs the happy, 4xx and 429-then-retry subtests of one case.
func runMethodCase(t *testing.T, tc methodCase) {
	t.Run("happy", func(t *testing.T) {
		t.Parallel()
		e := setup(t)
		var got *http.Request
		var gotBody []byte
		e.mux.HandleFunc(tc.route, func(w http.ResponseWriter, r *http.Request) {
			if !requireAuth(w, r) {
				return
			}
			got, gotBody = r, mustRead(r)
			writeMaybeJSON(w, tc.status, tc.body)
		})
		v, err := tc.call(t.Context(), e.client)
		require.NoError(t, err)
		require.NotNil(t, got)
		require.Equal(t, "application/json", got.Header.Get("Accept"))
		tc.check(t, v, got, gotBody)
	})
	t.Run("4xx", func(t *testing.T) {
		t.Parallel()
		e := setup(t)
		var calls counter
		e.mux.HandleFunc(tc.route, func(w http.ResponseWriter, _ *http.Request) {
			calls.inc()
			writeJSON(w, tc.errStatus, tc.errBody)
		})
		_, err := tc.call(t.Context(), e.client)
		require.ErrorIs(t, err, tc.sentinel)
		var apiErr *Error
		require.ErrorAs(t, err, &apiErr)
		require.Equal(t, tc.errStatus, apiErr.StatusCode)
		require.Equal(t, tc.errMsg, apiErr.Message)
		require.NotEmpty(t, apiErr.Method)
		require.NotEmpty(t, apiErr.Path)
		require.False(t, apiErr.Temporary())
		require.Equal(t, 1, calls.get(), "4xx is not retried")
	})
	t.Run("429-then-retry", func(t *testing.T) {
		t.Parallel()
		e := setup(t)
		var calls counter
		var last *http.Request
		var lastBody []byte
		e.mux.HandleFunc(tc.route, func(w http.ResponseWriter, r *http.Request) {
			body := mustRead(r)
			if calls.inc() == 1 {
				w.Header().Set("Retry-After", "2")
				writeJSON(w, http.StatusTooManyRequests, `{"message":"Rate limit exceeded"}`)
				return
			}
			last, lastBody = r, body
			writeMaybeJSON(w, tc.status, tc.body)
		})
		v, err := tc.call(t.Context(), e.client)
		require.NoError(t, err)
		require.Equal(t, 2, calls.get())
		require.Equal(t, []time.Duration{2 * time.Second}, e.events.retryWaits())
		tc.check(t, v, last, lastBody)
	})
}

func mustRead(r *http.Request) []byte {
	b, _ := io.ReadAll(r.Body)
	return b
}

func writeMaybeJSON(w http.ResponseWriter, status int, body string) {
	if body == "" {
		w.WriteHeader(status)
		return
	}
	writeJSON(w, status, body)
}

func TestMethods(t *testing.T) {
	t.Parallel()
	var cases []methodCase
	cases = append(cases, userCases()...)
	cases = append(cases, groupCases()...)
	cases = append(cases, spaceCases()...)
	cases = append(cases, spacePermissionCases()...)
	cases = append(cases, roleCases()...)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			runMethodCase(t, tc)
		})
	}
}
