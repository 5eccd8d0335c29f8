package field

import (
	"fmt"
	"slices"
	"strings"
)

// Kind is the kind of a [Relationship].
type Kind int

// Relationship kinds.
const (
	RequiredTogether  Kind = iota + 1 // all of Fields or none
	MutuallyExclusive                 // at most one of Fields
	AtLeastOne                        // one or more of Fields
	DependentOn                       // any of Fields needs every one of Expected
)

// String names the kind for messages.
func (k Kind) String() string {
	switch k {
	case RequiredTogether:
		return "required-together"
	case MutuallyExclusive:
		return "mutually-exclusive"
	case AtLeastOne:
		return "at-least-one"
	case DependentOn:
		return "dependent-on"
	default:
		return fmt.Sprintf("Kind(%d)", int(k))
	}
}

// Relationship is a rule over several fields.
type Relationship struct {
	Kind     Kind
	Fields   []string
	Expected []string // DependentOn only: the fields that Fields depend on
}

// FieldsRequiredTogether: if any of names is set, all must be.
func FieldsRequiredTogether(names ...string) Relationship {
	return Relationship{Kind: RequiredTogether, Fields: names}
}

// FieldsMutuallyExclusive: at most one of names may be set.
func FieldsMutuallyExclusive(names ...string) Relationship {
	return Relationship{Kind: MutuallyExclusive, Fields: names}
}

// FieldsAtLeastOneUsed: one or more of names must be set.
func FieldsAtLeastOneUsed(names ...string) Relationship {
	return Relationship{Kind: AtLeastOne, Fields: names}
}

// FieldsDependentOn: if any of fields is set, every one of required must be set too
// (e.g. --health-check-port requires --health-check).
func FieldsDependentOn(fields, required []string) Relationship {
	return Relationship{Kind: DependentOn, Fields: fields, Expected: required}
}

// Check tests the rule; isSet reports whether a field was given a non-empty value. The
// messages of the first three kinds are cobra's flag-group messages, which the canonical
// connector prints.
func (r Relationship) Check(isSet func(name string) bool) error {
	set, unset := partition(r.Fields, isSet)
	group := strings.Join(r.Fields, " ")
	switch r.Kind {
	case RequiredTogether:
		if len(set) > 0 && len(unset) > 0 {
			return fmt.Errorf("if any flags in the group [%s] are set they must all be set; missing %v", group, sorted(unset))
		}
	case MutuallyExclusive:
		if len(set) > 1 {
			return fmt.Errorf("if any flags in the group [%s] are set none of the others can be; %v were all set", group, sorted(set))
		}
	case AtLeastOne:
		if len(set) == 0 {
			return fmt.Errorf("at least one of the flags in the group [%s] is required", group)
		}
	case DependentOn:
		_, missing := partition(r.Expected, isSet)
		if len(set) > 0 && len(missing) > 0 {
			verb := "requires"
			if len(set) > 1 {
				verb = "require"
			}
			return fmt.Errorf("%s %s %s", flags(set), verb, flags(missing))
		}
	}
	return nil
}

func partition(names []string, isSet func(string) bool) (set, unset []string) {
	for _, n := range names {
		if isSet(n) {
			set = append(set, n)
		} else {
			unset = append(unset, n)
		}
	}
	return set, unset
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func flags(names []string) string {
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = "--" + n
	}
	return strings.Join(parts, " and ")
}
