package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/baton-confluence/baton-confluence/internal/baton/c1z"
	"github.com/baton-confluence/baton-confluence/internal/baton/field"
)

// Environment variables read outside the per-field bindings.
const (
	envConfigPath = "BATON_CONFIG_PATH"
	envTmpDir     = "BATON_TMPDIR"
	defaultConfig = ".baton.yaml"
)

// resolve computes every field's value with the precedence flag > environment > config file >
// default. Viper reads the YAML file; flags come from pflag and the environment from the
// factory's lookup (not viper's AutomaticEnv), so tests can inject both and list variables
// split on commas rather than viper's white space.
func resolve(f *Factory, flags *pflag.FlagSet, fields []field.Field) (*Config, error) {
	v, path, err := readConfigFile(f)
	if err != nil {
		return nil, err
	}
	cfg := &Config{
		fields: fields, filePath: path, byName: map[string]int{},
		values: map[string]any{}, sources: map[string]Source{},
	}
	var errs []error
	for i, fd := range fields {
		cfg.byName[fd.Name] = i
		val, src, err := resolveOne(f, flags, v, fd)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		cfg.values[fd.Name], cfg.sources[fd.Name] = val, src
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	cfg.warnings = append(unknownKeys(v, cfg.byName, path), ignoredSet(cfg)...)
	cfg.fill(f)
	return cfg, nil
}

func resolveOne(f *Factory, flags *pflag.FlagSet, v *viper.Viper, fd field.Field) (any, Source, error) {
	if fl := flags.Lookup(fd.Name); fl != nil && fl.Changed {
		val, err := flagValue(flags, fd)
		return val, SourceFlag, err
	}
	if s, ok := f.lookupEnv(fd.EnvVar()); ok {
		val, err := field.Parse(fd, s)
		if err != nil {
			return nil, SourceEnv, fmt.Errorf("%s: %w", fd.EnvVar(), err)
		}
		return val, SourceEnv, nil
	}
	if v != nil && v.InConfig(fd.Name) {
		val, err := field.Coerce(fd, v.Get(fd.Name))
		if err != nil {
			return nil, SourceFile, fmt.Errorf("config file %s: %w", v.ConfigFileUsed(), err)
		}
		return val, SourceFile, nil
	}
	return fd.DefaultValue(), SourceDefault, nil
}

func flagValue(flags *pflag.FlagSet, fd field.Field) (any, error) {
	switch fd.Type {
	case field.TypeBool:
		return flags.GetBool(fd.Name)
	case field.TypeInt:
		return flags.GetInt(fd.Name)
	case field.TypeStringSlice:
		return flags.GetStringSlice(fd.Name)
	case field.TypeDuration:
		return flags.GetDuration(fd.Name)
	default:
		return flags.GetString(fd.Name)
	}
}

// readConfigFile loads $BATON_CONFIG_PATH, or ./.baton.yaml when present. It returns a nil
// viper when there is no file.
func readConfigFile(f *Factory) (*viper.Viper, string, error) {
	path, _ := f.lookupEnv(envConfigPath)
	useDefault := path == ""
	origin := envConfigPath
	if useDefault {
		path, origin = defaultConfig, "default config file"
	}
	if !filepath.IsAbs(path) && f.WorkDir != "" {
		path = filepath.Join(f.WorkDir, path)
	}
	if ext := strings.ToLower(filepath.Ext(path)); ext != ".yaml" && ext != ".yml" {
		return nil, "", fmt.Errorf("config file %s (%s): only .yaml and .yml files are supported", path, origin)
	}
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			if useDefault {
				return nil, "", nil
			}
			return nil, "", fmt.Errorf("config file %s (%s) does not exist", path, origin)
		}
		return nil, "", fmt.Errorf("config file %s (%s): %w", path, origin, err)
	}
	v := viper.New()
	v.SetConfigFile(path)
	v.SetConfigType("yaml")
	if err := v.ReadInConfig(); err != nil {
		return nil, "", fmt.Errorf("read config file %s: %w", path, err)
	}
	return v, path, nil
}

func unknownKeys(v *viper.Viper, known map[string]int, path string) []string {
	if v == nil {
		return nil
	}
	var out []string
	for _, k := range v.AllKeys() {
		top, _, _ := strings.Cut(k, ".")
		if _, ok := known[top]; !ok {
			out = append(out, fmt.Sprintf("config file %s: unknown key %q ignored", path, top))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func ignoredSet(cfg *Config) []string {
	var out []string
	for _, fd := range cfg.fields {
		if fd.Support == field.Ignored && cfg.IsSet(fd.Name) {
			out = append(out, fmt.Sprintf("--%s has no effect in this build and is ignored", fd.Name))
		}
	}
	return out
}

// fill copies the SDK values into the typed fields.
func (c *Config) fill(f *Factory) {
	c.File = c.GetString(field.FileName)
	c.ClientID = c.GetString(field.ClientIDName)
	c.ClientSecret = c.GetString(field.ClientSecretName)
	c.Provisioning = c.GetBool(field.ProvisioningName)
	c.Ticketing = c.GetBool(field.TicketingName)
	c.GrantEntitlement = c.GetString(field.GrantEntitlementName)
	c.GrantPrincipal = c.GetString(field.GrantPrincipalName)
	c.GrantPrincipalType = c.GetString(field.GrantPrincipalTypeName)
	c.RevokeGrant = c.GetString(field.RevokeGrantName)
	c.SkipFullSync = c.GetBool(field.SkipFullSyncName)
	c.SyncResources = c.GetStringSlice(field.SyncResourcesName)
	c.SyncResourceTypes = c.GetStringSlice(field.SyncResourceTypesName)
	c.SkipEntitlementsAndGrants = c.GetBool(field.SkipEntitlementsAndGrantsName)
	c.SkipGrants = c.GetBool(field.SkipGrantsName)
	c.ParallelSync = c.GetBool(field.ParallelSyncName)
	c.Workers = c.GetInt(field.WorkersName)
	if c.ParallelSync && c.Source(field.WorkersName) == SourceDefault {
		c.Workers = -1
	}
	c.StorageEngine = strings.ToLower(strings.TrimSpace(c.GetString(field.StorageEngineName)))
	c.TaskConcurrency = c.GetInt(field.TaskConcurrencyName)
	c.TempDir = c.GetString(field.C1ZTempDirName)
	if c.TempDir == "" {
		c.TempDir, _ = f.lookupEnv(envTmpDir)
	}
	if c.TempDir == "" {
		c.TempDir = os.TempDir()
	}
	c.GrantIndexes, c.grantIndexesErr = c1z.ParseGrantIndexes(c.GetString(field.C1ZGrantIndexesName))
	c.LogLevel = strings.ToLower(strings.TrimSpace(c.GetString(field.LogLevelName)))
	c.LogFormat = strings.ToLower(strings.TrimSpace(c.GetString(field.LogFormatName)))
	if c.LogFormat == "" {
		c.LogFormat = "json"
		if f.IOStreams.IsStdoutTTY() {
			c.LogFormat = "console"
		}
	}
	c.LogPaths = c.GetStringSlice(field.LogPathName)
	c.HTTPTimeout = time.Duration(c.GetInt(field.HTTPTimeoutSecondsName)) * time.Second
	c.HealthCheck = c.GetBool(field.HealthCheckName)
	c.HealthCheckPort = c.GetInt(field.HealthCheckPortName)
	c.HealthCheckBindAddress = c.GetString(field.HealthCheckBindAddressName)
	c.ShutdownGrace = c.GetDuration(field.ShutdownGraceName)
}

// Load resolves a configuration for app from args (flags only, no subcommand), f's environment
// and config file, without validating it or running anything. It is meant for tests of code
// that consumes a *Config.
func Load(f *Factory, app App, args []string) (*Config, error) {
	fields := append(field.SDKFields(), app.Fields...)
	if err := field.Check(fields, app.Relationships); err != nil {
		return nil, fmt.Errorf("field declarations: %w", err)
	}
	fs := pflag.NewFlagSet(app.Name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	addFlags(fs, fields)
	if err := fs.Parse(args); err != nil {
		return nil, usageError(flagError{err})
	}
	cfg, err := resolve(f, fs, fields)
	if err != nil {
		return nil, usageError(err)
	}
	cfg.program, cfg.relationships = app.Name, append(field.SDKRelationships(), app.Relationships...)
	return cfg, nil
}
