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

// spaceSyncer lists spaces, their permission entitlements (one per configured noun and verb)
// and the permission grants of users and groups, and provisions space permissions. With RBAC
// spaces have no entitlements or grants of their own: access comes from role assignments.
type spaceSyncer struct{ c *Connector }

func (s *spaceSyncer) ResourceType(context.Context) *v2.ResourceType { return spaceType }

// List returns one page of spaces (personal ones left out with SkipPersonalSpaces) and
// remembers their names and keys.
func (s *spaceSyncer) List(ctx context.Context, _ *v2.ResourceId, pageToken string) ([]*v2.Resource, string, annotations.Annotations, error) {
	t, err := decodeToken[cursorToken](pageToken)
	if err != nil {
		return nil, "", nil, fmt.Errorf("list spaces: %w", err)
	}
	spaces, resp, err := s.c.client.Spaces.List(ctx, &confluence.SpaceListOptions{
		CursorOptions: confluence.CursorOptions{Cursor: t.Cursor, Limit: confluence.DefaultV2Limit},
	})
	if err != nil {
		return nil, "", nil, fmt.Errorf("list spaces: %w", err)
	}
	out := make([]*v2.Resource, 0, len(spaces))
	ids := make([]string, 0, len(spaces))
	for _, sp := range spaces {
		s.c.spaces.put(sp)
		if s.c.cfg.SkipPersonalSpaces && sp.Type == personalSpace {
			continue
		}
		r, err := spaceResource(sp, s.c.cfg.UseRBAC)
		if err != nil {
			return nil, "", nil, fmt.Errorf("map space %s: %w", sp.ID, err)
		}
		out = append(out, r)
		ids = append(ids, sp.ID.String())
	}
	s.c.queuePermissions(ctx, ids)
	tok, err := nextCursor(resp)
	return out, tok, rateLimitAnnotations(resp), err
}

// nextCursor is the page token of the v2 page after resp, "" after the last page.
func nextCursor(resp *confluence.Response) (string, error) {
	if resp == nil || resp.NextCursor == "" {
		return "", nil
	}
	return encodeToken(&cursorToken{Cursor: resp.NextCursor})
}

// Entitlements returns the space's permission entitlements (none with RBAC).
func (s *spaceSyncer) Entitlements(_ context.Context, r *v2.Resource, _ string) ([]*v2.Entitlement, string, annotations.Annotations, error) {
	if s.c.cfg.UseRBAC {
		return nil, "", nil, nil
	}
	return spaceEntitlements(r, s.c.cfg.Nouns, s.c.cfg.Verbs), "", nil, nil
}

// Grants returns one page of the space's permissions as grants to users and groups (none with
// RBAC). A space that vanished since it was listed has none (a warning is logged).
func (s *spaceSyncer) Grants(ctx context.Context, r *v2.Resource, pageToken string) ([]*v2.Grant, string, annotations.Annotations, error) {
	if s.c.cfg.UseRBAC {
		return nil, "", nil, nil
	}
	sid := r.GetId().GetResource()
	t, err := decodeToken[cursorToken](pageToken)
	if err != nil {
		return nil, "", nil, fmt.Errorf("list permissions of space %s: %w", sid, err)
	}
	perms, resp, err := s.permissionsPage(ctx, sid, t.Cursor)
	if errors.Is(err, confluence.ErrNotFound) {
		logging.From(ctx).Warn("space vanished while syncing: skipping its permissions",
			zap.String("space_id", sid), zap.String("space", r.GetDisplayName()))
		return nil, "", rateLimitAnnotations(resp), nil
	}
	if err != nil {
		return nil, "", nil, fmt.Errorf("list permissions of space %s: %w", sid, err)
	}
	grants, skipped := permissionGrants(r, perms, s.c.filter)
	if n := skipped[skipRole] + skipped[skipOther]; n > 0 {
		logging.From(ctx).Debug("skipped space permissions of principals that are neither users nor groups",
			zap.String("space_id", sid), zap.Int("role", skipped[skipRole]), zap.Int("other", skipped[skipOther]))
	}
	tok, err := nextCursor(resp)
	return grants, tok, rateLimitAnnotations(resp), err
}

// permissionsPage returns one page of a space's permissions; the first comes from what was
// fetched ahead when there is such a page.
func (s *spaceSyncer) permissionsPage(ctx context.Context, sid, cursor string) ([]confluence.SpacePermission, *confluence.Response, error) {
	if cursor == "" {
		p, err := s.c.takePermissions(ctx, sid)
		if err != nil {
			return nil, nil, err
		}
		if p != nil {
			return p.perms, p.resp, p.err
		}
	}
	return s.c.client.Spaces.Permissions(ctx, sid, &confluence.CursorOptions{Cursor: cursor, Limit: confluence.DefaultV2Limit})
}
