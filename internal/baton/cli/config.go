package cli

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap/zapcore"

	"github.com/baton-confluence/baton-confluence/internal/baton/c1z"
	"github.com/baton-confluence/baton-confluence/internal/baton/field"
)

// Source says where a configuration value came from.
type Source int

// Sources, lowest precedence first.
const (
	SourceDefault Source = iota
	SourceFile
	SourceEnv
	SourceFlag
)

// String names the source.
func (s Source) String() string {
	switch s {
	case SourceFile:
		return "file"
	case SourceEnv:
		return "env"
	case SourceFlag:
		return "flag"
	default:
		return "default"
	}
}

// Action is what a one-shot run, or service mode, is asked to do.
type Action int

// Actions, in the SDK's dispatch order.
const (
	ActionSync    Action = iota // full (or targeted) sync into --file
	ActionGrant                 // --grant-entitlement + --grant-principal
	ActionRevoke                // --revoke-grant
	ActionService               // --client-id: daemon service mode
)

// Config is the resolved configuration: the SDK options as typed fields, and every value
// (SDK and connector) by field name through the Get methods. Printing a Config in any way
// (String, %v, %+v, %#v, zap), by value or pointer, masks secret values.
type Config struct {
	File               string
	ClientID           string
	ClientSecret       string // secret
	Provisioning       bool   // --provisioning as given; see ProvisioningEnabled
	Ticketing          bool
	GrantEntitlement   string
	GrantPrincipal     string
	GrantPrincipalType string
	RevokeGrant        string

	SkipFullSync              bool
	SyncResources             []string
	SyncResourceTypes         []string
	SkipEntitlementsAndGrants bool
	SkipGrants                bool
	Workers                   int  // -1 automatic, 0 sequential, N workers; -1 when only --parallel-sync is set
	ParallelSync              bool // deprecated alias of --workers -1
	StorageEngine             string
	TaskConcurrency           int
	TempDir                   string // --c1z-temp-dir, else $BATON_TMPDIR, else the OS temp dir
	GrantIndexes              c1z.GrantIndexes
	grantIndexesErr           error // --c1z-grant-indexes could not be parsed

	LogLevel  string
	LogFormat string // "json" or "console" after resolution
	LogPaths  []string

	HTTPTimeout            time.Duration
	HealthCheck            bool
	HealthCheckPort        int
	HealthCheckBindAddress string
	ShutdownGrace          time.Duration

	program       string
	fields        []field.Field
	relationships []field.Relationship
	byName        map[string]int
	values        map[string]any
	sources       map[string]Source
	warnings      []string
	filePath      string
}

// Action returns what the run is asked to do, in the SDK's dispatch order.
func (c *Config) Action() Action {
	switch {
	case c.ClientID != "":
		return ActionService
	case c.GrantEntitlement != "":
		return ActionGrant
	case c.RevokeGrant != "":
		return ActionRevoke
	default:
		return ActionSync
	}
}

// ServiceMode reports whether --client-id selects daemon service mode.
func (c *Config) ServiceMode() bool { return c.ClientID != "" }

// ProvisioningEnabled reports whether provisioning is on: --provisioning, or implicitly for a
// one-shot grant or revoke.
func (c *Config) ProvisioningEnabled() bool {
	a := c.Action()
	return c.Provisioning || a == ActionGrant || a == ActionRevoke
}

// ConfigFile returns the YAML file values were read from, or "".
func (c *Config) ConfigFile() string { return c.filePath }

// Fields returns every declared field, SDK fields first.
func (c *Config) Fields() []field.Field { return slices.Clone(c.fields) }

// Source returns where the value of name came from.
func (c *Config) Source(name string) Source { return c.sources[name] }

// IsSet reports whether name was given (flag, environment or file) a non-empty value.
func (c *Config) IsSet(name string) bool {
	return c.sources[name] != SourceDefault && !field.IsZero(c.values[name])
}

// GetString returns a string field's value ("" for unknown names or other types).
func (c *Config) GetString(name string) string { s, _ := c.values[name].(string); return s }

// GetBool returns a bool field's value.
func (c *Config) GetBool(name string) bool { b, _ := c.values[name].(bool); return b }

// GetInt returns an int field's value.
func (c *Config) GetInt(name string) int { n, _ := c.values[name].(int); return n }

// GetDuration returns a duration field's value.
func (c *Config) GetDuration(name string) time.Duration {
	d, _ := c.values[name].(time.Duration)
	return d
}

// GetStringSlice returns a copy of a list field's value.
func (c *Config) GetStringSlice(name string) []string {
	s, _ := c.values[name].([]string)
	return slices.Clone(s)
}

const mask = `"********"`

// String renders every field as "name: value" lines, YAML style, secrets masked.
func (c Config) String() string {
	var b strings.Builder
	for _, f := range c.fields {
		fmt.Fprintf(&b, "%s: %s\n", f.Name, c.render(f))
	}
	return b.String()
}

// GoString is String, so %#v masks secrets too.
func (c Config) GoString() string { return c.String() }

// Format prints String for every verb, so no verb can reach a secret field.
func (c Config) Format(s fmt.State, _ rune) { _, _ = s.Write([]byte(c.String())) }

// MarshalLogObject logs every field that is not at its default, with its source, secrets
// masked.
func (c Config) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	for _, f := range c.fields {
		if src := c.sources[f.Name]; src != SourceDefault {
			enc.AddString(f.Name, c.render(f)+" ("+src.String()+")")
		}
	}
	return nil
}

func (c Config) render(f field.Field) string {
	v := c.values[f.Name]
	if f.Secret && !field.IsZero(v) {
		return mask
	}
	switch x := v.(type) {
	case string:
		return strconv.Quote(maskUserinfo(x))
	case []string:
		q := make([]string, len(x))
		for i, s := range x {
			q[i] = strconv.Quote(maskUserinfo(s))
		}
		return "[" + strings.Join(q, ", ") + "]"
	default:
		return fmt.Sprint(x)
	}
}

type configKey struct{}

// WithConfig returns a context carrying cfg.
func WithConfig(ctx context.Context, cfg *Config) context.Context {
	return context.WithValue(ctx, configKey{}, cfg)
}

// ConfigFrom returns the configuration the root command resolved for the running command
// (types checked, not yet validated), or nil outside a command.
func ConfigFrom(ctx context.Context) *Config {
	c, _ := ctx.Value(configKey{}).(*Config)
	return c
}

// maskUserinfo hides credentials embedded in a URL-like value before it is logged: the
// userinfo of "scheme://userinfo@host/..." and of "user:password@host" (a value without scheme
// whose part before '@' holds a ':'; an e-mail address has none, and stays readable).
func maskUserinfo(s string) string {
	prefix, rest := "", s
	if i := strings.Index(s, "://"); i >= 0 {
		prefix, rest = s[:i+3], s[i+3:]
	}
	authority := rest
	if j := strings.IndexAny(rest, "/?#"); j >= 0 {
		authority = rest[:j]
	}
	at := strings.LastIndex(authority, "@")
	if at < 0 || prefix == "" && !strings.Contains(authority[:at], ":") {
		return s
	}
	return prefix + userinfoMask + rest[at:]
}

// userinfoMask replaces credentials inside a logged value.
const userinfoMask = "********"
