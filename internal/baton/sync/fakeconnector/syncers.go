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

// base serves a type with no top-level resources, entitlements or grants ("part" uses it for
// its children listing).
type base struct {
	c  *Connector
	rt string
}

func (b *base) ResourceType(context.Context) *v2.ResourceType { return b.c.types[b.rt] }

func (b *base) List(ctx context.Context, parent *v2.ResourceId, token string) ([]*v2.Resource, string, annotations.Annotations, error) {
	if err := b.c.call(ctx, Call{Op: "list", ResourceType: b.rt, Resource: parent.GetResource(), Token: token}); err != nil {
		return nil, "", nil, err
	}
	if parent == nil || b.rt != "part" {
		return nil, "", nil, nil
	}
	from, to, next, err := b.c.page(b.c.cfg.PartsPerRole, token)
	if err != nil {
		return nil, "", nil, err
	}
	var out []*v2.Resource
	for k := from; k < to; k++ {
		id := fmt.Sprintf("%s:p%d", parent.GetResource(), k)
		r, err := resource.New("Part "+id, b.c.types["part"], id, resource.WithParent(parent))
		if err != nil {
			return nil, "", nil, err
		}
		out = append(out, r)
	}
	return out, next, nil, nil
}

func (b *base) Entitlements(ctx context.Context, r *v2.Resource, token string) ([]*v2.Entitlement, string, annotations.Annotations, error) {
	err := b.c.call(ctx, Call{Op: "entitlements", ResourceType: b.rt, Resource: r.GetId().GetResource(), Token: token})
	return nil, "", nil, err
}

func (b *base) Grants(ctx context.Context, r *v2.Resource, token string) ([]*v2.Grant, string, annotations.Annotations, error) {
	err := b.c.call(ctx, Call{Op: "grants", ResourceType: b.rt, Resource: r.GetId().GetResource(), Token: token})
	return nil, "", nil, err
}

type userSyncer struct{ base }

// UserID is the id of user i.
func UserID(i int) string { return "u" + strconv.Itoa(i) }

func (s *userSyncer) List(ctx context.Context, parent *v2.ResourceId, token string) ([]*v2.Resource, string, annotations.Annotations, error) {
	if err := s.c.call(ctx, Call{Op: "list", ResourceType: "user", Resource: parent.GetResource(), Token: token}); err != nil {
		return nil, "", nil, err
	}
	from, to, next, err := s.c.page(s.c.cfg.Users, token)
	if err != nil || parent != nil {
		return nil, "", nil, err
	}
	out := make([]*v2.Resource, 0, to-from)
	for i := from; i < to; i++ {
		id := UserID(i)
		var opts []resource.Option
		if id != s.c.cfg.NoTraitUser {
			opts = append(opts, resource.WithUserTrait(resource.WithEmail(id+"@example.com", true)))
		}
		r, err := resource.New(fmt.Sprintf("User %d", i), s.c.types["user"], id, opts...)
		if err != nil {
			return nil, "", nil, err
		}
		out = append(out, r)
	}
	return out, next, nil, nil
}

type groupSyncer struct{ base }

// GroupID is the id of group j.
func GroupID(j int) string { return "g" + strconv.Itoa(j) }

func (s *groupSyncer) List(ctx context.Context, parent *v2.ResourceId, token string) ([]*v2.Resource, string, annotations.Annotations, error) {
	if err := s.c.call(ctx, Call{Op: "list", ResourceType: "group", Resource: parent.GetResource(), Token: token}); err != nil {
		return nil, "", nil, err
	}
	from, to, next, err := s.c.page(s.c.cfg.Groups, token)
	if err != nil || parent != nil {
		return nil, "", nil, err
	}
	out := make([]*v2.Resource, 0, to-from)
	for j := from; j < to; j++ {
		r, err := resource.New(fmt.Sprintf("Group %d", j), s.c.types["group"], GroupID(j), resource.WithGroupTrait())
		if err != nil {
			return nil, "", nil, err
		}
		out = append(out, r)
	}
	return out, next, nil, nil
}

func (s *groupSyncer) Entitlements(ctx context.Context, r *v2.Resource, token string) ([]*v2.Entitlement, string, annotations.Annotations, error) {
	if err := s.c.call(ctx, Call{Op: "entitlements", ResourceType: "group", Resource: r.GetId().GetResource(), Token: token}); err != nil {
		return nil, "", nil, err
	}
	return []*v2.Entitlement{entitlement.NewAssignment(r, "member",
		entitlement.WithDisplayName(r.GetDisplayName()+" Member"), entitlement.WithGrantableTo(s.c.types["user"]))}, "", nil, nil
}

// member is the index of the k-th member of group j.
func (c *Connector) member(j, k int) int { return (j*c.cfg.MembersPerGroup + k) % max(c.cfg.Users, 1) }

func (s *groupSyncer) Grants(ctx context.Context, r *v2.Resource, token string) ([]*v2.Grant, string, annotations.Annotations, error) {
	if err := s.c.call(ctx, Call{Op: "grants", ResourceType: "group", Resource: r.GetId().GetResource(), Token: token}); err != nil {
		return nil, "", nil, err
	}
	j, _ := strconv.Atoi(strings.TrimPrefix(r.GetId().GetResource(), "g"))
	n := min(s.c.cfg.MembersPerGroup, s.c.cfg.Users)
	from, to, next, err := s.c.page(n, token)
	if err != nil {
		return nil, "", nil, err
	}
	out := make([]*v2.Grant, 0, to-from)
	for k := from; k < to; k++ {
		out = append(out, grant.New(r, "member", &v2.ResourceId{ResourceType: "user", Resource: UserID(s.c.member(j, k))}))
	}
	return out, next, nil, nil
}
