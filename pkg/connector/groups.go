package connector

import (
	"context"
	"errors"
	"fmt"

	"go.uber.org/zap"

	"github.com/baton-confluence/baton-confluence/pkg/confluence"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	"github.com/baton-confluence/baton-confluence/internal/baton/logging"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// groupSyncer lists groups, their membership entitlement and the memberships of human members,
// and provisions memberships.
type groupSyncer struct{ c *Connector }

func (s *groupSyncer) ResourceType(context.Context) *v2.ResourceType { return groupType }

// List returns one page of the group list (shared with the user listing's member phase).
func (s *groupSyncer) List(ctx context.Context, _ *v2.ResourceId, pageToken string) ([]*v2.Resource, string, annotations.Annotations, error) {
	t, err := decodeToken[offsetToken](pageToken)
	if err != nil {
		return nil, "", nil, fmt.Errorf("list groups: %w", err)
	}
	groups, next, err := s.c.groupPage(ctx, t.Start)
	if err != nil {
		return nil, "", nil, fmt.Errorf("list groups from %d: %w", t.Start, err)
	}
	out := make([]*v2.Resource, 0, len(groups))
	for _, g := range groups {
		r, err := groupResource(g)
		if err != nil {
			return nil, "", nil, fmt.Errorf("map group %s: %w", g.ID, err)
		}
		out = append(out, r)
	}
	var nt *offsetToken
	if next > t.Start {
		nt = &offsetToken{Start: next}
	}
	tok, err := encodeToken(nt)
	return out, tok, nil, err
}

// Entitlements returns the group's membership entitlement.
func (s *groupSyncer) Entitlements(_ context.Context, r *v2.Resource, _ string) ([]*v2.Entitlement, string, annotations.Annotations, error) {
	return []*v2.Entitlement{memberEntitlement(r)}, "", nil, nil
}

// Grants returns the memberships of the group's human members: from the member cache the user
// listing filled (one page, consumed), else one page of members from the API. A group that
// vanished since it was listed has no grants (a warning is logged).
func (s *groupSyncer) Grants(ctx context.Context, r *v2.Resource, pageToken string) ([]*v2.Grant, string, annotations.Annotations, error) {
	gid := r.GetId().GetResource()
	if pageToken == "" {
		if ids, ok := s.c.sync.takeMembers(gid); ok {
			return memberGrants(r, ids), "", nil, nil
		}
	}
	t, err := decodeToken[offsetToken](pageToken)
	if err != nil {
		return nil, "", nil, fmt.Errorf("list members of group %s: %w", gid, err)
	}
	users, resp, err := s.c.client.Groups.Members(ctx, gid, &confluence.GroupMembersOptions{
		ListOptions: confluence.ListOptions{Start: t.Start},
	})
	if errors.Is(err, confluence.ErrNotFound) {
		logging.From(ctx).Warn("group vanished while syncing: skipping its memberships",
			zap.String("group_id", gid), zap.String("group", r.GetDisplayName()))
		return nil, "", rateLimitAnnotations(resp), nil
	}
	if err != nil {
		return nil, "", nil, fmt.Errorf("list members of group %s from %d: %w", gid, t.Start, err)
	}
	var nt *offsetToken
	if resp.NextStart > t.Start {
		nt = &offsetToken{Start: resp.NextStart}
	}
	tok, err := encodeToken(nt)
	return memberGrants(r, humanIDs(users)), tok, rateLimitAnnotations(resp), err
}
