package cli

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/internal/baton/c1z"
	"github.com/baton-confluence/baton-confluence/internal/baton/field"
)

// TestPrecedence checks flag > env > file > default for every field type, SDK and connector.
func TestPrecedence(t *testing.T) {
	t.Parallel()
	type values struct{ flag, env, file string } // "" = source absent; file is a YAML value
	tests := []struct {
		name  string
		field string
		v     values
		get   func(*Config) any
		want  any
	}{
		{"string default", "file", values{}, func(c *Config) any { return c.File }, "sync.c1z"},
		{"string file", "file", values{file: "f.c1z"}, func(c *Config) any { return c.File }, "f.c1z"},
		{"string env over file", "file", values{env: "e.c1z", file: "f.c1z"}, func(c *Config) any { return c.File }, "e.c1z"},
		{"string flag over env", "file", values{flag: "x.c1z", env: "e.c1z", file: "f.c1z"}, func(c *Config) any { return c.File }, "x.c1z"},
		{"bool default", "skip-personal-spaces", values{}, func(c *Config) any { return c.GetBool("skip-personal-spaces") }, false},
		{"bool file", "skip-personal-spaces", values{file: "true"}, func(c *Config) any { return c.GetBool("skip-personal-spaces") }, true},
		{"bool env over file", "skip-personal-spaces", values{env: "false", file: "true"}, func(c *Config) any { return c.GetBool("skip-personal-spaces") }, false},
		{"bool flag over env", "skip-personal-spaces", values{flag: "true", env: "false", file: "false"}, func(c *Config) any { return c.GetBool("skip-personal-spaces") }, true},
		{"int default", "workers", values{}, func(c *Config) any { return c.Workers }, field.DefaultWorkers},
		{"int file", "workers", values{file: "2"}, func(c *Config) any { return c.Workers }, 2},
		{"int env over file", "workers", values{env: "3", file: "2"}, func(c *Config) any { return c.Workers }, 3},
		{"int flag over env", "workers", values{flag: "4", env: "3", file: "2"}, func(c *Config) any { return c.Workers }, 4},
		{"connector int default", "page-size", values{}, func(c *Config) any { return c.GetInt("page-size") }, 25},
		{"connector int env", "page-size", values{env: "50", file: "10"}, func(c *Config) any { return c.GetInt("page-size") }, 50},
		{"slice default", "noun", values{}, func(c *Config) any { return c.GetStringSlice("noun") }, []string(nil)},
		{"slice file", "noun", values{file: "[page, space]"}, func(c *Config) any { return c.GetStringSlice("noun") }, []string{"page", "space"}},
		{"slice env comma separated over file", "noun", values{env: "blogpost,comment", file: "[page]"}, func(c *Config) any { return c.GetStringSlice("noun") }, []string{"blogpost", "comment"}},
		{"slice flag over env", "noun", values{flag: "space,page", env: "blogpost", file: "[page]"}, func(c *Config) any { return c.GetStringSlice("noun") }, []string{"space", "page"}},
		{"sdk slice env", "sync-resource-types", values{env: "user, group"}, func(c *Config) any { return c.SyncResourceTypes }, []string{"user", "group"}},
		{"duration default", "shutdown-grace", values{}, func(c *Config) any { return c.ShutdownGrace }, 25 * time.Second},
		{"duration file", "shutdown-grace", values{file: "10s"}, func(c *Config) any { return c.ShutdownGrace }, 10 * time.Second},
		{"duration env over file", "shutdown-grace", values{env: "1m", file: "10s"}, func(c *Config) any { return c.ShutdownGrace }, time.Minute},
		{"duration flag over env", "shutdown-grace", values{flag: "2s", env: "1m", file: "10s"}, func(c *Config) any { return c.ShutdownGrace }, 2 * time.Second},
		{"secret from env", "api-key", values{env: "from-env", file: "from-file"}, func(c *Config) any { return c.GetString("api-key") }, "from-env"},
		{"int seconds to duration", "http-timeout-seconds", values{file: "60"}, func(c *Config) any { return c.HTTPTimeout }, time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			args := []string{"--domain-url", "https://x.atlassian.net", "--username", "u"}
			if tt.field != "api-key" {
				args = append(args, "--api-key", "k")
			}
			if tt.v.flag != "" {
				args = append(args, "--"+tt.field+"="+tt.v.flag)
			}
			if tt.v.env != "" {
				h.env["BATON_"+envName(tt.field)] = tt.v.env
			}
			if tt.v.file != "" {
				h.writeFile(".baton.yaml", tt.field+": "+tt.v.file+"\n")
			}
			r := h.run(args...)
			require.Equal(t, 0, r.code, r.errOut)
			require.Equal(t, tt.want, tt.get(r.cfg))
		})
	}
}

func envName(flag string) string {
	out := []byte(flag)
	for i, c := range out {
		switch {
		case c == '-':
			out[i] = '_'
		case c >= 'a' && c <= 'z':
			out[i] = c - 'a' + 'A'
		}
	}
	return string(out)
}

func TestSourcesRecorded(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.env["BATON_USERNAME"] = "env-user"
	h.writeFile(".baton.yaml", "domain-url: https://file.atlassian.net\nskip-personal-spaces: true\n")
	r := h.run("--api-key", "k")
	require.Equal(t, 0, r.code, r.errOut)
	require.Equal(t, SourceFlag, r.cfg.Source("api-key"))
	require.Equal(t, SourceEnv, r.cfg.Source("username"))
	require.Equal(t, SourceFile, r.cfg.Source("domain-url"))
	require.Equal(t, SourceDefault, r.cfg.Source("workers"))
	require.Equal(t, filepath.Join(h.workDir, ".baton.yaml"), r.cfg.ConfigFile())
	require.True(t, r.cfg.IsSet("skip-personal-spaces"))
	require.False(t, r.cfg.IsSet("workers"), "defaults are not 'set'")
}

func TestConfigPathEnv(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		file     string // written into the work dir when non-empty
		content  string
		wantCode int
		wantErr  string
	}{
		{"yaml", "conf.yaml", "username: from-file\n", 0, ""},
		{"yml", "conf.yml", "username: from-file\n", 0, ""},
		{"json refused", "conf.json", `{"username": "x"}`, 2, "conf.json (BATON_CONFIG_PATH): only .yaml and .yml files are supported"},
		{"toml refused", "conf.toml", "username = 'x'", 2, "only .yaml and .yml files are supported"},
		{"missing file", "", "", 2, "missing.yaml (BATON_CONFIG_PATH) does not exist"},
		{"bad yaml", "bad.yaml", "username: [unclosed\n", 2, "read config file"},
		{"bad value", "badval.yaml", "workers: many\n", 2, `config file ` /* path */},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			name := tt.file
			if name == "" {
				name = "missing.yaml"
			} else {
				h.writeFile(name, tt.content)
			}
			h.env["BATON_CONFIG_PATH"] = name
			r := h.run("--api-key", "k", "--domain-url", "https://x.atlassian.net")
			require.Equal(t, tt.wantCode, r.code, r.errOut)
			if tt.wantErr != "" {
				require.Contains(t, r.errOut, tt.wantErr)
				require.Nil(t, r.cfg)
				return
			}
			require.Equal(t, "from-file", r.cfg.GetString("username"))
		})
	}
}

func TestConfigFileBadValueMessage(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	p := h.writeFile(".baton.yaml", "workers: many\napi-key: 12\n")
	r := h.run(required...)
	require.Equal(t, 2, r.code)
	require.Equal(t, "config file "+p+`: bad value "many" for --workers: expected a whole number`+"\n", r.errOut)
}

func TestConfigFileUnknownKeyWarns(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.writeFile(".baton.yaml", "usernme: typo\n")
	r := h.run(required...)
	require.Equal(t, 0, r.code, r.errOut)
	require.Contains(t, r.errOut, `unknown key \"usernme\" ignored`)
}

func TestTempDirResolution(t *testing.T) {
	t.Parallel()
	flagDir, envDir := t.TempDir(), t.TempDir()
	tests := []struct {
		name string
		flag string
		env  string
		want string
	}{
		{"flag wins", flagDir, envDir, flagDir},
		{"BATON_TMPDIR next", "", envDir, envDir},
		{"os temp last", "", "", os.TempDir()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			args := required
			if tt.flag != "" {
				args = withArgs(required, []string{"--c1z-temp-dir", tt.flag})
			}
			if tt.env != "" {
				h.env["BATON_TMPDIR"] = tt.env
			}
			r := h.run(args...)
			require.Equal(t, 0, r.code, r.errOut)
			require.Equal(t, tt.want, r.cfg.TempDir)
		})
	}
}

func TestGrantIndexesResolution(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		env  string
		want c1z.GrantIndexes
	}{
		{nil, "", c1z.GrantIndexesAuto},
		{[]string{"--c1z-grant-indexes", "keep"}, "omit", c1z.GrantIndexesKeep},
		{nil, "OMIT", c1z.GrantIndexesOmit},
	} {
		h := newHarness(t)
		if tt.env != "" {
			h.env["BATON_C1Z_GRANT_INDEXES"] = tt.env
		}
		r := h.run(withArgs(required, tt.args)...)
		require.Equal(t, 0, r.code, r.errOut)
		require.Equal(t, tt.want, r.cfg.GrantIndexes, "%v %s", tt.args, tt.env)
	}
}

func TestWorkersAndParallelSync(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		env  map[string]string
		want int
	}{
		{nil, nil, field.DefaultWorkers},
		{[]string{"--parallel-sync"}, nil, -1},
		{nil, map[string]string{"BATON_PARALLEL_SYNC": "true"}, -1},
		{[]string{"--parallel-sync", "--workers", "4"}, nil, 4},
		{[]string{"--workers", "0"}, nil, 0},
	}
	for _, tt := range tests {
		h := newHarness(t)
		for k, v := range tt.env {
			h.env[k] = v
		}
		r := h.run(withArgs(required, tt.args)...)
		require.Equal(t, 0, r.code, r.errOut)
		require.Equal(t, tt.want, r.cfg.Workers, "%v %v", tt.args, tt.env)
	}
}

func TestActions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args   []string
		env    map[string]string
		want   Action
		provis bool
	}{
		{nil, nil, ActionSync, false},
		{[]string{"-p"}, nil, ActionSync, true},
		{[]string{"--grant-entitlement", "group:g:member", "--grant-principal", "u1", "--grant-principal-type", "user"}, nil, ActionGrant, true},
		{[]string{"--revoke-grant", "group:g:member:user:u1"}, nil, ActionRevoke, true},
		{[]string{"--client-id", "c@acme.conductor.one/pcc"}, map[string]string{"BATON_CLIENT_SECRET": "secret-token:x:v1:y"}, ActionService, false},
	}
	for _, tt := range tests {
		h := newHarness(t)
		for k, v := range tt.env {
			h.env[k] = v
		}
		r := h.run(withArgs(required, tt.args)...)
		require.Equal(t, 0, r.code, r.errOut)
		require.Equal(t, tt.want, r.cfg.Action(), "%v", tt.args)
		require.Equal(t, tt.want == ActionService, r.cfg.ServiceMode())
		require.Equal(t, tt.provis, r.cfg.ProvisioningEnabled(), "%v", tt.args)
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	ios, _, _, _ := TestIO()
	f := &Factory{IOStreams: ios, WorkDir: t.TempDir(), LookupEnv: func(k string) (string, bool) {
		if k == "BATON_NOUN" {
			return "page,space", true
		}
		return "", false
	}}
	cfg, err := Load(f, testApp(), []string{"-f", "out.c1z", "--workers", "2"})
	require.NoError(t, err)
	require.Equal(t, "out.c1z", cfg.File)
	require.Equal(t, 2, cfg.Workers)
	require.Equal(t, []string{"page", "space"}, cfg.GetStringSlice("noun"))
	require.Equal(t, ExitFailure, ExitCode(cfg.Validate(ValidateOptions{})), "required fields still missing")
	require.NoError(t, cfg.Validate(ValidateOptions{SkipRequired: true}))

	_, err = Load(f, testApp(), []string{"--nope"})
	require.Equal(t, ExitUsage, ExitCode(err))
}
