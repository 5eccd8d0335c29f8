package connector

import (
	"context"
	"fmt"
	"slices"

	"github.com/baton-confluence/baton-confluence/pkg/confluence"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// rolePrincipalOf maps a user or group principal to an RBAC principal.
func rolePrincipalOf(p *v2.Resource) (confluence.RolePrincipal, error) {
	typ, id, err := principalOf(p, userTypeID, groupTypeID)
	if err != nil {
		return confluence.RolePrincipal{}, err
	}
	if typ == groupTypeID {
		return confluence.RolePrincipal{PrincipalType: confluence.PrincipalGroup, PrincipalID: id}, nil
	}
	return confluence.RolePrincipal{PrincipalType: confluence.PrincipalUser, PrincipalID: id}, nil
}

// Grant gives a user or group the binding's role in its space. When the principal already has
// that role it is reported with GrantAlreadyExists; any other role the principal holds there is
// replaced (Confluence gives a principal one role per space).
func (s *assignmentSyncer) Grant(ctx context.Context, principal *v2.Resource, ent *v2.Entitlement) ([]*v2.Grant, annotations.Annotations, error) {
	sid, roleID, ok := assignmentScope(ent.GetResource())
	if !ok || ent.GetResource().GetId().GetResourceType() != roleAssignmentTypeID {
		return nil, nil, fmt.Errorf("assign space role: entitlement %q is not on a space role assignment", ent.GetId())
	}
	rp, err := rolePrincipalOf(principal)
	if err != nil {
		return nil, nil, fmt.Errorf("assign role %s in space %s: %w", roleID, sid, err)
	}
	what := fmt.Sprintf("assign role %s in space %s to %s %s", roleID, sid, rp.PrincipalType, rp.PrincipalID)
	g, _ := assignmentGrant(ent.GetResource(), rp)
	held, err := s.c.rolesHeld(ctx, sid, rp)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", what, err)
	}
	if slices.Contains(held, roleID) {
		return []*v2.Grant{g}, annotations.New(&v2.GrantAlreadyExists{}), nil
	}
	_, resp, err := s.c.client.SpaceRoles.SetAssignments(ctx, sid, []confluence.RoleAssignment{{Principal: rp, RoleID: roleID}})
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", what, err)
	}
	return []*v2.Grant{g}, rateLimitAnnotations(resp), nil
}

// Revoke removes the principal's role in the space when it is the binding's role; otherwise it
// reports GrantAlreadyRevoked.
func (s *assignmentSyncer) Revoke(ctx context.Context, g *v2.Grant) (annotations.Annotations, error) {
	sid, roleID, ok := assignmentScope(g.GetEntitlement().GetResource())
	if !ok {
		return nil, fmt.Errorf("remove space role: grant %q is not on a space role assignment", g.GetId())
	}
	rp, err := rolePrincipalOf(g.GetPrincipal())
	if err != nil {
		return nil, fmt.Errorf("remove role %s in space %s: %w", roleID, sid, err)
	}
	what := fmt.Sprintf("remove role %s in space %s from %s %s", roleID, sid, rp.PrincipalType, rp.PrincipalID)
	held, err := s.c.rolesHeld(ctx, sid, rp)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if !slices.Contains(held, roleID) {
		return annotations.New(&v2.GrantAlreadyRevoked{}), nil
	}
	_, resp, err := s.c.client.SpaceRoles.SetAssignments(ctx, sid, []confluence.RoleAssignment{{Principal: rp}})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return rateLimitAnnotations(resp), nil
}

// rolesHeld lists the roles the principal holds in the space.
func (c *Connector) rolesHeld(ctx context.Context, spaceID string, rp confluence.RolePrincipal) ([]string, error) {
	var held []string
	opts := &confluence.RoleAssignmentListOptions{
		Principal:     confluence.Principal{Type: rp.PrincipalType, ID: rp.PrincipalID},
		CursorOptions: confluence.CursorOptions{Limit: confluence.DefaultV2Limit},
	}
	for a, err := range c.client.SpaceRoles.AllAssignments(ctx, spaceID, opts) {
		if err != nil {
			return nil, fmt.Errorf("list the roles of %s %s: %w", rp.PrincipalType, rp.PrincipalID, err)
		}
		if a.Principal == rp && a.RoleID != "" {
			held = append(held, a.RoleID)
		}
	}
	return held, nil
}
