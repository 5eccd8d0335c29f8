package connector

import (
	"context"
	"fmt"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// Grant adds a user to the group. An existing membership is reported with GrantAlreadyExists
// and not written again. When the add fails without a clear answer, membership is checked
// before reporting failure (the add is never repeated).
func (s *groupSyncer) Grant(ctx context.Context, principal *v2.Resource, ent *v2.Entitlement) ([]*v2.Grant, annotations.Annotations, error) {
	gid, err := entitlementTarget(ent, groupTypeID)
	if err != nil {
		return nil, nil, fmt.Errorf("add group member: %w", err)
	}
	_, uid, err := principalOf(principal, userTypeID)
	if err != nil {
		return nil, nil, fmt.Errorf("add member to group %s: %w", gid, err)
	}
	grants := []*v2.Grant{memberGrant(ent.GetResource(), uid)}
	member, err := s.c.isMember(ctx, gid, uid)
	if err != nil {
		return nil, nil, fmt.Errorf("add user %s to group %s: check membership: %w", uid, gid, err)
	}
	if member {
		return grants, annotations.New(&v2.GrantAlreadyExists{}), nil
	}
	resp, err := s.c.client.Groups.AddMember(ctx, gid, uid)
	if err != nil {
		if isAmbiguous(err) {
			if ok, cerr := s.c.isMember(ctx, gid, uid); cerr == nil && ok {
				return grants, nil, nil
			}
		}
		return nil, nil, fmt.Errorf("add user %s to group %s: %w", uid, gid, err)
	}
	return grants, rateLimitAnnotations(resp), nil
}

// Revoke removes a user from the group; a user who is not a member is reported with
// GrantAlreadyRevoked.
func (s *groupSyncer) Revoke(ctx context.Context, g *v2.Grant) (annotations.Annotations, error) {
	gid, err := entitlementTarget(g.GetEntitlement(), groupTypeID)
	if err != nil {
		return nil, fmt.Errorf("remove group member: %w", err)
	}
	_, uid, err := principalOf(g.GetPrincipal(), userTypeID)
	if err != nil {
		return nil, fmt.Errorf("remove member from group %s: %w", gid, err)
	}
	member, err := s.c.isMember(ctx, gid, uid)
	if err != nil {
		return nil, fmt.Errorf("remove user %s from group %s: check membership: %w", uid, gid, err)
	}
	if !member {
		return annotations.New(&v2.GrantAlreadyRevoked{}), nil
	}
	resp, err := s.c.client.Groups.RemoveMember(ctx, gid, uid)
	if err != nil {
		return nil, fmt.Errorf("remove user %s from group %s: %w", uid, gid, err)
	}
	return rateLimitAnnotations(resp), nil
}

// isMember reports whether the user belongs to the group, from the user's group list.
func (c *Connector) isMember(ctx context.Context, groupID, accountID string) (bool, error) {
	for g, err := range c.client.Users.AllMemberOf(ctx, accountID, nil) {
		if err != nil {
			return false, err
		}
		if g.ID == groupID {
			return true, nil
		}
	}
	return false, nil
}
