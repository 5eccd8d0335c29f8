package field

import (
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ErrBadValue is wrapped by every error of [Parse] and [Coerce].
var ErrBadValue = errors.New("bad value")

// Parse converts the text form of a value (an environment variable) to the field's Go type.
// Lists are comma separated (CSV quoting allowed, blanks around items trimmed, empty items
// dropped); a list without any comma is split on white space, which is how the canonical
// connector reads list variables, so both "page,space" and "page space" give two items.
// Error messages never contain the value of a secret field.
func Parse(f Field, s string) (any, error) {
	switch f.Type {
	case TypeString:
		return s, nil
	case TypeBool:
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return nil, badValue(f, s, "expected true or false")
		}
		return b, nil
	case TypeInt:
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return nil, badValue(f, s, "expected a whole number")
		}
		return n, nil
	case TypeStringSlice:
		return splitList(f, s)
	case TypeDuration:
		d, err := time.ParseDuration(strings.TrimSpace(s))
		if err != nil {
			return nil, badValue(f, s, "expected a duration such as 25s or 1m30s")
		}
		return d, nil
	default:
		return nil, fmt.Errorf("field %s: %w: unknown type %v", f.Name, ErrBadValue, f.Type)
	}
}

func splitList(f Field, s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return []string{}, nil
	}
	var items []string
	if strings.Contains(s, ",") {
		r := csv.NewReader(strings.NewReader(s))
		r.LazyQuotes = true
		rec, err := r.Read()
		if err != nil {
			return nil, badValue(f, s, "expected a comma-separated list")
		}
		items = rec
	} else {
		items = strings.Fields(s)
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		if it = strings.TrimSpace(it); it != "" {
			out = append(out, it)
		}
	}
	return out, nil
}

// Coerce converts a value decoded from a YAML config file (string, bool, int, float64, list)
// to the field's Go type. Strings are read as by [Parse].
func Coerce(f Field, v any) (any, error) {
	if s, ok := v.(string); ok {
		return Parse(f, s)
	}
	switch f.Type {
	case TypeString:
		switch v.(type) {
		case bool, int, int64, uint64, float64:
			return fmt.Sprint(v), nil
		}
	case TypeBool:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case TypeInt:
		if n, ok := toInt(v); ok {
			return n, nil
		}
	case TypeStringSlice:
		if list, ok := v.([]any); ok {
			return coerceList(f, list)
		}
		if list, ok := v.([]string); ok {
			return coerceList(f, toAny(list))
		}
	}
	return nil, badValue(f, fmt.Sprint(v), "expected a "+f.Type.String())
}

func toAny(list []string) []any {
	out := make([]any, len(list))
	for i, s := range list {
		out[i] = s
	}
	return out
}

func coerceList(f Field, list []any) ([]string, error) {
	out := make([]string, 0, len(list))
	for _, it := range list {
		switch x := it.(type) {
		case string:
			out = append(out, x)
		case bool, int, int64, uint64, float64:
			out = append(out, fmt.Sprint(x))
		default:
			return nil, badValue(f, fmt.Sprint(it), "expected a list of strings")
		}
	}
	return out, nil
}

func toInt(v any) (int, bool) {
	switch x := v.(type) {
	case int:
		return x, true
	case int64:
		return int(x), x >= math.MinInt && x <= math.MaxInt
	case uint64:
		return int(x), x <= math.MaxInt
	case float64:
		return int(x), x == math.Trunc(x) && math.Abs(x) < 1<<53
	}
	return 0, false
}

func badValue(f Field, got, want string) error {
	if f.Secret {
		return fmt.Errorf("%w for --%s: %s", ErrBadValue, f.Name, want)
	}
	return fmt.Errorf("%w %q for --%s: %s", ErrBadValue, got, f.Name, want)
}

// Check reports declaration mistakes: empty or duplicate names, duplicate shorthands, defaults
// of the wrong Go type, rules on a non-int field, and relationships naming unknown fields.
func Check(fields []Field, rels []Relationship) error {
	names := map[string]bool{}
	shorts := map[string]string{}
	var errs []error
	for _, f := range fields {
		switch {
		case f.Name == "":
			errs = append(errs, errors.New("field with an empty name"))
		case names[f.Name]:
			errs = append(errs, fmt.Errorf("field %s declared twice", f.Name))
		}
		names[f.Name] = true
		if f.Short != "" {
			if other, ok := shorts[f.Short]; ok {
				errs = append(errs, fmt.Errorf("fields %s and %s share shorthand -%s", other, f.Name, f.Short))
			}
			shorts[f.Short] = f.Name
		}
		if err := checkDefault(f); err != nil {
			errs = append(errs, err)
		}
	}
	for _, r := range rels {
		for _, n := range append(append([]string{}, r.Fields...), r.Expected...) {
			if !names[n] {
				errs = append(errs, fmt.Errorf("relationship %v names unknown field %s", r.Kind, n))
			}
		}
	}
	return errors.Join(errs...)
}

func checkDefault(f Field) error {
	if (f.Rules.GTE != nil || f.Rules.LTE != nil) && f.Type != TypeInt {
		return fmt.Errorf("field %s: int rules on a %v field", f.Name, f.Type)
	}
	if f.Default == nil {
		return nil
	}
	ok := false
	switch f.Type {
	case TypeString:
		_, ok = f.Default.(string)
	case TypeBool:
		_, ok = f.Default.(bool)
	case TypeInt:
		_, ok = f.Default.(int)
	case TypeStringSlice:
		_, ok = f.Default.([]string)
	case TypeDuration:
		_, ok = f.Default.(time.Duration)
	}
	if !ok {
		return fmt.Errorf("field %s: default %T does not match type %v", f.Name, f.Default, f.Type)
	}
	return nil
}
