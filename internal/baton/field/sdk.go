package field

import "time"

// Names of the SDK fields the command line reads directly.
const (
	FileName                      = "file"
	ClientIDName                  = "client-id"
	ClientSecretName              = "client-secret"
	ProvisioningName              = "provisioning"
	TicketingName                 = "ticketing"
	GrantEntitlementName          = "grant-entitlement"
	GrantPrincipalName            = "grant-principal"
	GrantPrincipalTypeName        = "grant-principal-type"
	RevokeGrantName               = "revoke-grant"
	EventFeedName                 = "event-feed"
	SkipFullSyncName              = "skip-full-sync"
	SyncResourcesName             = "sync-resources"
	SyncResourceTypesName         = "sync-resource-types"
	SkipEntitlementsAndGrantsName = "skip-entitlements-and-grants"
	SkipGrantsName                = "skip-grants"
	WorkersName                   = "workers"
	ParallelSyncName              = "parallel-sync"
	StorageEngineName             = "storage-engine"
	TaskConcurrencyName           = "task-concurrency"
	C1ZTempDirName                = "c1z-temp-dir"
	C1ZGrantIndexesName           = "c1z-grant-indexes"
	LogLevelName                  = "log-level"
	LogFormatName                 = "log-format"
	LogPathName                   = "log-path"
	HTTPTimeoutSecondsName        = "http-timeout-seconds"
	HealthCheckName               = "health-check"
	HealthCheckPortName           = "health-check-port"
	HealthCheckBindAddressName    = "health-check-bind-address"
	ShutdownGraceName             = "shutdown-grace"
)

// DefaultWorkers is this build's default for --workers. The SDK defaults to 0 (sequential);
// this connector's engine defaults to 16 concurrent workers because Confluence syncs are
// dominated by per-space and per-group HTTP round trips: at 50 ms per request the grants phase
// of a 550-space site takes 4.0 s with 8 workers, 2.1 s with 16 and 1.5 s with 24
// (scripts/bench.sh -sweep 8x8,16x16,24x24). The connector's REST client has its own
// adaptive limit (also 16 at most), which bounds what actually reaches the server.
const DefaultWorkers = 16

// SDKFields returns every flag the SDK adds to a connector (spec §7), in the SDK's order for
// the operational ones, with this build's defaults. Flags this build cannot honour are declared
// with Support Rejected (a run with one set fails) or Ignored (accepted with a warning, because
// the canonical connector gives them no effect for Confluence either).
func SDKFields() []Field {
	var out []Field
	out = append(out, coreFields()...)
	out = append(out, actionFields()...)
	out = append(out, syncFields()...)
	out = append(out, opsFields()...)
	return out
}

func coreFields() []Field {
	h := WithHidden()
	return []Field{
		StringField(FileName, WithShort("f"), WithDefault("sync.c1z"),
			WithDescription("The path to the c1z file to sync with, or to read for provisioning")),
		StringField(ClientIDName, WithDescription("The client ID used to authenticate with ConductorOne (selects service mode)")),
		StringField(ClientSecretName, WithSecret(), WithDescription("The client secret used to authenticate with ConductorOne")),
		BoolField(ProvisioningName, WithShort("p"), WithDescription("Enable provisioning (grant and revoke)")),
		BoolField(TicketingName, WithDescription("Enable ticketing support")),
		StringField(GrantEntitlementName, h, WithDescription("The id of the entitlement to grant to the principal")),
		StringField(GrantPrincipalName, h, WithDescription("The id of the resource to grant the entitlement to")),
		StringField(GrantPrincipalTypeName, h, WithDescription("The resource type of the principal to grant the entitlement to")),
		StringField(RevokeGrantName, h, WithDescription("The id of the grant to revoke")),
	}
}

// actionFields are the SDK's other one-shot actions; Confluence supports none of them.
func actionFields() []Field {
	str := func(name, desc string) Field {
		return StringField(name, WithHidden(), WithSupport(Rejected), WithDescription(desc))
	}
	flag := func(name, desc string) Field {
		return BoolField(name, WithHidden(), WithSupport(Rejected), WithDescription(desc))
	}
	list := func(name, desc string) Field {
		return StringSliceField(name, WithHidden(), WithSupport(Rejected), WithDescription(desc))
	}
	ignored := func(f Field) Field { f.Support = Ignored; return f }
	return []Field{
		str("create-account-login", "The login of the account to create"),
		str("create-account-email", "The email of the account to create"),
		str("create-account-profile", "The profile of the account to create (JSON object)"),
		str("create-account-resource-type", "The resource type of the account to create"),
		str("delete-resource", "The id of the resource to delete"),
		str("delete-resource-type", "The resource type of the resource to delete"),
		str("rotate-credentials", "The id of the resource whose credentials to rotate"),
		str("rotate-credentials-type", "The resource type of the resource whose credentials to rotate"),
		str(EventFeedName, "Stream the event feed to stdout (true/false)"),
		str("event-feed-id", "The id of the event feed to read"),
		str("event-feed-start-at", "The RFC 3339 time to read events from (default 24 hours ago)"),
		str("event-feed-cursor", "The cursor to resume the event feed from"),
		flag("create-ticket", "Create a ticket from --ticket-template-path"),
		str("ticket-template-path", "A JSON file describing the ticket to create"),
		flag("bulk-create-ticket", "Create tickets from --bulk-ticket-template-path"),
		str("bulk-ticket-template-path", "A JSON file describing the tickets to create"),
		flag("get-ticket", "Get the ticket --ticket-id"),
		str("ticket-id", "The id of the ticket to get"),
		flag("list-ticket-schemas", "List the ticket schemas"),
		str("invoke-action", "The name of the custom action to invoke"),
		StringField("invoke-action-args", WithHidden(), WithSupport(Rejected), WithDefault("{}"),
			WithDescription("The arguments of the custom action (JSON object)")),
		str("invoke-action-resource-type", "The resource type of the custom action"),
		flag("list-action-schemas", "List the custom action schemas"),
		str("list-action-schemas-resource-type", "List the custom action schemas of this resource type"),
		ignored(flag("list-resource-actions", "List resource actions (declared by the SDK, not wired)")),
		ignored(str("invoke-resource-action", "Invoke a resource action (declared by the SDK, not wired)")),
		ignored(str("invoke-resource-action-resource-type", "The resource type of the resource action")),
		ignored(str("invoke-resource-action-args", "The arguments of the resource action (JSON object)")),
		flag("diff-syncs", "Build a partial sync from the difference of two syncs in --file"),
		str("base-sync-id", "The id of the base sync of --diff-syncs"),
		str("applied-sync-id", "The id of the applied sync of --diff-syncs"),
		flag("compact-syncs", "Compact several c1z files into one"),
		list("compact-file-paths", "The c1z files to compact"),
		list("compact-sync-ids", "The sync ids to compact, one per file"),
		str("compact-output-path", "Where to write the compacted c1z"),
		str("external-resource-c1z", "A c1z of external resources to match identities against"),
		str("external-resource-entitlement-id-filter", "Only use external entitlements with this id"),
		list("external-resource-traits", "Only use external resources with these traits"),
	}
}

func syncFields() []Field {
	return []Field{
		BoolField(SkipFullSyncName, WithDescription("Service mode: record an empty sync instead of syncing")),
		StringSliceField(SyncResourcesName, WithDescription("The resource ids to sync (targeted sync)")),
		StringSliceField(SyncResourceTypesName, WithDescription("The resource type ids to sync")),
		BoolField(SkipEntitlementsAndGrantsName, WithDescription("Sync resources only, without entitlements and grants")),
		BoolField(SkipGrantsName, WithHidden(), WithDescription("Sync no grants (with --sync-resources)")),
		IntField(WorkersName, WithDefault(DefaultWorkers), WithMin(-1),
			WithDescription("Sync worker parallelism: -1 automatic, 0 sequential, N workers")),
		BoolField(ParallelSyncName, WithDescription("Deprecated: same as --workers -1")),
		StringField(StorageEngineName, WithDescription("The c1z storage engine: sqlite (the only one in this build; empty means sqlite)")),
		IntField(TaskConcurrencyName, WithDefault(3), WithRange(1, 100),
			WithDescription("Service mode: how many tasks run at once")),
		StringField(C1ZTempDirName, WithHidden(),
			WithDescription("The directory for temporary sync files (default $BATON_TMPDIR, else the system temp dir)")),
		StringField(C1ZGrantIndexesName, WithDefault("auto"),
			WithDescription("Whether saved c1z files carry the grant indexes: auto (left out of files holding a million grants or more, where they make up half the file; readers build them when they open it), keep or omit")),
		BoolField("keep-previous-sync-c1z", WithSupport(Ignored),
			WithDescription("Keep the last uploaded c1z (no effect: this connector does not declare the capability)")),
		StringField("auth-method", WithSupport(Ignored),
			WithDescription("Select an authentication method (this connector has only one)")),
		DurationField(ShutdownGraceName, WithDefault(25*time.Second),
			WithDescription("How long to wait for in-flight work after SIGINT or SIGTERM")),
	}
}

// opsFields are the operational fields; the ones marked Ops appear in the `config` schema in
// exactly this order with exactly these descriptions.
func opsFields() []Field {
	ops, h, ign := WithOps(), WithHidden(), WithSupport(Ignored)
	return []Field{
		StringField(LogLevelName, ops, WithDefault("info"), WithDescription("The log level: debug, info, warn, error")),
		StringField(LogFormatName, WithDescription("The output format for logs: json, console (default console on a terminal, else json)")),
		StringSliceField(LogPathName, WithDescription("Extra files to write logs to")),
		StringField("log-level-debug-expires-at", ops, ign,
			WithDescription("The timestamp indicating when debug-level logging should expire")),
		IntField("session-store-maximum-size", ops, h, ign, WithDefault(15728640),
			WithDescription("The maximum size of the local in-memory session store cache in bytes.")),
		StringField("otel-collector-endpoint", ops, ign,
			WithDescription("The endpoint of the OpenTelemetry collector to send observability data to (used for both tracing and logging if specific endpoints are not provided)")),
		StringField("otel-collector-endpoint-tls-cert-path", ops, h, ign,
			WithDescription("Path to a file containing a PEM-encoded certificate to use as a CA for TLS connections to the OpenTelemetry collector")),
		StringField("otel-collector-endpoint-tls-cert", ops, h, ign,
			WithDescription("A PEM-encoded certificate to use as a CA for TLS connections to the OpenTelemetry collector")),
		BoolField("otel-collector-endpoint-tls-insecure", ops, h, ign,
			WithDescription("Allow insecure connections to the OpenTelemetry collector")),
		BoolField("otel-tracing-disabled", ops, h, ign, WithDescription("Disable OpenTelemetry tracing")),
		BoolField("otel-logging-disabled", ops, h, ign, WithDescription("Disable OpenTelemetry logging")),
		BoolField(HealthCheckName, ops, WithDescription("Enable the HTTP health check endpoint")),
		IntField(HealthCheckPortName, ops, WithDefault(8081), WithDescription("Port for the HTTP health check endpoint")),
		StringField(HealthCheckBindAddressName, ops, h, WithDefault("127.0.0.1"),
			WithDescription("Bind address for health check server (127.0.0.1 for localhost-only)")),
		IntField(HTTPTimeoutSecondsName, ops, WithDefault(300), WithRange(1, 1800),
			WithDescription("HTTP client timeout in seconds (max 1800)")),
	}
}

// SDKRelationships returns the SDK's rules between its fields (spec §2.1, §7).
func SDKRelationships() []Relationship {
	return []Relationship{
		FieldsRequiredTogether(GrantEntitlementName, GrantPrincipalName),
		FieldsRequiredTogether(ClientIDName, ClientSecretName),
		FieldsRequiredTogether("create-ticket", "ticket-template-path"),
		FieldsRequiredTogether("bulk-create-ticket", "bulk-ticket-template-path"),
		FieldsRequiredTogether("get-ticket", "ticket-id"),
		FieldsRequiredTogether("diff-syncs", "base-sync-id", "applied-sync-id"),
		FieldsRequiredTogether("compact-syncs", "compact-file-paths", "compact-sync-ids", "compact-output-path"),
		FieldsMutuallyExclusive(GrantEntitlementName, RevokeGrantName, "create-account-login", "delete-resource",
			"rotate-credentials", EventFeedName, "create-ticket", "get-ticket", "list-ticket-schemas", "bulk-create-ticket"),
		FieldsMutuallyExclusive(GrantEntitlementName, RevokeGrantName, "create-account-email", "delete-resource-type",
			"rotate-credentials-type", EventFeedName, "diff-syncs", "compact-syncs", "list-ticket-schemas"),
		FieldsDependentOn([]string{HealthCheckPortName, HealthCheckBindAddressName}, []string{HealthCheckName}),
		FieldsDependentOn([]string{"external-resource-entitlement-id-filter", "external-resource-traits"},
			[]string{"external-resource-c1z"}),
		FieldsDependentOn([]string{SkipGrantsName}, []string{SyncResourcesName}),
	}
}
