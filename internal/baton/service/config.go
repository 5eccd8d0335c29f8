package service

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/baton-confluence/baton-confluence/internal/baton/connectorbuilder"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// Defaults and limits for [Config].
const (
	DefaultTaskConcurrency = 3
	MaxTaskConcurrency     = 100
	DefaultShutdownGrace   = 25 * time.Second
	DefaultHealthCheckPort = 8081
	DefaultHealthCheckBind = "127.0.0.1"
)

// SyncOptions tells the sync engine what a sync_full task asks for.
type SyncOptions struct {
	SkipExpandGrants          bool
	SkipEntitlementsAndGrants bool
	SkipGrants                bool
	// ResourceTypeIDs restricts the sync to these resource types: the task's list, or
	// Config.SyncResourceTypes when the task has none.
	ResourceTypeIDs []string
	// TargetedResources, when non-empty, asks for a targeted sync of these resources only.
	TargetedResources []*v2.Resource
	// StorageEngine is the task's requested engine ("", "pebble" or "sqlite"); advisory.
	StorageEngine string
	// Empty asks for a c1z holding one finished full sync with no data (--skip-full-sync). The
	// connector has already been validated; the engine must not call it.
	Empty bool
}

// Deps are the collaborators Run drives.
type Deps struct {
	Connector connectorbuilder.Connector
	// Sync runs a full sync into a NEW c1z at outPath (the file does not exist yet; its directory
	// does). It must return promptly once ctx is cancelled.
	Sync func(ctx context.Context, outPath string, opts SyncOptions) error
}

// Config is the service-mode configuration. Its zero values select the documented defaults.
type Config struct {
	ClientID     string // <client-name>@<tenant-host>/<suffix>
	ClientSecret string // secret-token:conductorone.com:v1:<base64url JWK>; never logged

	Provisioning bool // grant and revoke tasks reach the connector only when set
	SkipFullSync bool // sync_full tasks validate and upload an empty sync

	SyncResourceTypes []string // used when a sync_full task names no resource types

	TaskConcurrency int           // 1..100, default 3
	TempDir         string        // where sync files live; must exist (default: the OS temp dir)
	ShutdownGrace   time.Duration // default 25 s

	HealthCheck            bool
	HealthCheckPort        int    // default 8081
	HealthCheckBindAddress string // default 127.0.0.1

	Version string // build version reported in Hello's build_info
}

// String renders the configuration with the client secret redacted.
func (c Config) String() string {
	secret := ""
	if c.ClientSecret != "" {
		secret = "[REDACTED]"
	}
	return fmt.Sprintf("{ClientID:%s ClientSecret:%s Provisioning:%t SkipFullSync:%t SyncResourceTypes:%v "+
		"TaskConcurrency:%d TempDir:%s ShutdownGrace:%s HealthCheck:%t HealthCheckPort:%d "+
		"HealthCheckBindAddress:%s Version:%s}",
		c.ClientID, secret, c.Provisioning, c.SkipFullSync, c.SyncResourceTypes, c.TaskConcurrency,
		c.TempDir, c.ShutdownGrace, c.HealthCheck, c.HealthCheckPort, c.HealthCheckBindAddress, c.Version)
}

// GoString is String, so %#v redacts too.
func (c Config) GoString() string { return "service.Config" + c.String() }

// withDefaults fills zero values and checks ranges and the temp dir.
func (c Config) withDefaults() (Config, error) {
	if c.TaskConcurrency == 0 {
		c.TaskConcurrency = DefaultTaskConcurrency
	}
	if c.TaskConcurrency < 1 || c.TaskConcurrency > MaxTaskConcurrency {
		return c, fmt.Errorf("invalid task concurrency %d: must be between 1 and %d", c.TaskConcurrency, MaxTaskConcurrency)
	}
	if c.ShutdownGrace == 0 {
		c.ShutdownGrace = DefaultShutdownGrace
	}
	if c.ShutdownGrace < 0 {
		return c, fmt.Errorf("invalid shutdown grace %s: must not be negative", c.ShutdownGrace)
	}
	if c.HealthCheckPort == 0 {
		c.HealthCheckPort = DefaultHealthCheckPort
	}
	if c.HealthCheckPort < 0 || c.HealthCheckPort > 65535 {
		return c, fmt.Errorf("invalid health check port %d", c.HealthCheckPort)
	}
	if c.HealthCheckBindAddress == "" {
		c.HealthCheckBindAddress = DefaultHealthCheckBind
	}
	if c.TempDir == "" {
		c.TempDir = os.TempDir()
	}
	st, err := os.Stat(c.TempDir)
	if err != nil {
		return c, fmt.Errorf("temp dir: %w", err)
	}
	if !st.IsDir() {
		return c, fmt.Errorf("temp dir %s is not a directory", c.TempDir)
	}
	return c, nil
}

func (d Deps) check() error {
	if d.Connector == nil {
		return errors.New("service: no connector")
	}
	if d.Sync == nil {
		return errors.New("service: no sync function")
	}
	return nil
}
