package connector

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"go.uber.org/zap"

	"github.com/baton-confluence/baton-confluence/pkg/confluence"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	"github.com/baton-confluence/baton-confluence/internal/baton/logging"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// roleSyncer lists the tenant's RBAC space roles (nothing, and no request, without UseRBAC).
type roleSyncer struct{ c *Connector }

func (s *roleSyncer) ResourceType(context.Context) *v2.ResourceType { return spaceRoleType }

// List returns one page of space roles and remembers their names. A 404 (RBAC data unavailable)
// lists none.
func (s *roleSyncer) List(ctx context.Context, _ *v2.ResourceId, pageToken string) ([]*v2.Resource, string, annotations.Annotations, error) {
	if !s.c.cfg.UseRBAC {
		return nil, "", nil, nil
	}
	t, err := decodeToken[cursorToken](pageToken)
	if err != nil {
		return nil, "", nil, fmt.Errorf("list space roles: %w", err)
	}
	roles, resp, err := s.c.client.SpaceRoles.List(ctx, &confluence.SpaceRoleListOptions{
		CursorOptions: confluence.CursorOptions{Cursor: t.Cursor, Limit: confluence.DefaultV2Limit},
	})
	if errors.Is(err, confluence.ErrNotFound) {
		logging.From(ctx).Warn("space roles are not available (404): no roles synced")
		return nil, "", rateLimitAnnotations(resp), nil
	}
	if err != nil {
		return nil, "", nil, fmt.Errorf("list space roles: %w", err)
	}
	s.c.roles.put(roles, t.Cursor == "" && resp.NextCursor == "")
	out := make([]*v2.Resource, 0, len(roles))
	for _, r := range roles {
		res, err := roleResource(r)
		if err != nil {
			return nil, "", nil, fmt.Errorf("map space role %s: %w", r.ID, err)
		}
		out = append(out, res)
	}
	tok, err := nextCursor(resp)
	return out, tok, rateLimitAnnotations(resp), err
}

// Entitlements: roles have none (the type is marked SkipEntitlementsAndGrants).
func (s *roleSyncer) Entitlements(context.Context, *v2.Resource, string) ([]*v2.Entitlement, string, annotations.Annotations, error) {
	return nil, "", nil, nil
}

// Grants: roles have none.
func (s *roleSyncer) Grants(context.Context, *v2.Resource, string) ([]*v2.Grant, string, annotations.Annotations, error) {
	return nil, "", nil, nil
}

// roleName returns the name of a role, listing every role once when the cache misses (after a
// resume in a new process). An unknown role is named by its id.
func (c *Connector) roleName(ctx context.Context, roleID string) (string, error) {
	if name, ok, loaded := c.roles.name(roleID); ok || loaded {
		return nameOr(name, roleID), nil
	}
	c.roles.loadMu.Lock()
	defer c.roles.loadMu.Unlock()
	if name, ok, loaded := c.roles.name(roleID); ok || loaded {
		return nameOr(name, roleID), nil
	}
	var all []confluence.SpaceRole
	for r, err := range c.client.SpaceRoles.All(ctx, nil) {
		if err != nil {
			return "", fmt.Errorf("list space roles: %w", err)
		}
		all = append(all, r)
	}
	c.roles.put(all, true)
	name, _, _ := c.roles.name(roleID)
	return nameOr(name, roleID), nil
}

func nameOr(name, id string) string {
	if name == "" {
		return id
	}
	return name
}

// spaceName returns the name of a space: remembered from the space listing, else read once.
func (c *Connector) spaceName(ctx context.Context, spaceID string) (string, error) {
	if name, ok := c.spaces.name(spaceID); ok {
		return name, nil
	}
	sp, _, err := c.client.Spaces.Get(ctx, spaceID, nil)
	if err != nil {
		return "", fmt.Errorf("get space %s: %w", spaceID, err)
	}
	c.spaces.put(*sp)
	name, _ := c.spaces.name(spaceID)
	return name, nil
}

// assignmentSyncer lists, under each space, one scope binding per role that has at least one
// assignee there, and the assignees as grants of "assigned"; it provisions role assignments.
// Without UseRBAC it lists nothing and makes no request.
type assignmentSyncer struct{ c *Connector }

func (s *assignmentSyncer) ResourceType(context.Context) *v2.ResourceType { return roleAssignmentType }

// List returns the bindings found on one page of a space's role assignments. A space that
// vanished since it was listed has none.
func (s *assignmentSyncer) List(ctx context.Context, parent *v2.ResourceId, pageToken string) ([]*v2.Resource, string, annotations.Annotations, error) {
	if !s.c.cfg.UseRBAC || parent.GetResourceType() != spaceTypeID || parent.GetResource() == "" {
		return nil, "", nil, nil
	}
	sid := parent.GetResource()
	t, err := decodeToken[assignmentsToken](pageToken)
	if err != nil {
		return nil, "", nil, fmt.Errorf("list role assignments of space %s: %w", sid, err)
	}
	as, resp, err := s.c.client.SpaceRoles.Assignments(ctx, sid, &confluence.RoleAssignmentListOptions{
		CursorOptions: confluence.CursorOptions{Cursor: t.Cursor, Limit: confluence.DefaultV2Limit},
	})
	if errors.Is(err, confluence.ErrNotFound) {
		logging.From(ctx).Warn("space vanished while syncing: skipping its role assignments", zap.String("space_id", sid))
		return nil, "", rateLimitAnnotations(resp), nil
	}
	if err != nil {
		return nil, "", nil, fmt.Errorf("list role assignments of space %s: %w", sid, err)
	}
	out, seen, err := s.bindings(ctx, sid, as, t.Seen)
	if err != nil {
		return nil, "", nil, err
	}
	s.c.sync.addAssignments(sid, as, pageToken == "", resp.NextCursor == "")
	var nt *assignmentsToken
	if resp.NextCursor != "" {
		// Forgetting the oldest roles (more than any real site has) only repeats a binding,
		// which the engine's upsert absorbs.
		nt = &assignmentsToken{Cursor: resp.NextCursor, Seen: seen[max(0, len(seen)-maxSeenRoles):]}
	}
	tok, err := encodeToken(nt)
	return out, tok, rateLimitAnnotations(resp), err
}

// bindings maps the roles of a page of assignments not seen on earlier pages to bindings.
func (s *assignmentSyncer) bindings(ctx context.Context, sid string, as []confluence.RoleAssignment, seen []string) ([]*v2.Resource, []string, error) {
	seen = slices.Clone(seen)
	var out []*v2.Resource
	for _, a := range as {
		if a.RoleID == "" || slices.Contains(seen, a.RoleID) {
			continue
		}
		seen = append(seen, a.RoleID)
		spaceName, err := s.c.spaceName(ctx, sid)
		if err != nil {
			return nil, nil, err
		}
		roleName, err := s.c.roleName(ctx, a.RoleID)
		if err != nil {
			return nil, nil, err
		}
		r, err := assignmentResource(sid, spaceName, a.RoleID, roleName)
		if err != nil {
			return nil, nil, fmt.Errorf("map role %s in space %s: %w", a.RoleID, sid, err)
		}
		out = append(out, r)
	}
	return out, seen, nil
}

// StaticEntitlements returns the "assigned" template (no request).
func (s *assignmentSyncer) StaticEntitlements(context.Context, string) ([]*v2.Entitlement, string, annotations.Annotations, error) {
	return []*v2.Entitlement{assignedTemplate()}, "", nil, nil
}

// Entitlements: bindings only have the static "assigned" entitlement.
func (s *assignmentSyncer) Entitlements(context.Context, *v2.Resource, string) ([]*v2.Entitlement, string, annotations.Annotations, error) {
	return nil, "", nil, nil
}

// Grants returns the binding's assignees (users and groups; ACCESS_CLASS assignees are
// skipped): from what the listing of the space read (one page, consumed), else one page from
// the API filtered by role.
func (s *assignmentSyncer) Grants(ctx context.Context, r *v2.Resource, pageToken string) ([]*v2.Grant, string, annotations.Annotations, error) {
	if !s.c.cfg.UseRBAC {
		return nil, "", nil, nil
	}
	sid, roleID, ok := assignmentScope(r)
	if !ok {
		return nil, "", nil, fmt.Errorf("role assignment %q names no space and role", r.GetId().GetResource())
	}
	if pageToken == "" {
		if ps, ok := s.c.sync.takeAssignments(sid, roleID); ok {
			grants, skipped := assignmentGrants(r, roleID, assignmentsOf(roleID, ps))
			logSkippedHolders(ctx, sid, roleID, skipped)
			return grants, "", nil, nil
		}
	}
	t, err := decodeToken[cursorToken](pageToken)
	if err != nil {
		return nil, "", nil, fmt.Errorf("list holders of role %s in space %s: %w", roleID, sid, err)
	}
	as, resp, err := s.c.client.SpaceRoles.Assignments(ctx, sid, &confluence.RoleAssignmentListOptions{
		RoleID: roleID, CursorOptions: confluence.CursorOptions{Cursor: t.Cursor, Limit: confluence.DefaultV2Limit},
	})
	if errors.Is(err, confluence.ErrNotFound) {
		logging.From(ctx).Warn("space vanished while syncing: skipping its role holders", zap.String("space_id", sid))
		return nil, "", rateLimitAnnotations(resp), nil
	}
	if err != nil {
		return nil, "", nil, fmt.Errorf("list holders of role %s in space %s: %w", roleID, sid, err)
	}
	grants, skipped := assignmentGrants(r, roleID, as)
	logSkippedHolders(ctx, sid, roleID, skipped)
	tok, err := nextCursor(resp)
	return grants, tok, rateLimitAnnotations(resp), err
}

// logSkippedHolders counts, at debug level, role holders that are neither users nor groups.
func logSkippedHolders(ctx context.Context, spaceID, roleID string, skipped int) {
	if skipped > 0 {
		logging.From(ctx).Debug("skipped role holders that are neither users nor groups",
			zap.String("space_id", spaceID), zap.String("role_id", roleID), zap.Int("skipped", skipped))
	}
}

// assignmentsOf pairs principals with a role.
func assignmentsOf(roleID string, ps []confluence.RolePrincipal) []confluence.RoleAssignment {
	out := make([]confluence.RoleAssignment, len(ps))
	for i, p := range ps {
		out[i] = confluence.RoleAssignment{Principal: p, RoleID: roleID}
	}
	return out
}
