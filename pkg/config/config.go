// Package config declares the Confluence connector's configuration: its fields (flags,
// BATON_* environment variables, `config` schema entries), identical to the canonical
// connector's, and the typed, validated [Config] the connector is built from.
package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/baton-confluence/baton-confluence/internal/baton/field"
)

// Field names.
const (
	DomainURLName          = "domain-url"
	UsernameName           = "username"
	APIKeyName             = "api-key"
	NounName               = "noun"
	VerbName               = "verb"
	SkipPersonalSpacesName = "skip-personal-spaces"
	UseRBACName            = "use-rbac"
)

// AllNouns are the Confluence space permission targets, in the order entitlements are built.
var AllNouns = []string{"attachment", "blogpost", "comment", "page", "space"}

// AllVerbs are the Confluence space permission operations, in the order entitlements are built.
var AllVerbs = []string{"administer", "archive", "create", "delete", "export", "read", "restrict_content", "update"}

// Fields returns the connector's fields in the canonical connector's order, with its display
// names, descriptions, placeholders and suggested values.
func Fields() []field.Field {
	return []field.Field{
		field.StringField(APIKeyName, field.WithDisplayName("API Key"),
			field.WithDescription("The API key for your Confluence account"), field.WithRequired(), field.WithSecret()),
		field.StringField(DomainURLName, field.WithDisplayName("Domain URL"),
			field.WithDescription("The domain URL for your Confluence account"),
			field.WithPlaceholder("https://example.atlassian.net"), field.WithRequired()),
		field.StringField(UsernameName, field.WithDisplayName("Username"),
			field.WithDescription("The username for your Confluence account"),
			field.WithPlaceholder("user@example.com"), field.WithRequired()),
		field.BoolField(SkipPersonalSpacesName, field.WithDisplayName("Skip Personal Spaces"),
			field.WithDescription("Skip syncing personal spaces and their permissions")),
		field.StringSliceField(NounName, field.WithDisplayName("Nouns"),
			field.WithDescription("The nouns for your Confluence Space sync"), field.WithSuggestedValues("space")),
		field.StringSliceField(VerbName, field.WithDisplayName("Verbs"),
			field.WithDescription("The verbs for your Confluence Space sync"),
			field.WithSuggestedValues("administer", "create", "delete", "export", "read", "restrict_content")),
		field.BoolField(UseRBACName, field.WithDisplayName("Use RBAC"),
			field.WithDescription("Use Confluence RBAC space roles INSTEAD of granular permissions. "+
				"WARNING: This will cause the connector to stop granular permissions (noun x verb) from syncing.")),
	}
}

// Meta is the connector part of the `config` schema.
func Meta() field.Meta {
	return field.Meta{
		DisplayName: "Confluence",
		HelpURL:     "/docs/baton/confluence",
		IconURL:     "/static/app-icons/confluence.svg",
	}
}

// Values is where resolved field values come from (the command line's *cli.Config).
type Values interface {
	GetString(name string) string
	GetBool(name string) bool
	GetStringSlice(name string) []string
}

// Config is the Confluence connector's configuration. Printing it in any way masks APIKey.
type Config struct {
	DomainURL          string
	Username           string
	APIKey             string // secret
	Nouns              []string
	Verbs              []string
	SkipPersonalSpaces bool
	UseRBAC            bool
}

// New builds the configuration from resolved values and validates it. White space around the
// domain URL and username is dropped. Empty noun and verb lists become all nouns and all verbs;
// duplicates are dropped, the given order is kept.
func New(v Values) (*Config, error) {
	c := &Config{
		DomainURL:          strings.TrimSpace(v.GetString(DomainURLName)),
		Username:           strings.TrimSpace(v.GetString(UsernameName)),
		APIKey:             v.GetString(APIKeyName),
		Nouns:              normalize(v.GetStringSlice(NounName), AllNouns),
		Verbs:              normalize(v.GetStringSlice(VerbName), AllVerbs),
		SkipPersonalSpaces: v.GetBool(SkipPersonalSpacesName),
		UseRBAC:            v.GetBool(UseRBACName),
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

func normalize(list, all []string) []string {
	if len(list) == 0 {
		return slices.Clone(all)
	}
	out := make([]string, 0, len(list))
	for _, s := range list {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// Validate reports every problem, one per line: missing values, a malformed domain URL, and
// nouns or verbs Confluence does not know (matched exactly, as the canonical connector does).
func (c *Config) Validate() error {
	var errs []error
	if strings.TrimSpace(c.DomainURL) == "" {
		errs = append(errs, missing(DomainURLName))
	} else if err := checkDomainURL(c.DomainURL); err != nil {
		errs = append(errs, err)
	}
	if strings.TrimSpace(c.Username) == "" {
		errs = append(errs, missing(UsernameName))
	}
	if strings.TrimSpace(c.APIKey) == "" {
		errs = append(errs, missing(APIKeyName))
	}
	errs = append(errs, checkAllowed(NounName, c.Nouns, AllNouns)...)
	errs = append(errs, checkAllowed(VerbName, c.Verbs, AllVerbs)...)
	return errors.Join(errs...)
}

func missing(name string) error {
	return fmt.Errorf("missing required --%s (or %s)", name, field.EnvVar(name))
}

func checkAllowed(name string, got, allowed []string) []error {
	var errs []error
	for _, v := range got {
		if !slices.Contains(allowed, v) {
			errs = append(errs, fmt.Errorf("unknown --%s %s: allowed values are %s", name, quoteShort(v), strings.Join(allowed, ", ")))
		}
	}
	return errs
}
