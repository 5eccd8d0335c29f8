// Package fakeconnector is a deterministic in-memory connector for tests and benchmarks of the
// sync engine and the runner. It serves users, groups (members), spaces (permissions granted to
// users directly and to groups as expandable grants), roles listed as children of spaces (with
// a static "assigned" entitlement) and optionally parts nested under roles. Every listing is
// paged with offset tokens; calls can be delayed, failed on demand and are recorded.
package fakeconnector

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	"github.com/baton-confluence/baton-confluence/internal/baton/connectorbuilder"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// Config shapes the data. Zero counts mean none of that kind.
type Config struct {
	Users, Groups, Spaces int
	// MembersPerGroup users are members of each group.
	MembersPerGroup int
	// EntitlementsPerSpace permission entitlements per space (default 2).
	EntitlementsPerSpace int
	// UserGrantsPerSpace direct user grants per space; GroupGrantsPerSpace expandable group grants.
	UserGrantsPerSpace, GroupGrantsPerSpace int
	// GhostGrants adds to every space a grant to a user that is never listed.
	GhostGrants bool
	// RolesPerSpace role resources are listed under each space (ChildResourceType "role").
	RolesPerSpace int
	// PartsPerRole "part" resources are listed under each role (a second level of children).
	PartsPerRole int
	// SkipGrantsEvery: spaces whose index i has i%SkipGrantsEvery == 1 carry SkipGrants.
	SkipGrantsEvery int
	// NoTraitUser: this user id is listed without its UserTrait.
	NoTraitUser string
	// PageSize of every listing (default 7).
	PageSize int
	// Delay, when set, is slept before every call (through Sleep, default time.Sleep).
	Delay func() time.Duration
	Sleep func(time.Duration)
	// Fail, when set, may fail any call.
	Fail func(Call) error
	// Validate, when set, is Validate's answer.
	Validate error
}

// Call describes one syncer call.
type Call struct {
	Op           string // list, entitlements, grants, static, get, grant, revoke
	ResourceType string
	Resource     string // resource (or parent, for list) id; "" for top-level lists
	Token        string
}

// Connector is the fake connector.
type Connector struct {
	cfg   Config
	types map[string]*v2.ResourceType

	mu      sync.Mutex
	calls   []Call
	granted map[string]bool // provisioning state: "<entitlement id>|<type>:<id>"
}

// New builds a connector serving cfg.
func New(cfg Config) *Connector {
	if cfg.PageSize <= 0 {
		cfg.PageSize = 7
	}
	if cfg.EntitlementsPerSpace <= 0 {
		cfg.EntitlementsPerSpace = 2
	}
	if cfg.Sleep == nil {
		cfg.Sleep = time.Sleep
	}
	c := &Connector{cfg: cfg, granted: map[string]bool{}}
	c.types = map[string]*v2.ResourceType{
		"user": {Id: "user", DisplayName: "User", Traits: []v2.ResourceType_Trait{v2.ResourceType_TRAIT_USER},
			Annotations: annotations.New(&v2.SkipEntitlementsAndGrants{})},
		"group": {Id: "group", DisplayName: "Group", Traits: []v2.ResourceType_Trait{v2.ResourceType_TRAIT_GROUP}},
		"space": {Id: "space", DisplayName: "Space"},
		"role": {Id: "role", DisplayName: "Role", Traits: []v2.ResourceType_Trait{v2.ResourceType_TRAIT_ROLE},
			Annotations: annotations.New(&v2.SkipEntitlements{})},
		"part": {Id: "part", DisplayName: "Part", Annotations: annotations.New(&v2.SkipEntitlementsAndGrants{})},
	}
	return c
}

// Metadata implements connectorbuilder.Connector.
func (c *Connector) Metadata(context.Context) (*v2.ConnectorMetadata, error) {
	return &v2.ConnectorMetadata{DisplayName: "Fake"}, nil
}

// Validate implements connectorbuilder.Connector.
func (c *Connector) Validate(context.Context) (annotations.Annotations, error) {
	return nil, c.cfg.Validate
}

// ResourceSyncers implements connectorbuilder.Connector: user, group, space, role, part.
func (c *Connector) ResourceSyncers(context.Context) []connectorbuilder.ResourceSyncer {
	return []connectorbuilder.ResourceSyncer{
		&userSyncer{base{c, "user"}}, &groupSyncer{base{c, "group"}}, &spaceSyncer{base{c, "space"}},
		&roleSyncer{base{c, "role"}}, &base{c, "part"},
	}
}

// Calls returns the calls made so far, in order.
func (c *Connector) Calls() []Call {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Call(nil), c.calls...)
}

// ResourceType returns the resource type with id.
func (c *Connector) ResourceType(id string) *v2.ResourceType { return c.types[id] }

// call records a call, applies the delay and the injected failure.
func (c *Connector) call(ctx context.Context, k Call) error {
	c.mu.Lock()
	c.calls = append(c.calls, k)
	c.mu.Unlock()
	if c.cfg.Delay != nil {
		c.cfg.Sleep(c.cfg.Delay())
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if c.cfg.Fail != nil {
		return c.cfg.Fail(k)
	}
	return nil
}

// page cuts n items into the page starting at token and returns [from, to) and the next token.
func (c *Connector) page(n int, token string) (int, int, string, error) {
	from := 0
	if token != "" {
		var err error
		if from, err = strconv.Atoi(token); err != nil || from < 0 || from > n {
			return 0, 0, "", fmt.Errorf("bad page token %q", token)
		}
	}
	to := min(from+c.cfg.PageSize, n)
	next := ""
	if to < n {
		next = strconv.Itoa(to)
	}
	return from, to, next, nil
}
