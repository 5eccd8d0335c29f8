package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/baton-confluence/baton-confluence/internal/baton/logging"
)

func TestSecretsMasked(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.env["BATON_CLIENT_SECRET"] = "secret-token:conductorone.com:v1:abcdef"
	r := h.run(withArgs(required, []string{"--client-id", "c@acme.conductor.one/pcc", "--log-level", "debug"})...)
	require.Equal(t, 0, r.code, r.errOut)
	cfg := r.cfg
	require.Equal(t, "s3cr3t-key", cfg.GetString("api-key"), "the value itself is intact")
	require.Contains(t, cfg.String(), `api-key: "********"`+"\n")
	require.Contains(t, cfg.String(), `client-secret: "********"`+"\n")
	require.Contains(t, cfg.String(), `domain-url: "https://x.atlassian.net"`+"\n")
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q"} {
		s := fmt.Sprintf(verb, cfg)
		require.False(t, strings.Contains(s, "s3cr3t") || strings.Contains(s, "abcdef"), "secret printed by %s", verb)
	}
	s := fmt.Sprintf("%+v", *cfg) // a copy: value receiver formatting must not leak either
	require.False(t, strings.Contains(s, "abcdef"), "secret printed by %%+v of a Config value")
	require.Contains(t, r.errOut, `"effective configuration"`)
	require.Contains(t, r.errOut, `"api-key":"\"********\" (flag)"`)
	require.NotContains(t, r.errOut, "s3cr3t")
	require.NotContains(t, r.errOut, "abcdef")
}

func TestLogging(t *testing.T) {
	t.Parallel()
	t.Run("json when not a terminal", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		r := h.run(required...)
		require.Equal(t, 0, r.code, r.errOut)
		require.Equal(t, "json", r.cfg.LogFormat)
		var line map[string]any
		require.NoError(t, json.Unmarshal([]byte(strings.TrimSpace(r.errOut)), &line), r.errOut)
		require.Equal(t, "run called", line["msg"])
		require.Equal(t, "info", line["level"])
	})
	t.Run("console on a terminal", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		h.tty = true
		r := h.run(required...)
		require.Equal(t, 0, r.code, r.errOut)
		require.Equal(t, "console", r.cfg.LogFormat)
		require.Contains(t, r.errOut, "\tINFO\trun called")
	})
	t.Run("explicit json on a terminal", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		h.tty = true
		r := h.run(withArgs(required, []string{"--log-format", "json"})...)
		require.Equal(t, 0, r.code, r.errOut)
		require.True(t, strings.HasPrefix(r.errOut, "{"), r.errOut)
	})
	t.Run("level filters", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		h.env["BATON_LOG_LEVEL"] = "warn"
		r := h.run(required...)
		require.Equal(t, 0, r.code, r.errOut)
		require.Empty(t, r.errOut)
	})
}

func TestLogPath(t *testing.T) {
	t.Parallel()
	t.Run("log path files", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		a, b := filepath.Join(h.workDir, "a.log"), filepath.Join(h.workDir, "b.log")
		h.env["BATON_LOG_PATH"] = a + "," + b
		for range 2 {
			r := h.run(required...)
			require.Equal(t, 0, r.code, r.errOut)
		}
		for _, p := range []string{a, b} {
			data, err := os.ReadFile(p)
			require.NoError(t, err)
			require.Equal(t, 2, strings.Count(string(data), `"msg":"run called"`), "appended, not truncated")
		}
	})
	t.Run("log path not writable", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		r := h.run(withArgs(required, []string{"--log-path", filepath.Join(h.workDir, "no", "such", "dir.log")})...)
		require.Equal(t, 2, r.code)
		require.Contains(t, r.errOut, "open --log-path file:")
	})
}

func TestRunErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		code int
	}{
		{"plain", errors.New("sync: list spaces: boom"), 1},
		{"exit error", &ExitError{Code: 3, Err: errors.New("custom")}, 3},
		{"grpc unauthenticated", fmt.Errorf("startup hello: %w", status.Error(codes.Unauthenticated, "bad token")), 16},
		{"canceled", fmt.Errorf("sync: %w", context.Canceled), 1},
		{"deadline", fmt.Errorf("sync: %w", context.DeadlineExceeded), 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.app.Run = func(ctx context.Context, _ *Config) error {
				logging.From(ctx).Info("running")
				return tt.err
			}
			r := h.run(required...)
			require.Equal(t, tt.code, r.code)
			require.True(t, strings.HasSuffix(r.errOut, tt.err.Error()+"\n"), r.errOut)
		})
	}
}

func TestExitCode(t *testing.T) {
	t.Parallel()
	type coder struct{ error }
	require.Equal(t, 0, ExitCode(nil))
	require.Equal(t, 1, ExitCode(errors.New("x")))
	require.Equal(t, 2, ExitCode(fmt.Errorf("wrapped: %w", &ExitError{Code: 2, Err: errors.New("bad")})))
	require.Equal(t, 5, ExitCode(status.Error(codes.NotFound, "nope")))
	require.Equal(t, 1, ExitCode(status.Error(codes.Unknown, "unknown is a plain failure")))
	require.Equal(t, 7, ExitCode(exitCoder{7}))
	require.Equal(t, "exit status 9", (&ExitError{Code: 9}).Error())
	_ = coder{}
}

type exitCoder struct{ code int }

func (e exitCoder) Error() string { return "coded" }
func (e exitCoder) ExitCode() int { return e.code }

func TestValidateConfigHook(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.app.ValidateConfig = func(cfg *Config) error {
		if cfg.GetString("domain-url") == "bad" {
			return errors.New(`--domain-url (BATON_DOMAIN_URL) "bad" has no scheme`)
		}
		return nil
	}
	r := h.run("--api-key", "k", "--username", "u", "--domain-url", "bad")
	require.Equal(t, 2, r.code)
	require.Nil(t, r.cfg)
	require.Equal(t, `--domain-url (BATON_DOMAIN_URL) "bad" has no scheme`+"\n", r.errOut)
	r = h.run(required...)
	require.Equal(t, 0, r.code, r.errOut)
}

func TestSubcommandGetsConfigAndLogger(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var seen *Config
	h.app.Commands = append(h.app.Commands, demoCommand(&seen))
	r := h.run("demo", "-f", "demo.c1z", "--noun", "page")
	require.Equal(t, 0, r.code, r.errOut)
	require.Equal(t, "demo demo.c1z", r.out)
	require.Contains(t, r.errOut, `"msg":"demo ran"`)
	require.NotNil(t, seen)
	require.Equal(t, []string{"page"}, seen.GetStringSlice("noun"))

	r = h.run("demo", "--task-concurrency", "0")
	require.Equal(t, 2, r.code, "subcommands validate what they need")
	require.Contains(t, r.errOut, "must be between 1 and 100")
}

func TestVersionAndHelp(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, arg := range []string{"--version", "-v"} {
		r := h.run(arg)
		require.Equal(t, 0, r.code)
		require.Equal(t, "baton-test version 1.2.3\n", r.out)
	}
	r := h.run("--help")
	require.Equal(t, 0, r.code)
	for _, visible := range []string{"-f, --file", "--client-id", "-p, --provisioning", "--log-level", "--domain-url",
		"--health-check-port", "--http-timeout-seconds", "--workers", "--shutdown-grace", "capabilities", "config", "completion"} {
		require.Contains(t, r.out, visible)
	}
	for _, hidden := range []string{"--grant-entitlement", "--revoke-grant", "--c1z-temp-dir", "--health-check-bind-address",
		"--skip-grants", "--create-account-login", "--session-store-maximum-size", "--otel-tracing-disabled"} {
		require.NotContains(t, r.out, hidden+" ")
	}
}
