package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMissingRequired(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.run()
	require.Equal(t, 1, r.code)
	require.Nil(t, r.cfg, "Run must not be called")
	require.Equal(t, "missing required --api-key (or BATON_API_KEY)\n"+
		"missing required --domain-url (or BATON_DOMAIN_URL)\n"+
		"missing required --username (or BATON_USERNAME)\n", r.errOut)

	r = h.run("--api-key", "k", "--domain-url", "  ", "--username", "u")
	require.Equal(t, 1, r.code)
	require.Equal(t, "missing required --domain-url (or BATON_DOMAIN_URL)\n", r.errOut, "blank counts as missing")

	h.env["BATON_API_KEY"], h.env["BATON_DOMAIN_URL"], h.env["BATON_USERNAME"] = "k", "https://x", "u"
	r = h.run()
	require.Equal(t, 0, r.code, r.errOut)
}

// TestRequiredNotNeeded runs the commands that must work without connector credentials.
func TestRequiredNotNeeded(t *testing.T) {
	t.Parallel()
	tests := [][]string{
		{"capabilities"}, {"config"}, {"completion", "bash"}, {"completion", "zsh"}, {"help"}, {"help", "config"},
		{"--help"}, {"-h"}, {"--version"}, {"-v"}, {"demo"}, {"__complete", "conf"},
	}
	for _, args := range tests {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			var seen *Config
			h.app.Commands = append(h.app.Commands, demoCommand(&seen))
			r := h.run(args...)
			require.Equal(t, 0, r.code, r.errOut)
			require.NotEmpty(t, r.out)
			require.Nil(t, r.cfg, "the root run function must not be called")
		})
	}
}

// validationCase is one invalid configuration and the stderr line it must produce.
type validationCase struct {
	name string
	args []string
	env  map[string]string
	code int
	want string // exact stderr line
}

func validationCases(noDir string) []validationCase {
	return []validationCase{
		{"grant needs principal", []string{"--grant-entitlement", "group:g:member"}, nil, 2,
			"if any flags in the group [grant-entitlement grant-principal] are set they must all be set; missing [grant-principal]"},
		{"grant and revoke exclusive", []string{"--grant-entitlement", "e", "--grant-principal", "p", "--revoke-grant", "g"}, nil, 2,
			"if any flags in the group [grant-entitlement revoke-grant create-account-login delete-resource rotate-credentials event-feed create-ticket get-ticket list-ticket-schemas bulk-create-ticket] are set none of the others can be; [grant-entitlement revoke-grant] were all set"},
		{"secret without id", nil, map[string]string{"BATON_CLIENT_SECRET": "s"}, 2,
			"if any flags in the group [client-id client-secret] are set they must all be set; missing [client-id]"},
		{"task concurrency low", []string{"--task-concurrency", "0"}, nil, 2,
			"--task-concurrency (BATON_TASK_CONCURRENCY) must be between 1 and 100, got 0"},
		{"task concurrency high", nil, map[string]string{"BATON_TASK_CONCURRENCY": "101"}, 2,
			"--task-concurrency (BATON_TASK_CONCURRENCY) must be between 1 and 100, got 101"},
		{"http timeout", []string{"--http-timeout-seconds", "1801"}, nil, 2,
			"--http-timeout-seconds (BATON_HTTP_TIMEOUT_SECONDS) must be between 1 and 1800, got 1801"},
		{"workers", []string{"--workers", "-2"}, nil, 2, "--workers (BATON_WORKERS) must be at least -1, got -2"},
		{"connector int range", []string{"--page-size", "0"}, nil, 2, "--page-size (BATON_PAGE_SIZE) must be between 1 and 250, got 0"},
		{"health check port needs health check", []string{"--health-check-port", "9090"}, nil, 2,
			"--health-check-port requires --health-check"},
		{"health check port range", []string{"--health-check", "--health-check-port", "70000"}, nil, 2,
			"--health-check-port (BATON_HEALTH_CHECK_PORT) must be between 1 and 65535, got 70000"},
		{"skip grants needs sync resources", []string{"--skip-grants"}, nil, 2, "--skip-grants requires --sync-resources"},
		{"unsupported create account", []string{"--create-account-login", "bob"}, nil, 2,
			"--create-account-login is not supported by baton-test"},
		{"unsupported from env", nil, map[string]string{"BATON_DELETE_RESOURCE": "r1"}, 2,
			"--delete-resource is not supported by baton-test"},
		{"unsupported event feed", []string{"--event-feed", "true"}, nil, 2, "--event-feed is not supported by baton-test"},
		{"unsupported external resources", []string{"--external-resource-c1z", "ext.c1z"}, nil, 2,
			"--external-resource-c1z is not supported by baton-test"},
		{"unsupported diff", []string{"--diff-syncs", "--base-sync-id", "a", "--applied-sync-id", "b"}, nil, 2,
			"--diff-syncs is not supported by baton-test"},
		{"pebble", []string{"--storage-engine", "pebble"}, nil, 2, "storage engine pebble is not supported by this build: use sqlite"},
		{"other engine", nil, map[string]string{"BATON_STORAGE_ENGINE": "rocks"}, 2, "storage engine rocks is not supported by this build: use sqlite"},
		{"grant indexes", []string{"--c1z-grant-indexes", "none"}, nil, 2, `invalid --c1z-grant-indexes "none" (BATON_C1Z_GRANT_INDEXES): use auto, keep or omit`},
		{"grant indexes from env", nil, map[string]string{"BATON_C1Z_GRANT_INDEXES": "all"}, 2, `invalid --c1z-grant-indexes "all" (BATON_C1Z_GRANT_INDEXES): use auto, keep or omit`},
		{"log level", []string{"--log-level", "verbose"}, nil, 2, `invalid --log-level "verbose" (BATON_LOG_LEVEL): use debug, info, warn or error`},
		{"log format", nil, map[string]string{"BATON_LOG_FORMAT": "xml"}, 2, `invalid --log-format "xml" (BATON_LOG_FORMAT): use json or console`},
		{"bad env int", nil, map[string]string{"BATON_WORKERS": "lots"}, 2, `BATON_WORKERS: bad value "lots" for --workers: expected a whole number`},
		{"bad env bool", nil, map[string]string{"BATON_PROVISIONING": "yes"}, 2, `BATON_PROVISIONING: bad value "yes" for --provisioning: expected true or false`},
		{"bad flag int", []string{"--workers", "x"}, nil, 2, `invalid argument "x" for "--workers" flag: strconv.ParseInt: parsing "x": invalid syntax`},
		{"unknown flag", []string{"--nope"}, nil, 2, "unknown flag: --nope"},
		{"stray argument", []string{"extra"}, nil, 2, `unknown command "extra" for "baton-test"`},
		{"temp dir absent", []string{"--c1z-temp-dir", noDir}, nil, 2, "temp dir (--c1z-temp-dir or BATON_TMPDIR): stat " + noDir + ": no such file or directory"},
		{"negative grace", []string{"--shutdown-grace", "-1s"}, nil, 2, "--shutdown-grace (BATON_SHUTDOWN_GRACE) must not be negative, got -1s"},
		{"service mode needs secret", []string{"--client-id", "c@acme.conductor.one/pcc"}, nil, 1,
			"missing required --client-secret (or BATON_CLIENT_SECRET): client-secret is required in service mode"},
	}
}

func TestValidationErrors(t *testing.T) {
	t.Parallel()
	tests := validationCases(filepath.Join(t.TempDir(), "absent"))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			for k, v := range tt.env {
				h.env[k] = v
			}
			r := h.run(withArgs(required, tt.args)...)
			require.Equal(t, tt.code, r.code, r.errOut)
			require.Nil(t, r.cfg, "Run must not be called")
			require.Contains(t, strings.Split(r.errOut, "\n"), tt.want, r.errOut)
		})
	}
}

func TestUsageHint(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.run("--nope")
	require.Equal(t, "unknown flag: --nope\nRun 'baton-test --help' for usage.\n", r.errOut)
	r = h.run(withArgs(required, []string{"--workers", "-5"})...)
	require.NotContains(t, r.errOut, "--help", "no hint for configuration errors")
}

func TestSeveralViolationsReported(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.run(withArgs(required, []string{"--task-concurrency", "0", "--storage-engine", "pebble", "--ticket-id", "t"})...)
	require.Equal(t, 2, r.code)
	require.Equal(t, "--task-concurrency (BATON_TASK_CONCURRENCY) must be between 1 and 100, got 0\n"+
		"if any flags in the group [get-ticket ticket-id] are set they must all be set; missing [get-ticket]\n"+
		"--ticket-id is not supported by baton-test\n"+
		"storage engine pebble is not supported by this build: use sqlite\n", r.errOut)
}

func TestAcceptedValues(t *testing.T) {
	t.Parallel()
	tests := [][]string{
		{"--storage-engine", "sqlite"},
		{"--storage-engine", "SQLite"},
		{"--event-feed", "maybe"}, // the SDK reads --event-feed as a bool; other values fall through to a sync
		{"--event-feed", "false"},
		{"--health-check", "--health-check-port", "9090", "--health-check-bind-address", "0.0.0.0"},
		{"--sync-resources", "space:1", "--skip-grants"},
		{"--workers", "-1"},
		{"--log-level", "WARN", "--log-format", "console"},
		{"--otel-collector-endpoint", "http://127.0.0.1:4317"},
		{"--keep-previous-sync-c1z", "--auth-method", "basic"},
		{"--invoke-action-args", ""},
	}
	for _, args := range tests {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			r := h.run(withArgs(required, args)...)
			require.Equal(t, 0, r.code, r.errOut)
			require.NotNil(t, r.cfg)
		})
	}
}

func TestIgnoredFlagsWarn(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.run(withArgs(required, []string{"--otel-collector-endpoint", "http://127.0.0.1:4317"})...)
	require.Equal(t, 0, r.code, r.errOut)
	require.Contains(t, r.errOut, `"msg":"--otel-collector-endpoint has no effect in this build and is ignored"`)
}
