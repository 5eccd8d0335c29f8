package confluence

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strings"
)

// UsersService reads users.
type UsersService service

// Values of UserSearchOptions.SitePermissionTypeFilter.
const (
	// SitePermissionNone (the server default) returns licensed users only.
	SitePermissionNone = "none"
	// SitePermissionExternalCollaborator returns guests only.
	SitePermissionExternalCollaborator = "externalCollaborator"
	// SitePermissionAll returns licensed users, guests and unlicensed users.
	SitePermissionAll = "all"
)

// MaxBulkUsers is the most account ids one users-bulk request takes.
const MaxBulkUsers = 250

// UserOptions expands a user answer.
type UserOptions struct {
	// Expand lists expansions: "operations", "personalSpace", "isExternalCollaborator".
	Expand []string
}

// UserSearchOptions filters and pages a user search.
type UserSearchOptions struct {
	// SitePermissionTypeFilter is "", SitePermissionNone, SitePermissionExternalCollaborator or
	// SitePermissionAll. Empty sends nothing (the server then returns licensed users only).
	SitePermissionTypeFilter string
	// Expand lists expansions: "operations", "personalSpace".
	Expand []string
	ListOptions
}

// Current returns the user the credentials belong to (GET /wiki/rest/api/user/current).
func (s *UsersService) Current(ctx context.Context, opts *UserOptions) (*User, *Response, error) {
	q := url.Values{}
	if opts != nil {
		setExpand(q, opts.Expand)
	}
	req, err := s.client.newRequest(ctx, http.MethodGet, "/wiki/rest/api/user/current", q, "", nil)
	if err != nil {
		return nil, nil, err
	}
	var u User
	resp, err := s.client.do(req, requestMeta{}, &u)
	if err != nil {
		return nil, resp, err
	}
	return &u, resp, nil
}

// searchResult is one entry of a user search: the user is wrapped.
type searchResult struct {
	User *User `json:"user"`
}

// Search runs a CQL user search (GET /wiki/rest/api/search/user) and returns one page of users;
// cql is usually "type=user". Entries without a user are skipped, but NextStart still counts
// them.
func (s *UsersService) Search(ctx context.Context, cql string, opts *UserSearchOptions) ([]User, *Response, error) {
	if strings.TrimSpace(cql) == "" {
		return nil, nil, fmt.Errorf("search users: cql is empty")
	}
	var o UserSearchOptions
	if opts != nil {
		o = *opts
	}
	q := url.Values{"cql": {cql}}
	if o.SitePermissionTypeFilter != "" {
		q.Set("sitePermissionTypeFilter", o.SitePermissionTypeFilter)
	}
	setExpand(q, o.Expand)
	results, resp, err := getV1List[searchResult](ctx, s.client, "/wiki/rest/api/search/user", q, o.ListOptions, DefaultSearchLimit, 0)
	if err != nil {
		return nil, resp, err
	}
	users := make([]User, 0, len(results))
	for _, r := range results {
		if r.User != nil {
			users = append(users, *r.User)
		}
	}
	return users, resp, nil
}

// SearchAll walks every page of a user search.
func (s *UsersService) SearchAll(ctx context.Context, cql string, opts *UserSearchOptions) iter.Seq2[User, error] {
	var o UserSearchOptions
	if opts != nil {
		o = *opts
	}
	return allByStart(o.Start, func(start int) ([]User, *Response, error) {
		o.Start = start
		return s.Search(ctx, cql, &o)
	})
}

// MemberOf returns one page of the groups the user with accountID belongs to
// (GET /wiki/rest/api/user/memberof?accountId=; 200 per page by default). A cheap membership
// check before changing a group.
func (s *UsersService) MemberOf(ctx context.Context, accountID string, opts *ListOptions) ([]Group, *Response, error) {
	if accountID == "" {
		return nil, nil, fmt.Errorf("list groups of user: account id is empty")
	}
	var o ListOptions
	if opts != nil {
		o = *opts
	}
	q := url.Values{"accountId": {accountID}}
	return getV1List[Group](ctx, s.client, "/wiki/rest/api/user/memberof", q, o, DefaultGroupsLimit, 0)
}

// AllMemberOf walks every page of the groups the user with accountID belongs to.
func (s *UsersService) AllMemberOf(ctx context.Context, accountID string, opts *ListOptions) iter.Seq2[Group, error] {
	var o ListOptions
	if opts != nil {
		o = *opts
	}
	return allByStart(o.Start, func(start int) ([]Group, *Response, error) {
		o.Start = start
		return s.MemberOf(ctx, accountID, &o)
	})
}

// bulkRequest is the body of users-bulk.
type bulkRequest struct {
	AccountIDs []string `json:"accountIds"`
}

// Bulk looks up 1–250 users by account id (POST /wiki/api/v2/users-bulk). Unknown ids are
// left out of the answer. It is a read, so the client retries it like a GET.
func (s *UsersService) Bulk(ctx context.Context, accountIDs []string) ([]BulkUser, *Response, error) {
	if len(accountIDs) == 0 || len(accountIDs) > MaxBulkUsers {
		return nil, nil, fmt.Errorf("bulk user lookup takes 1 to %d account ids, got %d", MaxBulkUsers, len(accountIDs))
	}
	req, err := s.client.newRequest(ctx, http.MethodPost, "/wiki/api/v2/users-bulk", nil, "", bulkRequest{AccountIDs: accountIDs})
	if err != nil {
		return nil, nil, err
	}
	var page v2Page[BulkUser]
	resp, err := s.client.do(req, requestMeta{retrySafe: true}, &page)
	if err != nil {
		return nil, resp, err
	}
	return page.Results, resp, nil
}

// setExpand sets expand as one comma-separated value.
func setExpand(q url.Values, expand []string) {
	if len(expand) > 0 {
		q.Set("expand", strings.Join(expand, ","))
	}
}
