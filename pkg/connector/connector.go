package connector

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"

	"github.com/baton-confluence/baton-confluence/pkg/config"
	"github.com/baton-confluence/baton-confluence/pkg/confluence"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	"github.com/baton-confluence/baton-confluence/internal/baton/connectorbuilder"
	"github.com/baton-confluence/baton-confluence/internal/baton/logging"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// Connector syncs a Confluence Cloud site and provisions access on it. Create it with New. It is
// safe for concurrent use by the sync engine's workers.
type Connector struct {
	cfg     config.Config
	site    string // host name of the site, for messages
	client  *confluence.Client
	filter  permFilter
	batch   int
	syncers []connectorbuilder.ResourceSyncer

	sync   *syncCaches  // per-sync caches, cleared by Validate
	spaces *spaceCache  // space names and keys
	roles  *roleCache   // role names
	perms  *permCache   // permission ids of spaces, for revokes
	bulk   bulkFallback // remembers that users-bulk is unavailable
}

var _ connectorbuilder.Connector = (*Connector)(nil)

// New builds the connector for cfg: it validates the configuration and creates the REST client
// (nothing is sent until Validate). Empty noun or verb lists mean all of them. Client events are
// logged at debug level through the logger in ctx.
func New(ctx context.Context, cfg config.Config, opts ...Option) (*Connector, error) {
	if len(cfg.Nouns) == 0 {
		cfg.Nouns = slices.Clone(config.AllNouns)
	}
	if len(cfg.Verbs) == 0 {
		cfg.Verbs = slices.Clone(config.AllVerbs)
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("confluence configuration: %w", err)
	}
	s := settings{membersBatch: DefaultMembersBatch}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&s); err != nil {
			return nil, fmt.Errorf("configure connector: %w", err)
		}
	}
	observer := fanOut(append([]func(confluence.Event){eventLogger(logging.From(ctx))}, s.observers...)...)
	clientOpts := append([]confluence.Option{
		confluence.WithBasicAuth(cfg.Username, cfg.APIKey),
		confluence.WithUserAgent("baton-confluence"),
		confluence.WithObserver(observer),
	}, s.client...)
	client, err := confluence.NewClient(cfg.DomainURL, clientOpts...)
	if err != nil {
		return nil, fmt.Errorf("create confluence client: %w", err)
	}
	c := &Connector{
		cfg: cfg, site: siteName(cfg.DomainURL), client: client,
		filter: newPermFilter(cfg.Verbs, cfg.Nouns), batch: s.membersBatch,
		sync: newSyncCaches(), spaces: newSpaceCache(), roles: newRoleCache(), perms: newPermCache(),
	}
	c.syncers = []connectorbuilder.ResourceSyncer{
		&userSyncer{c}, &groupSyncer{c}, &spaceSyncer{c}, &roleSyncer{c}, &assignmentSyncer{c},
	}
	return c, nil
}

// String describes the connector without its credentials.
func (c *Connector) String() string {
	return fmt.Sprintf("connector.Connector{site: %s, username: %s, rbac: %t}", c.site, c.cfg.Username, c.cfg.UseRBAC)
}

// GoString describes the connector without its credentials.
func (c *Connector) GoString() string { return c.String() }

// Format describes the connector without its credentials, for every verb.
func (c *Connector) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

// siteName is the host of the configured domain URL, for messages.
func siteName(domainURL string) string {
	raw := strings.TrimSpace(domainURL)
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	if u, err := url.Parse(raw); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return domainURL
}

// Metadata describes the connector, with a link to the site.
func (c *Connector) Metadata(context.Context) (*v2.ConnectorMetadata, error) {
	return &v2.ConnectorMetadata{
		DisplayName: "Confluence",
		Description: "Syncs Confluence Cloud users (licensed, guests, unlicensed and users reached only " +
			"through groups), groups and their members, spaces and their permissions, and RBAC space roles " +
			"and role assignments; provisions group membership, space permissions and space role assignments.",
		Annotations: annotations.New(&v2.ExternalLink{Url: c.cfg.DomainURL}),
	}, nil
}

// ResourceSyncers returns the syncers of user, group, space, space_role and
// space_role_assignment. The RBAC ones list nothing without Config.UseRBAC.
func (c *Connector) ResourceSyncers(context.Context) []connectorbuilder.ResourceSyncer {
	return slices.Clone(c.syncers)
}

// checkError is a validation failure with a complete, user-facing message; it still matches
// the underlying error with errors.Is and errors.As.
type checkError struct {
	msg string
	err error
}

func (e *checkError) Error() string { return e.msg }
func (e *checkError) Unwrap() error { return e.err }

// Validate checks the credentials with the current user (and, with RBAC, that the site has
// space roles) and starts a new sync: the per-sync caches are cleared.
func (c *Connector) Validate(ctx context.Context) (annotations.Annotations, error) {
	c.sync.reset()
	c.perms.reset()
	c.roles.reset()
	u, resp, err := c.client.Users.Current(ctx, nil)
	if err != nil {
		if errors.Is(err, confluence.ErrUnauthorized) {
			return nil, &checkError{msg: fmt.Sprintf("authentication failed for %s at %s: check the username and API token",
				c.cfg.Username, c.site), err: err}
		}
		return nil, fmt.Errorf("validate credentials for %s at %s: %w", c.cfg.Username, c.site, err)
	}
	if u.AccountID == "" {
		return nil, fmt.Errorf("validate credentials for %s at %s: the current user has no account id", c.cfg.Username, c.site)
	}
	if c.cfg.UseRBAC {
		if err := c.validateRBAC(ctx); err != nil {
			return nil, err
		}
	}
	return rateLimitAnnotations(resp), nil
}

// validateRBAC checks that the site has RBAC data: space-role-mode answers and is not
// PRE_ROLES, and space-roles answers.
func (c *Connector) validateRBAC(ctx context.Context) error {
	mode, _, err := c.client.SpaceRoles.Mode(ctx)
	switch {
	case errors.Is(err, confluence.ErrNotFound):
		return &checkError{msg: fmt.Sprintf("RBAC is not available on %s (space-role-mode returned 404): run without --use-rbac", c.site), err: err}
	case err != nil:
		return fmt.Errorf("read the space role mode of %s: %w", c.site, err)
	case mode.Mode == confluence.RoleModePreRoles:
		return fmt.Errorf("RBAC is not enabled on %s (space role mode is %s): turn on space roles in Confluence or run without --use-rbac",
			c.site, mode.Mode)
	}
	_, _, err = c.client.SpaceRoles.List(ctx, &confluence.SpaceRoleListOptions{CursorOptions: confluence.CursorOptions{Limit: 1}})
	switch {
	case errors.Is(err, confluence.ErrNotFound):
		return &checkError{msg: fmt.Sprintf("RBAC space roles are not available on %s (space-roles returned 404): run without --use-rbac", c.site), err: err}
	case err != nil:
		return fmt.Errorf("list the space roles of %s: %w", c.site, err)
	}
	return nil
}

// Capabilities returns what the connector advertises. It needs no configuration and makes no
// request (the `capabilities` command runs without credentials).
func Capabilities(ctx context.Context) (*v2.ConnectorCapabilities, error) {
	c, err := New(ctx, config.Config{DomainURL: "https://example.atlassian.net", Username: "capabilities", APIKey: "unused"})
	if err != nil {
		return nil, err
	}
	return connectorbuilder.Capabilities(ctx, c)
}
