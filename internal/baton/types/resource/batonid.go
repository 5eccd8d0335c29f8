package resource

import (
	"errors"
	"fmt"
	"strings"

	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// ParseBatonID parses a resource Baton id as accepted by --sync-resources:
// "bid:r:<type>/<id>" or "bid:r:<parent type>/<parent id>/<type>/<id>", where '\' escapes ':',
// '/' and '\' inside a part. It returns the resource id and its parent (nil when absent).
func ParseBatonID(s string) (id, parent *v2.ResourceId, err error) {
	rest, ok := strings.CutPrefix(s, "bid:r:")
	if !ok {
		return nil, nil, fmt.Errorf("%q is not a resource Baton id: expected bid:r:<type>/<id>", s)
	}
	parts, err := splitEscaped(rest)
	if err != nil {
		return nil, nil, fmt.Errorf("baton id %q: %w", s, err)
	}
	for _, p := range parts {
		if p == "" {
			return nil, nil, fmt.Errorf("baton id %q: empty part", s)
		}
	}
	switch len(parts) {
	case 2:
		return &v2.ResourceId{ResourceType: parts[0], Resource: parts[1]}, nil, nil
	case 4:
		return &v2.ResourceId{ResourceType: parts[2], Resource: parts[3]},
			&v2.ResourceId{ResourceType: parts[0], Resource: parts[1]}, nil
	default:
		return nil, nil, fmt.Errorf("baton id %q: want 2 or 4 '/'-separated parts, got %d", s, len(parts))
	}
}

// FormatBatonID is the inverse of ParseBatonID.
func FormatBatonID(id, parent *v2.ResourceId) string {
	esc := strings.NewReplacer(`\`, `\\`, `:`, `\:`, `/`, `\/`)
	parts := []string{}
	if parent != nil {
		parts = append(parts, esc.Replace(parent.GetResourceType()), esc.Replace(parent.GetResource()))
	}
	parts = append(parts, esc.Replace(id.GetResourceType()), esc.Replace(id.GetResource()))
	return "bid:r:" + strings.Join(parts, "/")
}

var errTrailingEscape = errors.New("ends with an unfinished '\\' escape")

func splitEscaped(s string) ([]string, error) {
	var parts []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 == len(s) {
				return nil, errTrailingEscape
			}
			i++
			cur.WriteByte(s[i])
		case '/':
			parts = append(parts, cur.String())
			cur.Reset()
		case ':':
			return nil, fmt.Errorf("unescaped ':' at byte %d", i)
		default:
			cur.WriteByte(c)
		}
	}
	return append(parts, cur.String()), nil
}
