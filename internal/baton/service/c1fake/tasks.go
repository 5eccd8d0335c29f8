package c1fake

import (
	"errors"
	"fmt"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"

	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
	batonv1 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connectorapi/baton/v1"
)

// SyncTask is a sync_full task with default options.
func SyncTask() *batonv1.Task {
	return &batonv1.Task{TaskType: &batonv1.Task_SyncFull{SyncFull: &batonv1.Task_SyncFullTask{}}}
}

// HelloTask is a hello task.
func HelloTask() *batonv1.Task {
	return &batonv1.Task{TaskType: &batonv1.Task_Hello{Hello: &batonv1.Task_HelloTask{}}}
}

// GrantTask builds a grant task from "<entitlement-id> <principal-type> <principal-id>"
// (whitespace-separated). The entitlement id is "<resource-type>:<resource-id>:<slug>": the
// resource type is the text before the first ':', the slug the text after the last ':', and the
// resource id everything in between (so resource ids may contain ':').
func GrantTask(spec string) (*batonv1.Task, error) {
	f := strings.Fields(spec)
	if len(f) != 3 {
		return nil, fmt.Errorf("grant %q: want \"<entitlement-id> <principal-type> <principal-id>\"", spec)
	}
	ent, err := entitlementFromID(f[0])
	if err != nil {
		return nil, fmt.Errorf("grant %q: %w", spec, err)
	}
	principal := &v2.Resource{Id: &v2.ResourceId{ResourceType: f[1], Resource: f[2]}}
	return &batonv1.Task{TaskType: &batonv1.Task_Grant{Grant: &batonv1.Task_GrantTask{Entitlement: ent, Principal: principal}}}, nil
}

func entitlementFromID(id string) (*v2.Entitlement, error) {
	first, last := strings.Index(id, ":"), strings.LastIndex(id, ":")
	if first <= 0 || last <= first+1 || last == len(id)-1 {
		return nil, fmt.Errorf("entitlement id %q: want <resource-type>:<resource-id>:<slug>", id)
	}
	return &v2.Entitlement{
		Id:   id,
		Slug: id[last+1:],
		Resource: &v2.Resource{Id: &v2.ResourceId{
			ResourceType: id[:first], Resource: id[first+1 : last],
		}},
	}, nil
}

// RevokeTask builds a revoke task from a grant id "<entitlement-id>:<principal-type>:<principal-id>".
// The principal is taken from the LAST two ':'-separated parts and the entitlement id is the
// rest, parsed as in GrantTask. This is ambiguous when a principal id contains ':' (Confluence
// user and group ids do not); use RevokeTaskFromJSON for such grants.
func RevokeTask(grantID string) (*batonv1.Task, error) {
	parts := strings.Split(grantID, ":")
	if len(parts) < 5 {
		return nil, fmt.Errorf("grant id %q: want <resource-type>:<resource-id>:<slug>:<principal-type>:<principal-id>", grantID)
	}
	n := len(parts)
	ent, err := entitlementFromID(strings.Join(parts[:n-2], ":"))
	if err != nil {
		return nil, fmt.Errorf("grant id %q: %w", grantID, err)
	}
	if parts[n-2] == "" || parts[n-1] == "" {
		return nil, fmt.Errorf("grant id %q: empty principal", grantID)
	}
	g := &v2.Grant{
		Id:          grantID,
		Entitlement: ent,
		Principal:   &v2.Resource{Id: &v2.ResourceId{ResourceType: parts[n-2], Resource: parts[n-1]}},
	}
	return revokeOf(g), nil
}

// RevokeTaskFromJSON builds a revoke task from a protojson c1.connector.v2.Grant.
func RevokeTaskFromJSON(data []byte) (*batonv1.Task, error) {
	g := &v2.Grant{}
	if err := protojson.Unmarshal(data, g); err != nil {
		return nil, fmt.Errorf("grant json: %w", err)
	}
	if g.GetEntitlement() == nil || g.GetPrincipal() == nil {
		return nil, errors.New("grant json: entitlement and principal are required")
	}
	return revokeOf(g), nil
}

func revokeOf(g *v2.Grant) *batonv1.Task {
	return &batonv1.Task{TaskType: &batonv1.Task_Revoke{Revoke: &batonv1.Task_RevokeTask{Grant: g}}}
}
