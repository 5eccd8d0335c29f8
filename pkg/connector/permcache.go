package connector

import (
	"context"
	"fmt"
	"sync"

	"github.com/baton-confluence/baton-confluence/pkg/confluence"
)

// permKey identifies one space permission of one principal.
type permKey struct {
	principalType, principalID string // user or group, account or group id
	verb, noun                 string // operation key and target
}

// permCache maps each space's permissions to their ids, for revokes (the v1 delete takes the
// id and there is no server-side filter). A space is listed once, on first use, and forgotten
// whenever the connector changes its permissions, so the next use lists it again.
type permCache struct {
	mu     sync.Mutex
	spaces map[string]map[permKey]string
}

func newPermCache() *permCache { return &permCache{spaces: map[string]map[permKey]string{}} }

func (c *permCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.spaces = map[string]map[permKey]string{}
}

func (c *permCache) forget(spaceID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.spaces, spaceID)
}

func (c *permCache) get(spaceID string) (map[permKey]string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m, ok := c.spaces[spaceID]
	return m, ok
}

func (c *permCache) put(spaceID string, m map[permKey]string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.spaces[spaceID] = m
}

// permissionID finds the id of a space permission. With fresh the space's permissions are
// listed again even when cached. It reports whether the answer came from a fresh listing.
func (c *Connector) permissionID(ctx context.Context, spaceID string, k permKey, fresh bool) (id string, found, listed bool, err error) {
	m, ok := c.perms.get(spaceID)
	if !ok || fresh {
		m, err = c.listPermissions(ctx, spaceID)
		if err != nil {
			return "", false, false, err
		}
		c.perms.put(spaceID, m)
		listed = true
	}
	id, found = m[k]
	return id, found, listed, nil
}

// listPermissions reads every permission of a space.
func (c *Connector) listPermissions(ctx context.Context, spaceID string) (map[permKey]string, error) {
	m := map[permKey]string{}
	opts := &confluence.CursorOptions{Limit: confluence.DefaultV2Limit}
	for p, err := range c.client.Spaces.AllPermissions(ctx, spaceID, opts) {
		if err != nil {
			return nil, fmt.Errorf("list permissions of space %s: %w", spaceID, err)
		}
		k := permKey{principalType: p.Principal.Type, principalID: p.Principal.ID, verb: p.Operation.Key, noun: p.Operation.TargetType}
		m[k] = p.ID.String()
	}
	return m, nil
}

// spaceKey returns the key of a space (the v1 permission writes take the key, not the id):
// remembered from the space listing or an earlier lookup, else read once.
func (c *Connector) spaceKey(ctx context.Context, spaceID string) (string, error) {
	if key, ok := c.spaces.key(spaceID); ok {
		return key, nil
	}
	sp, _, err := c.client.Spaces.Get(ctx, spaceID, nil)
	if err != nil {
		return "", fmt.Errorf("get space %s: %w", spaceID, err)
	}
	if sp.Key == "" {
		return "", fmt.Errorf("get space %s: the answer has no key", spaceID)
	}
	c.spaces.put(*sp)
	return sp.Key, nil
}
