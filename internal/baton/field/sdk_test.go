package field

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// specFlags is every flag of spec §7 (Windows-only --log-event-log and cobra's own -v/-h
// aside) with whether the SDK hides it.
var specFlags = map[string]bool{
	"file": false, "client-id": false, "client-secret": false, "provisioning": false, "ticketing": false,
	"grant-entitlement": true, "grant-principal": true, "grant-principal-type": true, "revoke-grant": true,
	"create-account-login": true, "create-account-email": true, "create-account-profile": true,
	"create-account-resource-type": true, "delete-resource": true, "delete-resource-type": true,
	"rotate-credentials": true, "rotate-credentials-type": true, "event-feed": true, "event-feed-id": true,
	"event-feed-start-at": true, "event-feed-cursor": true, "create-ticket": true, "ticket-template-path": true,
	"bulk-create-ticket": true, "bulk-ticket-template-path": true, "get-ticket": true, "ticket-id": true,
	"list-ticket-schemas": true, "invoke-action": true, "invoke-action-args": true,
	"invoke-action-resource-type": true, "list-action-schemas": true, "list-action-schemas-resource-type": true,
	"list-resource-actions": true, "invoke-resource-action": true, "invoke-resource-action-resource-type": true,
	"invoke-resource-action-args": true, "diff-syncs": true, "base-sync-id": true, "applied-sync-id": true,
	"compact-syncs": true, "compact-file-paths": true, "compact-sync-ids": true, "compact-output-path": true,
	"skip-full-sync": false, "sync-resources": false, "sync-resource-types": false,
	"skip-entitlements-and-grants": false, "skip-grants": true, "workers": false, "parallel-sync": false,
	"storage-engine": false, "task-concurrency": false, "c1z-temp-dir": true, "external-resource-c1z": false,
	"external-resource-entitlement-id-filter": false, "external-resource-traits": false,
	"keep-previous-sync-c1z": false, "log-level": false, "log-format": false, "log-path": false,
	"log-level-debug-expires-at": false, "otel-collector-endpoint": false,
	"otel-collector-endpoint-tls-cert-path": true, "otel-collector-endpoint-tls-cert": true,
	"otel-collector-endpoint-tls-insecure": true, "otel-tracing-disabled": true, "otel-logging-disabled": true,
	"health-check": false, "health-check-port": false, "health-check-bind-address": true,
	"http-timeout-seconds": false, "auth-method": false, "session-store-maximum-size": true,
}

func TestSDKFieldsCoverSpec(t *testing.T) {
	t.Parallel()
	got := map[string]Field{}
	for _, f := range SDKFields() {
		got[f.Name] = f
	}
	for name, hidden := range specFlags {
		f, ok := got[name]
		require.True(t, ok, "missing SDK flag --%s", name)
		// external-resource-* are visible in the SDK; this build rejects them and hides them.
		if name != "external-resource-c1z" && name != "external-resource-entitlement-id-filter" && name != "external-resource-traits" {
			require.Equal(t, hidden, f.Hidden, "hidden flag of --%s", name)
		}
		require.NotEmpty(t, f.Description, "--%s needs help text", name)
	}
	require.Len(t, got, len(specFlags)+2, "only shutdown-grace and c1z-grant-indexes are our own")
	require.Contains(t, got, "shutdown-grace")
	require.Contains(t, got, "c1z-grant-indexes")
}

func TestSDKFieldDefaults(t *testing.T) {
	t.Parallel()
	got := map[string]Field{}
	for _, f := range SDKFields() {
		got[f.Name] = f
	}
	defaults := map[string]any{
		"file": "sync.c1z", "workers": DefaultWorkers, "task-concurrency": 3, "http-timeout-seconds": 300,
		"health-check-port": 8081, "health-check-bind-address": "127.0.0.1", "log-level": "info",
		"shutdown-grace": 25 * time.Second, "storage-engine": "", "session-store-maximum-size": 15728640,
		"invoke-action-args": "{}", "provisioning": false,
	}
	for name, want := range defaults {
		require.Equal(t, want, got[name].DefaultValue(), "default of --%s", name)
	}
	require.Equal(t, "f", got["file"].Short)
	require.Equal(t, "p", got["provisioning"].Short)
	require.True(t, got["client-secret"].Secret)
	require.Equal(t, Rejected, got["create-account-login"].Support)
	require.Equal(t, Rejected, got["external-resource-c1z"].Support)
	require.Equal(t, Ignored, got["otel-collector-endpoint"].Support)
	require.Equal(t, Supported, got["grant-entitlement"].Support)
	require.NoError(t, got["task-concurrency"].CheckRules(100))
	require.Error(t, got["task-concurrency"].CheckRules(101))
	require.Error(t, got["http-timeout-seconds"].CheckRules(0))
	require.Error(t, got["workers"].CheckRules(-2))
}
