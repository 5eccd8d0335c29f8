package confluence

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"net/url"
	"strconv"
)

// GroupsService lists groups and members and changes memberships (v1; there are no v2 group
// endpoints).
type GroupsService service

// GroupListOptions filters and pages the group list.
type GroupListOptions struct {
	// AccessType filters by the groups' permission level: "user", "admin" or "site-admin".
	AccessType string
	ListOptions
}

// GroupMembersOptions pages the members of a group.
type GroupMembersOptions struct {
	// Expand lists expansions: "operations", "personalSpace", "isExternalCollaborator".
	Expand []string
	// ShouldReturnTotalSize asks for totalSize (expensive on the server; the client ignores it).
	ShouldReturnTotalSize bool
	ListOptions
}

// List returns one page of groups, ordered by name (GET /wiki/rest/api/group).
func (s *GroupsService) List(ctx context.Context, opts *GroupListOptions) ([]Group, *Response, error) {
	var o GroupListOptions
	if opts != nil {
		o = *opts
	}
	q := url.Values{}
	if o.AccessType != "" {
		q.Set("accessType", o.AccessType)
	}
	return getV1List[Group](ctx, s.client, "/wiki/rest/api/group", q, o.ListOptions, DefaultGroupsLimit, 0)
}

// All walks every page of the group list.
func (s *GroupsService) All(ctx context.Context, opts *GroupListOptions) iter.Seq2[Group, error] {
	var o GroupListOptions
	if opts != nil {
		o = *opts
	}
	return allByStart(o.Start, func(start int) ([]Group, *Response, error) {
		o.Start = start
		return s.List(ctx, &o)
	})
}

// Members returns one page of a group's members, every account type included
// (GET /wiki/rest/api/group/{groupId}/membersByGroupId; at most 200 per page).
func (s *GroupsService) Members(ctx context.Context, groupID string, opts *GroupMembersOptions) ([]User, *Response, error) {
	if groupID == "" {
		return nil, nil, errors.New("list group members: group id is empty")
	}
	var o GroupMembersOptions
	if opts != nil {
		o = *opts
	}
	q := url.Values{}
	setExpand(q, o.Expand)
	if o.ShouldReturnTotalSize {
		q.Set("shouldReturnTotalSize", strconv.FormatBool(true))
	}
	path := "/wiki/rest/api/group/" + url.PathEscape(groupID) + "/membersByGroupId"
	return getV1List[User](ctx, s.client, path, q, o.ListOptions, DefaultMembersLimit, DefaultMembersLimit)
}

// AllMembers walks every page of a group's members.
func (s *GroupsService) AllMembers(ctx context.Context, groupID string, opts *GroupMembersOptions) iter.Seq2[User, error] {
	var o GroupMembersOptions
	if opts != nil {
		o = *opts
	}
	return allByStart(o.Start, func(start int) ([]User, *Response, error) {
		o.Start = start
		return s.Members(ctx, groupID, &o)
	})
}

// memberRequest is the body of an add-member request.
type memberRequest struct {
	AccountID string `json:"accountId"`
}

// AddMember adds a user to a group (POST /wiki/rest/api/group/userByGroupId?groupId=; 201 with
// an empty body). Needs site-admin rights. Not retried except on 429.
func (s *GroupsService) AddMember(ctx context.Context, groupID, accountID string) (*Response, error) {
	if groupID == "" || accountID == "" {
		return nil, errors.New("add group member: group id and account id are required")
	}
	q := url.Values{"groupId": {groupID}}
	req, err := s.client.newRequest(ctx, http.MethodPost, "/wiki/rest/api/group/userByGroupId", q, "", memberRequest{AccountID: accountID})
	if err != nil {
		return nil, err
	}
	return s.client.do(req, requestMeta{}, nil)
}

// RemoveMember removes a user from a group
// (DELETE /wiki/rest/api/group/userByGroupId?groupId=&accountId=; 204, also when the user was
// not a member).
func (s *GroupsService) RemoveMember(ctx context.Context, groupID, accountID string) (*Response, error) {
	if groupID == "" || accountID == "" {
		return nil, errors.New("remove group member: group id and account id are required")
	}
	q := url.Values{"groupId": {groupID}, "accountId": {accountID}}
	req, err := s.client.newRequest(ctx, http.MethodDelete, "/wiki/rest/api/group/userByGroupId", q, "", nil)
	if err != nil {
		return nil, err
	}
	return s.client.do(req, requestMeta{}, nil)
}
