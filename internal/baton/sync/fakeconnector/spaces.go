package fakeconnector

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
	"github.com/baton-confluence/baton-confluence/internal/baton/types/entitlement"
	"github.com/baton-confluence/baton-confluence/internal/baton/types/grant"
	"github.com/baton-confluence/baton-confluence/internal/baton/types/resource"
)

type spaceSyncer struct{ base }

// SpaceID is the id of space s.
func SpaceID(s int) string { return strconv.Itoa(1000 + s) }

func spaceIndex(id string) int {
	n, _ := strconv.Atoi(strings.SplitN(id, ":", 2)[0])
	return n - 1000
}

func (s *spaceSyncer) space(i int) (*v2.Resource, error) {
	var opts []resource.Option
	if s.c.cfg.RolesPerSpace > 0 {
		opts = append(opts, resource.WithChildResourceType("role"))
	}
	if n := s.c.cfg.SkipGrantsEvery; n > 0 && i%n == 1 {
		opts = append(opts, resource.WithAnnotation(&v2.SkipGrants{}))
	}
	return resource.New(fmt.Sprintf("Space %d", i), s.c.types["space"], SpaceID(i), opts...)
}

func (s *spaceSyncer) List(ctx context.Context, parent *v2.ResourceId, token string) ([]*v2.Resource, string, annotations.Annotations, error) {
	if err := s.c.call(ctx, Call{Op: "list", ResourceType: "space", Resource: parent.GetResource(), Token: token}); err != nil {
		return nil, "", nil, err
	}
	from, to, next, err := s.c.page(s.c.cfg.Spaces, token)
	if err != nil || parent != nil {
		return nil, "", nil, err
	}
	out := make([]*v2.Resource, 0, to-from)
	for i := from; i < to; i++ {
		r, err := s.space(i)
		if err != nil {
			return nil, "", nil, err
		}
		out = append(out, r)
	}
	return out, next, nil, nil
}

// Get implements connectorbuilder.TargetedGetter.
func (s *spaceSyncer) Get(ctx context.Context, id, _ *v2.ResourceId) (*v2.Resource, annotations.Annotations, error) {
	if err := s.c.call(ctx, Call{Op: "get", ResourceType: "space", Resource: id.GetResource()}); err != nil {
		return nil, nil, err
	}
	i := spaceIndex(id.GetResource())
	if i < 0 || i >= s.c.cfg.Spaces {
		return nil, nil, fmt.Errorf("space %s not found", id.GetResource())
	}
	r, err := s.space(i)
	return r, nil, err
}

func (s *spaceSyncer) Entitlements(ctx context.Context, r *v2.Resource, token string) ([]*v2.Entitlement, string, annotations.Annotations, error) {
	if err := s.c.call(ctx, Call{Op: "entitlements", ResourceType: "space", Resource: r.GetId().GetResource(), Token: token}); err != nil {
		return nil, "", nil, err
	}
	from, to, next, err := s.c.page(s.c.cfg.EntitlementsPerSpace, token)
	if err != nil {
		return nil, "", nil, err
	}
	out := make([]*v2.Entitlement, 0, to-from)
	for k := from; k < to; k++ {
		out = append(out, entitlement.NewPermission(r, "perm"+strconv.Itoa(k),
			entitlement.WithDisplayName(fmt.Sprintf("Perm %d on %s", k, r.GetDisplayName())),
			entitlement.WithGrantableTo(s.c.types["user"], s.c.types["group"])))
	}
	return out, next, nil, nil
}

func (s *spaceSyncer) Grants(ctx context.Context, r *v2.Resource, token string) ([]*v2.Grant, string, annotations.Annotations, error) {
	if err := s.c.call(ctx, Call{Op: "grants", ResourceType: "space", Resource: r.GetId().GetResource(), Token: token}); err != nil {
		return nil, "", nil, err
	}
	cfg := s.c.cfg
	i := spaceIndex(r.GetId().GetResource())
	nu, ng := min(cfg.UserGrantsPerSpace, cfg.Users), min(cfg.GroupGrantsPerSpace, cfg.Groups)
	total := nu + ng
	if cfg.GhostGrants {
		total++
	}
	from, to, next, err := s.c.page(total, token)
	if err != nil {
		return nil, "", nil, err
	}
	out := make([]*v2.Grant, 0, to-from)
	for k := from; k < to; k++ {
		slug := "perm" + strconv.Itoa(k%cfg.EntitlementsPerSpace)
		switch {
		case k < nu:
			u := UserID((i*cfg.UserGrantsPerSpace + k) % cfg.Users)
			out = append(out, grant.New(r, slug, &v2.ResourceId{ResourceType: "user", Resource: u}))
		case k < nu+ng:
			g := GroupID((i + k - nu) % cfg.Groups)
			out = append(out, grant.New(r, slug, &v2.ResourceId{ResourceType: "group", Resource: g},
				grant.WithExpandable("group:"+g+":member")))
		default:
			out = append(out, grant.New(r, "perm0", &v2.ResourceId{ResourceType: "user", Resource: "ghost"}))
		}
	}
	return out, next, nil, nil
}

type roleSyncer struct{ base }

func (s *roleSyncer) List(ctx context.Context, parent *v2.ResourceId, token string) ([]*v2.Resource, string, annotations.Annotations, error) {
	if err := s.c.call(ctx, Call{Op: "list", ResourceType: "role", Resource: parent.GetResource(), Token: token}); err != nil {
		return nil, "", nil, err
	}
	if parent == nil {
		return nil, "", nil, nil
	}
	from, to, next, err := s.c.page(s.c.cfg.RolesPerSpace, token)
	if err != nil {
		return nil, "", nil, err
	}
	out := make([]*v2.Resource, 0, to-from)
	for k := from; k < to; k++ {
		id := fmt.Sprintf("%s:r%d", parent.GetResource(), k)
		opts := []resource.Option{resource.WithRoleTrait(), resource.WithParent(parent)}
		if s.c.cfg.PartsPerRole > 0 {
			opts = append(opts, resource.WithChildResourceType("part"))
		}
		r, err := resource.New("Role "+id, s.c.types["role"], id, opts...)
		if err != nil {
			return nil, "", nil, err
		}
		out = append(out, r)
	}
	return out, next, nil, nil
}

// StaticEntitlements implements connectorbuilder.StaticEntitlementer: one "assigned" template.
func (s *roleSyncer) StaticEntitlements(ctx context.Context, token string) ([]*v2.Entitlement, string, annotations.Annotations, error) {
	if err := s.c.call(ctx, Call{Op: "static", ResourceType: "role", Token: token}); err != nil {
		return nil, "", nil, err
	}
	return []*v2.Entitlement{entitlement.NewAssignment(nil, "assigned",
		entitlement.WithGrantableTo(s.c.types["user"]))}, "", nil, nil
}

func (s *roleSyncer) Grants(ctx context.Context, r *v2.Resource, token string) ([]*v2.Grant, string, annotations.Annotations, error) {
	if err := s.c.call(ctx, Call{Op: "grants", ResourceType: "role", Resource: r.GetId().GetResource(), Token: token}); err != nil {
		return nil, "", nil, err
	}
	id := r.GetId().GetResource()
	k, _ := strconv.Atoi(id[strings.LastIndex(id, ":r")+2:])
	u := UserID((spaceIndex(id) + k) % max(s.c.cfg.Users, 1))
	return []*v2.Grant{grant.New(r, "assigned", &v2.ResourceId{ResourceType: "user", Resource: u})}, "", nil, nil
}
