package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/baton-confluence/baton-confluence/internal/baton/c1z"
	"github.com/baton-confluence/baton-confluence/internal/baton/connectorbuilder"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// openForLookup opens File for reading; a missing file says to sync first.
func (o *OneShot) openForLookup(ctx context.Context) (*c1z.Reader, error) {
	if _, err := os.Stat(o.File); errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s does not exist: run a sync first", o.File)
	}
	r, err := c1z.OpenReader(ctx, o.File, c1z.ReaderOptions{TempDir: o.TempDir})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", o.File, err)
	}
	return r, nil
}

// notFound turns a lookup miss into an error telling the user to sync first.
func (o *OneShot) notFound(what string, err error) error {
	if errors.Is(err, c1z.ErrNotFound) {
		return fmt.Errorf("%s not found in %s: run a sync first", what, filepath.Base(o.File))
	}
	return fmt.Errorf("look up %s in %s: %w", what, o.File, err)
}

// grant gives GrantPrincipal the entitlement GrantEntitlement, both looked up in File.
func (o *OneShot) grant(ctx context.Context) error {
	if o.GrantEntitlement == "" || o.GrantPrincipal == "" || o.GrantPrincipalType == "" {
		return errors.New("grant: --grant-entitlement, --grant-principal and --grant-principal-type are required together")
	}
	r, err := o.openForLookup(ctx)
	if err != nil {
		return err
	}
	defer r.Close()
	ent, err := r.Entitlement(ctx, o.GrantEntitlement)
	if err != nil {
		return o.notFound("entitlement "+o.GrantEntitlement, err)
	}
	if ent.GetResource().GetId().GetResource() == "" {
		return fmt.Errorf("entitlement %s in %s has no resource", o.GrantEntitlement, filepath.Base(o.File))
	}
	pid := &v2.ResourceId{ResourceType: o.GrantPrincipalType, Resource: o.GrantPrincipal}
	principal, err := r.Resource(ctx, pid)
	if err != nil {
		return o.notFound("principal "+o.GrantPrincipalType+":"+o.GrantPrincipal, err)
	}
	if _, err := o.Connector.Validate(ctx); err != nil {
		return fmt.Errorf("validate connector: %w", err)
	}
	grants, annos, err := connectorbuilder.Grant(ctx, o.Connector, principal, ent)
	if err != nil {
		return fmt.Errorf("grant %s to %s:%s: %w", ent.GetId(), pid.GetResourceType(), pid.GetResource(), err)
	}
	if annos.Contains(&v2.GrantAlreadyExists{}) {
		fmt.Fprintf(o.Out, "%s:%s already has entitlement %s\n", pid.GetResourceType(), pid.GetResource(), ent.GetId())
	} else {
		fmt.Fprintf(o.Out, "granted entitlement %s to %s:%s\n", ent.GetId(), pid.GetResourceType(), pid.GetResource())
	}
	for _, g := range grants {
		fmt.Fprintf(o.Out, "grant %s\n", g.GetId())
	}
	return nil
}

// revoke removes the grant RevokeGrant, looked up in File.
func (o *OneShot) revoke(ctx context.Context) error {
	r, err := o.openForLookup(ctx)
	if err != nil {
		return err
	}
	defer r.Close()
	g, err := r.Grant(ctx, o.RevokeGrant)
	if err != nil {
		return o.notFound("grant "+o.RevokeGrant, err)
	}
	if _, err := o.Connector.Validate(ctx); err != nil {
		return fmt.Errorf("validate connector: %w", err)
	}
	annos, err := connectorbuilder.Revoke(ctx, o.Connector, g)
	if err != nil {
		return fmt.Errorf("revoke %s: %w", g.GetId(), err)
	}
	if annos.Contains(&v2.GrantAlreadyRevoked{}) {
		fmt.Fprintf(o.Out, "grant %s was already revoked\n", g.GetId())
	} else {
		fmt.Fprintf(o.Out, "revoked grant %s\n", g.GetId())
	}
	return nil
}
