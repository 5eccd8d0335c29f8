package connectortest

import (
	"context"
	"errors"
	"fmt"

	"github.com/baton-confluence/baton-confluence/internal/baton/c1z"
)

// ReadContent reads everything the newest finished sync of the c1z at path holds. It fails when
// the file is missing, unreadable or holds no finished sync: what a reader of the output path
// would see. tempDir receives the reader's decompressed copy.
func ReadContent(ctx context.Context, path, tempDir string) (*Content, error) {
	r, err := c1z.OpenReader(ctx, path, c1z.ReaderOptions{TempDir: tempDir, RequireFinished: true})
	if err != nil {
		return nil, err
	}
	c, err := readAll(ctx, r)
	return c, errors.Join(err, r.Close())
}

func readAll(ctx context.Context, r *c1z.Reader) (*Content, error) {
	c := NewContent()
	rts, err := r.ResourceTypes(ctx)
	if err != nil {
		return nil, fmt.Errorf("read resource types: %w", err)
	}
	for _, rt := range rts {
		c.AddResourceType(rt)
	}
	for res, err := range r.Resources(ctx, c1z.ResourceFilter{}) {
		if err != nil {
			return nil, fmt.Errorf("read resources: %w", err)
		}
		c.AddResource(res)
	}
	for e, err := range r.Entitlements(ctx, c1z.EntitlementFilter{}) {
		if err != nil {
			return nil, fmt.Errorf("read entitlements: %w", err)
		}
		c.AddEntitlement(e)
	}
	for g, err := range r.Grants(ctx, c1z.GrantFilter{}) {
		if err != nil {
			return nil, fmt.Errorf("read grants: %w", err)
		}
		c.AddGrant(g)
	}
	return c, nil
}
