package connector

import (
	"context"
	"errors"
	"fmt"

	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/baton-confluence/baton-confluence/pkg/confluence"

	"github.com/baton-confluence/baton-confluence/internal/baton/annotations"
	"github.com/baton-confluence/baton-confluence/internal/baton/logging"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// userSearchCQL lists every user.
const userSearchCQL = "type=user"

// userSyncer lists every human account once: phase "search" walks the user search (every site
// permission type), phase "members" reads the members of a batch of groups per call, which also
// fills the member cache the group syncer's Grants use.
type userSyncer struct{ c *Connector }

func (s *userSyncer) ResourceType(context.Context) *v2.ResourceType { return userType }

// List returns one page of users.
func (s *userSyncer) List(ctx context.Context, _ *v2.ResourceId, pageToken string) ([]*v2.Resource, string, annotations.Annotations, error) {
	t, err := decodeToken[userToken](pageToken)
	if err != nil {
		return nil, "", nil, fmt.Errorf("list users: %w", err)
	}
	if t.Phase == phaseMembers {
		return s.listMembers(ctx, pageToken, t)
	}
	return s.listSearch(ctx, pageToken, t)
}

// Entitlements: users have none (the type is marked SkipEntitlementsAndGrants).
func (s *userSyncer) Entitlements(context.Context, *v2.Resource, string) ([]*v2.Entitlement, string, annotations.Annotations, error) {
	return nil, "", nil, nil
}

// Grants: users have none.
func (s *userSyncer) Grants(context.Context, *v2.Resource, string) ([]*v2.Grant, string, annotations.Annotations, error) {
	return nil, "", nil, nil
}

// listMembers reads the members of the next batch of groups of one group-list page
// concurrently and returns the users not listed before.
func (s *userSyncer) listMembers(ctx context.Context, pageToken string, t userToken) ([]*v2.Resource, string, annotations.Annotations, error) {
	groups, next, err := s.c.groupPage(ctx, t.Start)
	if err != nil {
		return nil, "", nil, fmt.Errorf("list groups from %d: %w", t.Start, err)
	}
	from := min(t.Index, len(groups))
	end := min(from+s.c.batch, len(groups))
	members, err := s.c.fetchMembers(ctx, groups[from:end])
	if err != nil {
		return nil, "", nil, err
	}
	var users []confluence.User
	for _, m := range members {
		users = append(users, m...)
	}
	rs, err := s.c.newUsers(ctx, pageToken, users)
	if err != nil {
		return nil, "", nil, err
	}
	var nt *userToken
	switch {
	case end < len(groups):
		nt = &userToken{Phase: phaseMembers, Start: t.Start, Index: end}
	case next > t.Start:
		nt = &userToken{Phase: phaseMembers, Start: next}
	}
	tok, err := encodeToken(nt)
	return rs, tok, nil, err
}

// fetchMembers reads every member of each group concurrently and caches the human members of
// each group. A group that vanished since it was listed is skipped with a warning (nil entry).
func (c *Connector) fetchMembers(ctx context.Context, groups []confluence.Group) ([][]confluence.User, error) {
	out := make([][]confluence.User, len(groups))
	eg, gctx := errgroup.WithContext(ctx)
	for i, g := range groups {
		eg.Go(func() error {
			users, err := c.allMembers(gctx, g.ID)
			if errors.Is(err, confluence.ErrNotFound) {
				logging.From(ctx).Warn("group vanished while syncing: skipping its members",
					zap.String("group_id", g.ID), zap.String("group", g.Name))
				return nil
			}
			if err != nil {
				return fmt.Errorf("list members of group %s: %w", g.ID, err)
			}
			out[i] = users
			c.sync.putMembers(g.ID, humanIDs(users))
			return nil
		})
	}
	return out, eg.Wait()
}

// allMembers reads every page of a group's members, with their operations.
func (c *Connector) allMembers(ctx context.Context, groupID string) ([]confluence.User, error) {
	var users []confluence.User
	opts := &confluence.GroupMembersOptions{Expand: []string{"operations"}}
	for u, err := range c.client.Groups.AllMembers(ctx, groupID, opts) {
		if err != nil {
			return nil, err
		}
		users = append(users, u)
	}
	return users, nil
}

// newUsers maps the human accounts of a page that no other page listed, looking up the status
// of those without operations.
func (c *Connector) newUsers(ctx context.Context, pageToken string, users []confluence.User) ([]*v2.Resource, error) {
	ids := humanIDs(users)
	fresh := c.sync.unseen(pageToken, ids)
	var pick []confluence.User
	var lookup []string
	for _, u := range users {
		if !isHuman(u.AccountType) || !fresh[u.AccountID] {
			continue
		}
		delete(fresh, u.AccountID) // first occurrence only
		pick = append(pick, u)
		if !hasOperations(u) {
			lookup = append(lookup, u.AccountID)
		}
	}
	status, err := c.accountStatus(ctx, lookup)
	if err != nil {
		return nil, err
	}
	out := make([]*v2.Resource, 0, len(pick))
	listed := make([]string, 0, len(pick))
	for _, u := range pick {
		r, err := userResource(u, hasOperations(u) || status[u.AccountID])
		if err != nil {
			return nil, fmt.Errorf("map user %s: %w", u.AccountID, err)
		}
		out = append(out, r)
		listed = append(listed, u.AccountID)
	}
	c.sync.markSeen(pageToken, listed)
	return out, nil
}

// accountStatus looks up, with users-bulk, whether each account is active. Accounts users-bulk
// does not know, or every account when users-bulk is unavailable (403/404), count as disabled:
// the canonical connector's rule for accounts without operations.
func (c *Connector) accountStatus(ctx context.Context, ids []string) (map[string]bool, error) {
	enabled := make(map[string]bool, len(ids))
	for start := 0; start < len(ids) && !c.bulk.unavailable.Load(); start += confluence.MaxBulkUsers {
		chunk := ids[start:min(start+confluence.MaxBulkUsers, len(ids))]
		found, _, err := c.client.Users.Bulk(ctx, chunk)
		if errors.Is(err, confluence.ErrNotFound) || errors.Is(err, confluence.ErrForbidden) {
			c.bulk.unavailable.Store(true)
			logging.From(ctx).Warn("users-bulk is not available: accounts without operations count as disabled", zap.Error(err))
			break
		}
		if err != nil {
			return nil, fmt.Errorf("look up the status of %d accounts: %w", len(chunk), err)
		}
		for _, b := range found {
			if on, known := bulkStatus(b); known {
				enabled[b.AccountID] = on
			}
		}
	}
	return enabled, nil
}
