package field

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Meta is the connector-level part of the configuration schema.
type Meta struct {
	DisplayName string // e.g. "Confluence"
	HelpURL     string // e.g. "/docs/baton/confluence"
	IconURL     string // e.g. "/static/app-icons/confluence.svg"
	// Relationships among the connector's own fields, rendered as "constraints".
	Relationships []Relationship
}

// The schema is the JSON form (lowerCamelCase names, zero values left out, 64-bit integers
// as strings) of the SDK's configuration message, written by hand because only its JSON form
// is needed. Struct field order is the message's field order.
type schemaDoc struct {
	Fields      []schemaField      `json:"fields"`
	Constraints []schemaConstraint `json:"constraints,omitempty"`
	DisplayName string             `json:"displayName,omitempty"`
	HelpURL     string             `json:"helpUrl,omitempty"`
	IconURL     string             `json:"iconUrl,omitempty"`
}

type schemaField struct {
	Name             string       `json:"name,omitempty"`
	DisplayName      string       `json:"displayName,omitempty"`
	Description      string       `json:"description,omitempty"`
	Placeholder      string       `json:"placeholder,omitempty"`
	IsRequired       bool         `json:"isRequired,omitempty"`
	IsOps            bool         `json:"isOps,omitempty"`
	IsSecret         bool         `json:"isSecret,omitempty"`
	StringField      *stringField `json:"stringField,omitempty"`
	IntField         *intField    `json:"intField,omitempty"`
	BoolField        *boolField   `json:"boolField,omitempty"`
	StringSliceField *sliceField  `json:"stringSliceField,omitempty"`
}

type requiredRule struct {
	IsRequired bool `json:"isRequired,omitempty"`
}

type stringField struct {
	DefaultValue string        `json:"defaultValue,omitempty"`
	Rules        *requiredRule `json:"rules,omitempty"`
}

type intRules struct {
	LTE        string `json:"lte,omitempty"`
	GTE        string `json:"gte,omitempty"`
	IsRequired bool   `json:"isRequired,omitempty"`
}

type intField struct {
	DefaultValue string    `json:"defaultValue,omitempty"`
	Rules        *intRules `json:"rules,omitempty"`
}

type boolField struct {
	DefaultValue bool `json:"defaultValue,omitempty"`
}

type sliceField struct {
	DefaultValue   []string      `json:"defaultValue,omitempty"`
	Rules          *requiredRule `json:"rules"`
	SuggestedValue []string      `json:"suggestedValue,omitempty"`
}

type schemaConstraint struct {
	Kind                string   `json:"kind,omitempty"`
	FieldNames          []string `json:"fieldNames,omitempty"`
	SecondaryFieldNames []string `json:"secondaryFieldNames,omitempty"`
}

var constraintKinds = map[Kind]string{
	RequiredTogether:  "CONSTRAINT_KIND_REQUIRED_TOGETHER",
	AtLeastOne:        "CONSTRAINT_KIND_AT_LEAST_ONE",
	MutuallyExclusive: "CONSTRAINT_KIND_MUTUALLY_EXCLUSIVE",
	DependentOn:       "CONSTRAINT_KIND_DEPENDENT_ON",
}

// Schema renders the `config` subcommand's output: every field given, in order, then the
// connector metadata. Pass the SDK's operational fields first ([Ops] of [SDKFields]) and the
// connector's fields after them, as the canonical connector does. The JSON is indented with two
// spaces and has no trailing newline.
func Schema(fields []Field, meta Meta) ([]byte, error) {
	if err := Check(fields, meta.Relationships); err != nil {
		return nil, fmt.Errorf("config schema: %w", err)
	}
	doc := schemaDoc{
		Fields:      make([]schemaField, 0, len(fields)),
		DisplayName: meta.DisplayName,
		HelpURL:     meta.HelpURL,
		IconURL:     meta.IconURL,
	}
	for _, f := range fields {
		doc.Fields = append(doc.Fields, toSchema(f))
	}
	for _, r := range meta.Relationships {
		doc.Constraints = append(doc.Constraints, schemaConstraint{
			Kind: constraintKinds[r.Kind], FieldNames: r.Fields, SecondaryFieldNames: r.Expected,
		})
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("config schema: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Ops returns the fields marked as operational, in order.
func Ops(fields []Field) []Field {
	var out []Field
	for _, f := range fields {
		if f.Ops {
			out = append(out, f)
		}
	}
	return out
}

func toSchema(f Field) schemaField {
	sf := schemaField{
		Name: f.Name, DisplayName: f.DisplayName, Description: f.Description,
		Placeholder: f.Placeholder, IsRequired: f.Required, IsOps: f.Ops, IsSecret: f.Secret,
	}
	var req *requiredRule
	if f.Required {
		req = &requiredRule{IsRequired: true}
	}
	switch v := f.DefaultValue().(type) {
	case string:
		sf.StringField = &stringField{DefaultValue: v, Rules: req}
	case time.Duration:
		sf.StringField = &stringField{Rules: req}
		if v != 0 {
			sf.StringField.DefaultValue = v.String()
		}
	case bool:
		sf.BoolField = &boolField{DefaultValue: v}
	case int:
		sf.IntField = &intField{Rules: intRulesOf(f)}
		if v != 0 {
			sf.IntField.DefaultValue = strconv.Itoa(v)
		}
	case []string:
		if req == nil {
			req = &requiredRule{}
		}
		sf.StringSliceField = &sliceField{DefaultValue: v, Rules: req, SuggestedValue: f.SuggestedValues}
	}
	return sf
}

func intRulesOf(f Field) *intRules {
	if f.Rules.GTE == nil && f.Rules.LTE == nil && !f.Required {
		return nil
	}
	r := &intRules{IsRequired: f.Required}
	if f.Rules.LTE != nil {
		r.LTE = strconv.Itoa(*f.Rules.LTE)
	}
	if f.Rules.GTE != nil {
		r.GTE = strconv.Itoa(*f.Rules.GTE)
	}
	return r
}
