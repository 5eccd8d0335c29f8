// Package field declares a connector's configuration as data: one [Field] per flag, with its
// type, default, help text, secrecy and validation rules, plus [Relationship] rules between
// fields. The command line builds flags, environment bindings and validation from these
// declarations, and [Schema] renders them as the `config` subcommand's JSON.
//
// Every field has exactly one environment variable, [EnvVar]: "BATON_" + the upper-cased name
// with '-' replaced by '_'.
package field

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Type is the value type of a field.
type Type int

// Field value types. The Go type of a value is given next to each.
const (
	TypeString      Type = iota + 1 // string
	TypeBool                        // bool
	TypeInt                         // int
	TypeStringSlice                 // []string
	TypeDuration                    // time.Duration (rendered as a string field in the schema)
)

// String names the type for messages.
func (t Type) String() string {
	switch t {
	case TypeString:
		return "string"
	case TypeBool:
		return "bool"
	case TypeInt:
		return "int"
	case TypeStringSlice:
		return "string list"
	case TypeDuration:
		return "duration"
	default:
		return fmt.Sprintf("Type(%d)", int(t))
	}
}

// Support says what this build does with a field it declares.
type Support int

const (
	// Supported fields are honoured (the zero value).
	Supported Support = iota
	// Ignored fields are accepted for compatibility; setting one has no effect beyond a warning.
	Ignored
	// Rejected fields are accepted by the parser, but a run with one set fails with
	// "--<name> is not supported by <program>".
	Rejected
)

// IntRules bounds an int field. Nil means unbounded.
type IntRules struct {
	GTE *int // minimum, inclusive
	LTE *int // maximum, inclusive
}

// Field declares one configuration value. Build fields with [StringField], [BoolField],
// [IntField], [StringSliceField] or [DurationField] and options.
type Field struct {
	Name            string // flag name, e.g. "domain-url"
	Short           string // one-letter shorthand, e.g. "f"; "" for none
	Description     string // help text
	DisplayName     string // label shown by ConductorOne's UI
	Placeholder     string // example value shown by ConductorOne's UI
	Type            Type
	Default         any      // typed per Type; nil means the type's zero value
	Required        bool     // a run fails when the value is empty
	Secret          bool     // never echoed: masked wherever the configuration is printed
	Hidden          bool     // accepted but left out of --help
	Ops             bool     // operational SDK field included in the `config` schema
	Rules           IntRules // only for TypeInt
	SuggestedValues []string // only for TypeStringSlice
	Support         Support
}

// Option changes a field under construction.
type Option func(*Field)

func newField(name string, t Type, opts []Option) Field {
	f := Field{Name: name, Type: t}
	for _, o := range opts {
		o(&f)
	}
	return f
}

// StringField declares a string field.
func StringField(name string, opts ...Option) Field { return newField(name, TypeString, opts) }

// BoolField declares a bool field.
func BoolField(name string, opts ...Option) Field { return newField(name, TypeBool, opts) }

// IntField declares an int field.
func IntField(name string, opts ...Option) Field { return newField(name, TypeInt, opts) }

// StringSliceField declares a string list field.
func StringSliceField(name string, opts ...Option) Field {
	return newField(name, TypeStringSlice, opts)
}

// DurationField declares a duration field ("25s", "1m30s").
func DurationField(name string, opts ...Option) Field { return newField(name, TypeDuration, opts) }

// WithShort sets the one-letter flag shorthand.
func WithShort(s string) Option { return func(f *Field) { f.Short = s } }

// WithDescription sets the help text.
func WithDescription(d string) Option { return func(f *Field) { f.Description = d } }

// WithDisplayName sets the label ConductorOne shows.
func WithDisplayName(n string) Option { return func(f *Field) { f.DisplayName = n } }

// WithPlaceholder sets the example value ConductorOne shows.
func WithPlaceholder(p string) Option { return func(f *Field) { f.Placeholder = p } }

// WithDefault sets the default; its Go type must match the field's type (see [Type]).
func WithDefault(v any) Option { return func(f *Field) { f.Default = v } }

// WithRequired marks the field as required.
func WithRequired() Option { return func(f *Field) { f.Required = true } }

// WithSecret marks the field as secret.
func WithSecret() Option { return func(f *Field) { f.Secret = true } }

// WithHidden hides the field from --help.
func WithHidden() Option { return func(f *Field) { f.Hidden = true } }

// WithOps marks the field as an operational field shown in the `config` schema.
func WithOps() Option { return func(f *Field) { f.Ops = true } }

// WithRange bounds an int field, both ends inclusive.
func WithRange(lo, hi int) Option {
	return func(f *Field) { f.Rules = IntRules{GTE: &lo, LTE: &hi} }
}

// WithMin sets an inclusive lower bound on an int field.
func WithMin(lo int) Option { return func(f *Field) { f.Rules.GTE = &lo } }

// WithSuggestedValues sets the values ConductorOne's UI offers for a list field.
func WithSuggestedValues(v ...string) Option {
	return func(f *Field) { f.SuggestedValues = slices.Clone(v) }
}

// WithSupport sets what this build does with the field.
func WithSupport(s Support) Option { return func(f *Field) { f.Support = s } }

// EnvVar returns the environment variable of a field name: "BATON_" + upper case, '-' → '_'.
func EnvVar(name string) string {
	return "BATON_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// EnvVar returns the field's environment variable.
func (f Field) EnvVar() string { return EnvVar(f.Name) }

// DefaultValue returns the default, or the zero value of the field's type when none is set.
func (f Field) DefaultValue() any {
	if f.Default != nil {
		if s, ok := f.Default.([]string); ok {
			return slices.Clone(s)
		}
		return f.Default
	}
	return Zero(f.Type)
}

// Zero returns the zero value of a type.
func Zero(t Type) any {
	switch t {
	case TypeBool:
		return false
	case TypeInt:
		return 0
	case TypeStringSlice:
		return []string(nil)
	case TypeDuration:
		return time.Duration(0)
	default:
		return ""
	}
}

// IsZero reports whether v is the zero value of its type (an empty list counts as zero).
func IsZero(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case bool:
		return !x
	case int:
		return x == 0
	case []string:
		return len(x) == 0
	case time.Duration:
		return x == 0
	default:
		return false
	}
}

// CheckRules validates an int value against the field's rules. The message names the flag
// and its environment variable.
func (f Field) CheckRules(v int) error {
	r := f.Rules
	switch {
	case r.GTE != nil && r.LTE != nil && (v < *r.GTE || v > *r.LTE):
		return fmt.Errorf("--%s (%s) must be between %d and %d, got %d", f.Name, f.EnvVar(), *r.GTE, *r.LTE, v)
	case r.GTE != nil && v < *r.GTE:
		return fmt.Errorf("--%s (%s) must be at least %d, got %d", f.Name, f.EnvVar(), *r.GTE, v)
	case r.LTE != nil && v > *r.LTE:
		return fmt.Errorf("--%s (%s) must be at most %d, got %d", f.Name, f.EnvVar(), *r.LTE, v)
	}
	return nil
}
