package cli

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/baton-confluence/baton-confluence/internal/baton/field"
)

// ValidateOptions tune [Config.Validate].
type ValidateOptions struct {
	// SkipRequired leaves required fields unchecked, for commands that need no connector
	// credentials (demo, inspect, diff).
	SkipRequired bool
}

// Validate checks the resolved configuration the way a run needs it. A missing required value
// (one line per field, naming the flag and its environment variable) gives an [ExitError] with
// code 1; every other violation (int ranges, relationships between flags, flags this build
// does not support, storage engine, log settings, temp dir) gives code 2 with one line each.
func (c *Config) Validate(opts ValidateOptions) error {
	if !opts.SkipRequired {
		if err := c.checkRequired(); err != nil {
			return &ExitError{Code: ExitFailure, Err: err}
		}
	}
	var errs []error
	for _, fd := range c.fields {
		if fd.Type == field.TypeInt {
			errs = append(errs, fd.CheckRules(c.GetInt(fd.Name)))
		}
	}
	for _, r := range c.relationships {
		errs = append(errs, r.Check(c.IsSet))
	}
	errs = append(errs, c.checkUnsupported()...)
	errs = append(errs, c.checkStorageEngine(), c.checkLogging(), c.checkTempDir(), c.checkHealthCheck())
	if c.grantIndexesErr != nil {
		errs = append(errs, fmt.Errorf("invalid --%s %q (%s): use auto, keep or omit", field.C1ZGrantIndexesName,
			c.GetString(field.C1ZGrantIndexesName), field.EnvVar(field.C1ZGrantIndexesName)))
	}
	if c.ShutdownGrace < 0 {
		errs = append(errs, fmt.Errorf("--%s (%s) must not be negative, got %s",
			field.ShutdownGraceName, field.EnvVar(field.ShutdownGraceName), c.ShutdownGrace))
	}
	return usageError(errors.Join(errs...))
}

func (c *Config) checkRequired() error {
	var errs []error
	for _, fd := range c.fields {
		if fd.Required && c.empty(fd.Name) {
			errs = append(errs, fmt.Errorf("missing required --%s (or %s)", fd.Name, fd.EnvVar()))
		}
	}
	if c.ServiceMode() && c.empty(field.ClientSecretName) {
		errs = append(errs, fmt.Errorf("missing required --%s (or %s): client-secret is required in service mode",
			field.ClientSecretName, field.EnvVar(field.ClientSecretName)))
	}
	return errors.Join(errs...)
}

func (c *Config) empty(name string) bool {
	v := c.values[name]
	if s, ok := v.(string); ok {
		return strings.TrimSpace(s) == ""
	}
	return field.IsZero(v)
}

func (c *Config) checkUnsupported() []error {
	var errs []error
	for _, fd := range c.fields {
		if fd.Support != field.Rejected || !c.IsSet(fd.Name) {
			continue
		}
		if fd.Name == field.EventFeedName {
			// The SDK reads --event-feed as a bool; any other value falls through to a sync.
			if on, err := strconv.ParseBool(c.GetString(fd.Name)); err != nil || !on {
				continue
			}
		}
		errs = append(errs, fmt.Errorf("--%s is not supported by %s", fd.Name, c.program))
	}
	return errs
}

func (c *Config) checkStorageEngine() error {
	switch c.StorageEngine {
	case "", "sqlite":
		return nil
	}
	return fmt.Errorf("storage engine %s is not supported by this build: use sqlite",
		strings.TrimSpace(c.GetString(field.StorageEngineName)))
}

func (c *Config) checkLogging() error {
	var errs []error
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("invalid --%s %q (%s): use debug, info, warn or error",
			field.LogLevelName, c.GetString(field.LogLevelName), field.EnvVar(field.LogLevelName)))
	}
	switch c.LogFormat {
	case "json", "console":
	default:
		errs = append(errs, fmt.Errorf("invalid --%s %q (%s): use json or console",
			field.LogFormatName, c.GetString(field.LogFormatName), field.EnvVar(field.LogFormatName)))
	}
	return errors.Join(errs...)
}

func (c *Config) checkTempDir() error {
	st, err := os.Stat(c.TempDir)
	switch {
	case err != nil:
		return fmt.Errorf("temp dir (--%s or %s): %w", field.C1ZTempDirName, envTmpDir, err)
	case !st.IsDir():
		return fmt.Errorf("temp dir %s (--%s or %s) is not a directory", c.TempDir, field.C1ZTempDirName, envTmpDir)
	}
	return nil
}

func (c *Config) checkHealthCheck() error {
	if c.HealthCheck && (c.HealthCheckPort < 1 || c.HealthCheckPort > 65535) {
		return fmt.Errorf("--%s (%s) must be between 1 and 65535, got %d",
			field.HealthCheckPortName, field.EnvVar(field.HealthCheckPortName), c.HealthCheckPort)
	}
	return nil
}
