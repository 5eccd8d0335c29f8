package connector

import (
	"errors"
	"fmt"
	"strings"

	"github.com/baton-confluence/baton-confluence/pkg/confluence"

	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// Shared helpers of the three provisioners.

// entitlementTarget returns the id of the entitlement's resource, which must be of type want.
func entitlementTarget(ent *v2.Entitlement, want string) (string, error) {
	rid := ent.GetResource().GetId()
	if rid.GetResourceType() != want || rid.GetResource() == "" {
		return "", fmt.Errorf("entitlement %q is not on a %s", ent.GetId(), want)
	}
	return rid.GetResource(), nil
}

// entitlementSlug returns the entitlement's slug, or the part of its id after
// "<type>:<resource>:" when the slug is not set (grants carry only the entitlement id).
func entitlementSlug(ent *v2.Entitlement) string {
	if ent.GetSlug() != "" {
		return ent.GetSlug()
	}
	rid := ent.GetResource().GetId()
	prefix := rid.GetResourceType() + ":" + rid.GetResource() + ":"
	if s, ok := strings.CutPrefix(ent.GetId(), prefix); ok {
		return s
	}
	return ""
}

// principalOf returns the principal's type and id; allowed lists the accepted types.
func principalOf(p *v2.Resource, allowed ...string) (typ, id string, err error) {
	typ, id = p.GetId().GetResourceType(), p.GetId().GetResource()
	if id == "" {
		return "", "", errors.New("the principal has no id")
	}
	for _, a := range allowed {
		if typ == a {
			return typ, id, nil
		}
	}
	return "", "", fmt.Errorf("principal %s:%s is a %s; only %s principals are supported here",
		typ, id, typ, strings.Join(allowed, " or "))
}

// isAmbiguous reports whether a failed write may nevertheless have landed: no complete answer
// arrived, or the server failed (5xx). Such a write is checked, never repeated blindly.
func isAmbiguous(err error) bool {
	var te *confluence.TransportError
	if errors.As(err, &te) {
		return true
	}
	var e *confluence.Error
	return errors.As(err, &e) && e.StatusCode >= 500
}
