package connector

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/baton-confluence/baton-confluence/pkg/config"
	"github.com/baton-confluence/baton-confluence/pkg/confluence"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
	"github.com/baton-confluence/baton-confluence/internal/baton/types/grant"
)

// spacePerm is the space permission an entitlement stands for.
type spacePerm struct {
	spaceID, verb, noun string
}

func (p spacePerm) slug() string { return permissionSlug(p.verb, p.noun) }

// spacePermOf reads the space and (verb, noun) of a space permission entitlement.
func spacePermOf(ent *v2.Entitlement) (spacePerm, error) {
	sid, err := entitlementTarget(ent, spaceTypeID)
	if err != nil {
		return spacePerm{}, err
	}
	verb, noun, ok := parsePermissionSlug(entitlementSlug(ent))
	if !ok || !slices.Contains(config.AllVerbs, verb) || !slices.Contains(config.AllNouns, noun) {
		return spacePerm{}, fmt.Errorf("entitlement %q is not a space permission", ent.GetId())
	}
	return spacePerm{spaceID: sid, verb: verb, noun: noun}, nil
}

// permissionGrantOf is the grant a space permission of the principal is synced as.
func permissionGrantOf(space *v2.Resource, p spacePerm, ptype, pid string) *v2.Grant {
	var opts []grant.Option
	if ptype == principalGroup {
		opts = append(opts, grant.WithExpandable(memberEntitlementID(pid)))
	}
	return grant.New(space, p.slug(), principalID(ptype, pid), opts...)
}

// Grant adds a space permission for a user or group (v1, by space key). A permission that
// already exists is reported with GrantAlreadyExists. Confluence adds other permissions only to
// principals holding read-space; that refusal is reported as such.
func (s *spaceSyncer) Grant(ctx context.Context, principal *v2.Resource, ent *v2.Entitlement) ([]*v2.Grant, annotations.Annotations, error) {
	p, err := spacePermOf(ent)
	if err != nil {
		return nil, nil, fmt.Errorf("add space permission: %w", err)
	}
	ptype, pid, err := principalOf(principal, principalUser, principalGroup)
	if err != nil {
		return nil, nil, fmt.Errorf("add %s in space %s: %w", p.slug(), p.spaceID, err)
	}
	what := fmt.Sprintf("add %s in space %s for %s %s", p.slug(), p.spaceID, ptype, pid)
	key, err := s.c.spaceKey(ctx, p.spaceID)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", what, err)
	}
	grants := []*v2.Grant{permissionGrantOf(ent.GetResource(), p, ptype, pid)}
	_, resp, err := s.c.client.Spaces.AddPermission(ctx, key, confluence.SpacePermissionRequest{
		Subject:   confluence.PermissionSubject{Type: ptype, Identifier: pid},
		Operation: confluence.PermissionOperation{Key: p.verb, Target: p.noun},
	})
	s.c.perms.forget(p.spaceID)
	switch {
	case err == nil:
		return grants, rateLimitAnnotations(resp), nil
	case errors.Is(err, confluence.ErrPermissionExists):
		return grants, annotations.New(&v2.GrantAlreadyExists{}), nil
	}
	k := permKey{principalType: ptype, principalID: pid, verb: p.verb, noun: p.noun}
	if isAmbiguous(err) {
		if _, found, _, cerr := s.c.permissionID(ctx, p.spaceID, k, true); cerr == nil && found {
			return grants, nil, nil
		}
	}
	if errors.Is(err, confluence.ErrBadRequest) && s.c.lacksReadSpace(ctx, p, k) {
		return nil, nil, fmt.Errorf("%s: Confluence adds permissions only to principals that can read the space: grant space:%s:read-space to %s %s first: %w",
			what, p.spaceID, ptype, pid, err)
	}
	return nil, nil, fmt.Errorf("%s: %w", what, err)
}

// lacksReadSpace reports whether a refused add was refused for lack of read-space: the
// permission is not read-space itself and a fresh listing shows no read-space for the principal.
func (c *Connector) lacksReadSpace(ctx context.Context, p spacePerm, k permKey) bool {
	if p.verb == "read" && p.noun == "space" {
		return false
	}
	k.verb, k.noun = "read", "space"
	_, found, _, err := c.permissionID(ctx, p.spaceID, k, true)
	return err == nil && !found
}

// Revoke deletes a space permission, found by its id in the space's permission list. An absent
// permission is reported with GrantAlreadyRevoked; when the delete answers 404 (someone else
// removed it) the list is read again once. Removing read-space removes all of the principal's
// permissions in the space (Confluence's rule).
func (s *spaceSyncer) Revoke(ctx context.Context, g *v2.Grant) (annotations.Annotations, error) {
	p, err := spacePermOf(g.GetEntitlement())
	if err != nil {
		return nil, fmt.Errorf("remove space permission: %w", err)
	}
	ptype, pid, err := principalOf(g.GetPrincipal(), principalUser, principalGroup)
	if err != nil {
		return nil, fmt.Errorf("remove %s in space %s: %w", p.slug(), p.spaceID, err)
	}
	what := fmt.Sprintf("remove %s in space %s for %s %s", p.slug(), p.spaceID, ptype, pid)
	key, err := s.c.spaceKey(ctx, p.spaceID)
	if errors.Is(err, confluence.ErrNotFound) {
		return annotations.New(&v2.GrantAlreadyRevoked{}), nil // the space is gone
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	k := permKey{principalType: ptype, principalID: pid, verb: p.verb, noun: p.noun}
	for attempt := 0; attempt < 2; attempt++ {
		id, found, err := s.c.findPermission(ctx, p.spaceID, k, attempt > 0)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		if !found {
			return annotations.New(&v2.GrantAlreadyRevoked{}), nil
		}
		resp, err := s.c.client.Spaces.RemovePermission(ctx, key, id)
		s.c.perms.forget(p.spaceID)
		if err == nil {
			return rateLimitAnnotations(resp), nil
		}
		if !errors.Is(err, confluence.ErrNotFound) {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
	}
	return annotations.New(&v2.GrantAlreadyRevoked{}), nil
}

// findPermission looks a permission up, listing the space again when a cached listing says it
// is absent (the cache may predate someone else's change). A vanished space has none.
func (c *Connector) findPermission(ctx context.Context, spaceID string, k permKey, fresh bool) (string, bool, error) {
	id, found, listed, err := c.permissionID(ctx, spaceID, k, fresh)
	if err == nil && !found && !listed {
		id, found, _, err = c.permissionID(ctx, spaceID, k, true)
	}
	if errors.Is(err, confluence.ErrNotFound) {
		return "", false, nil
	}
	return id, found, err
}
