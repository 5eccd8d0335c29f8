package fakeconnector

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
	"github.com/baton-confluence/baton-confluence/internal/baton/types/grant"
)

// isMember reports whether the fake's data makes user index u a member of group index j.
func (c *Connector) isMember(j, u int) bool {
	for k := range min(c.cfg.MembersPerGroup, c.cfg.Users) {
		if c.member(j, k) == u {
			return true
		}
	}
	return false
}

// holds reports the provisioning state of key "<entitlement id>|<type>:<id>" for group j.
func (c *Connector) holds(key string, j int, principal *v2.ResourceId) bool {
	if v, ok := c.granted[key]; ok {
		return v
	}
	u, err := strconv.Atoi(strings.TrimPrefix(principal.GetResource(), "u"))
	return principal.GetResourceType() == "user" && err == nil && c.isMember(j, u)
}

// Grant implements connectorbuilder.Provisioner for group membership.
func (s *groupSyncer) Grant(ctx context.Context, principal *v2.Resource, ent *v2.Entitlement) ([]*v2.Grant, annotations.Annotations, error) {
	if err := s.c.call(ctx, Call{Op: "grant", ResourceType: "group", Resource: ent.GetId()}); err != nil {
		return nil, nil, err
	}
	if principal.GetId().GetResourceType() != "user" {
		return nil, nil, fmt.Errorf("only users can be group members, not %s", principal.GetId().GetResourceType())
	}
	j, _ := strconv.Atoi(strings.TrimPrefix(ent.GetResource().GetId().GetResource(), "g"))
	key := ent.GetId() + "|user:" + principal.GetId().GetResource()
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	g := grant.New(ent.GetResource(), ent.GetSlug(), principal.GetId())
	if s.c.holds(key, j, principal.GetId()) {
		return []*v2.Grant{g}, annotations.New(&v2.GrantAlreadyExists{}), nil
	}
	s.c.granted[key] = true
	return []*v2.Grant{g}, nil, nil
}

// Revoke implements connectorbuilder.Provisioner for group membership.
func (s *groupSyncer) Revoke(ctx context.Context, g *v2.Grant) (annotations.Annotations, error) {
	if err := s.c.call(ctx, Call{Op: "revoke", ResourceType: "group", Resource: g.GetId()}); err != nil {
		return nil, err
	}
	ent := g.GetEntitlement()
	j, _ := strconv.Atoi(strings.TrimPrefix(ent.GetResource().GetId().GetResource(), "g"))
	p := g.GetPrincipal().GetId()
	key := ent.GetId() + "|" + p.GetResourceType() + ":" + p.GetResource()
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	if !s.c.holds(key, j, p) {
		return annotations.New(&v2.GrantAlreadyRevoked{}), nil
	}
	s.c.granted[key] = false
	return nil, nil
}
