package connector_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/pkg/config"
	"github.com/baton-confluence/baton-confluence/pkg/confluence/confluencetest"
	"github.com/baton-confluence/baton-confluence/pkg/connector"
	"github.com/baton-confluence/baton-confluence/pkg/connector/connectortest"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	"github.com/baton-confluence/baton-confluence/internal/baton/connectorbuilder"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// provEnv is a simulated tenant that has been synced once: provisioning tests take the
// entitlements and principals from the synced content, as one-shot provisioning does from the
// c1z.
type provEnv struct {
	t      *testing.T
	ctx    context.Context
	srv    *confluencetest.Server
	conn   *connector.Connector
	synced *connectortest.Content
	mutate func(*config.Config)
}

func newProvEnv(t *testing.T, cfg confluencetest.Config, mutate func(*config.Config)) *provEnv {
	t.Helper()
	ctx, _ := observedCtx(t)
	srv := startSim(t, cfg)
	e := &provEnv{t: t, ctx: ctx, srv: srv, mutate: mutate}
	e.conn = newConnector(t, srv, mutate)
	e.synced = syncContent(ctx, t, e.conn)
	return e
}

// fresh returns a new connector (a new process: empty caches).
func (e *provEnv) fresh() *connector.Connector { return newConnector(e.t, e.srv, e.mutate) }

func (e *provEnv) ent(id string) *v2.Entitlement {
	e.t.Helper()
	ent, ok := e.synced.Entitlements[id]
	require.True(e.t, ok, "entitlement %s was synced", id)
	return ent
}

func (e *provEnv) res(typ, id string) *v2.Resource {
	e.t.Helper()
	r, ok := e.synced.Resources[typ+":"+id]
	require.True(e.t, ok, "resource %s:%s was synced", typ, id)
	return r
}

func (e *provEnv) grant(conn *connector.Connector, principal *v2.Resource, entID string) ([]*v2.Grant, annotations.Annotations, error) {
	return connectorbuilder.Grant(e.ctx, conn, principal, e.ent(entID))
}

func (e *provEnv) revoke(conn *connector.Connector, g *v2.Grant) (annotations.Annotations, error) {
	return connectorbuilder.Revoke(e.ctx, conn, g)
}

// resync syncs again and checks the whole content against the simulator's current truth.
func (e *provEnv) resync(opts connectortest.Options) *connectortest.Content {
	e.t.Helper()
	got := syncContent(e.ctx, e.t, e.fresh())
	requireContent(e.t, connectortest.Expected(e.srv.Truth(), opts), got)
	return got
}

func (e *provEnv) route(name string) int64 { return e.srv.Stats().Routes[name] }

func alreadyExists(a annotations.Annotations) bool  { return a.Contains(&v2.GrantAlreadyExists{}) }
func alreadyRevoked(a annotations.Annotations) bool { return a.Contains(&v2.GrantAlreadyRevoked{}) }

// humans returns the active atlassian accounts the sync stored.
func (e *provEnv) humans() []confluencetest.User {
	var out []confluencetest.User
	for _, u := range connectortest.ReachableUsers(e.srv.Truth()) {
		if u.Active() {
			out = append(out, u)
		}
	}
	return out
}

// outsider returns an active user who is not a member of g.
func (e *provEnv) outsider(g confluencetest.Group) confluencetest.User {
	e.t.Helper()
	for _, u := range e.humans() {
		if !contains(g.Members, u.AccountID) {
			return u
		}
	}
	e.t.Fatal("no outsider")
	return confluencetest.User{}
}

// memberHuman returns a human member of g.
func (e *provEnv) memberHuman(g confluencetest.Group) confluencetest.User {
	e.t.Helper()
	for _, id := range g.Members {
		if u, ok := e.srv.Truth().User(id); ok && u.AccountType == confluencetest.AccountAtlassian {
			return u
		}
	}
	e.t.Fatal("no human member")
	return confluencetest.User{}
}

// bareSpace returns a current non-personal space and an active user without any permission in it.
func (e *provEnv) bareSpace() (confluencetest.Space, confluencetest.User) {
	e.t.Helper()
	for _, s := range e.srv.Truth().Spaces {
		if s.Type == "personal" || s.Status != "current" {
			continue
		}
		for _, u := range e.humans() {
			if !holdsAny(s, "user", u.AccountID) {
				return s, u
			}
		}
	}
	e.t.Fatal("no space with a user lacking permissions")
	return confluencetest.Space{}, confluencetest.User{}
}

func holdsAny(s confluencetest.Space, ptype, pid string) bool {
	for _, p := range s.Permissions {
		if p.PrincipalType == ptype && p.PrincipalID == pid {
			return true
		}
	}
	return false
}

func holds(s confluencetest.Space, ptype, pid, key, target string) bool {
	for _, p := range s.Permissions {
		if p.PrincipalType == ptype && p.PrincipalID == pid && p.Key == key && p.Target == target {
			return true
		}
	}
	return false
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

func (e *provEnv) group(name string) confluencetest.Group {
	e.t.Helper()
	for _, g := range e.srv.Truth().Groups {
		if g.Name == name || name == "" && len(g.Members) > 2 && g.Name != "atlassian-addons-admin" {
			return g
		}
	}
	e.t.Fatalf("no group %q", name)
	return confluencetest.Group{}
}

// hasGrant reports whether the content holds the grant (direct or derived).
func hasGrant(c *connectortest.Content, id string) bool {
	_, ok := c.Grants[id]
	return ok
}

// hasDirect reports whether the content holds the grant as a direct grant (not only derived by
// group expansion).
func hasDirect(c *connectortest.Content, id string) bool {
	g, ok := c.Grants[id]
	if !ok {
		return false
	}
	srcs := g.GetSources().GetSources()
	_, self := srcs[g.GetEntitlement().GetId()]
	return len(srcs) == 0 || self
}
