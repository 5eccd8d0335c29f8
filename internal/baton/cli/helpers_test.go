package cli

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/require"

	"github.com/baton-confluence/baton-confluence/internal/baton/field"
	"github.com/baton-confluence/baton-confluence/internal/baton/logging"
	v2 "github.com/baton-confluence/baton-confluence/internal/baton/pb/c1/connector/v2"
)

// testFields is a connector field set covering every field type.
func testFields() []field.Field {
	return []field.Field{
		field.StringField("api-key", field.WithDisplayName("API Key"), field.WithDescription("The API key"),
			field.WithRequired(), field.WithSecret()),
		field.StringField("domain-url", field.WithDisplayName("Domain URL"), field.WithDescription("The site"),
			field.WithPlaceholder("https://example.atlassian.net"), field.WithRequired()),
		field.StringField("username", field.WithDescription("The user"), field.WithRequired()),
		field.BoolField("skip-personal-spaces", field.WithDescription("Skip personal spaces")),
		field.StringSliceField("noun", field.WithDescription("Nouns"), field.WithSuggestedValues("space")),
		field.IntField("page-size", field.WithDescription("Page size"), field.WithDefault(25), field.WithRange(1, 250)),
		field.DurationField("poll", field.WithDescription("Poll interval"), field.WithDefault(5*time.Second)),
	}
}

// required are valid values for the test connector's required fields.
var required = []string{"--api-key", "s3cr3t-key", "--domain-url", "https://x.atlassian.net", "--username", "me@example.com"}

// result is what one execution produced.
type result struct {
	code   int
	out    string
	errOut string
	cfg    *Config // what Run received; nil when Run was not called
}

// harness runs a test app with injected environment and working directory.
type harness struct {
	t       *testing.T
	env     map[string]string
	workDir string
	tty     bool
	app     App
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	return &harness{t: t, env: map[string]string{}, workDir: t.TempDir(), app: testApp()}
}

func testApp() App {
	return App{
		Name:    "baton-test",
		Version: "1.2.3",
		Short:   "Test connector",
		Fields:  testFields(),
		Schema:  field.Meta{DisplayName: "Test", HelpURL: "/docs/baton/test", IconURL: "/static/test.svg"},
		Capabilities: func(context.Context) (*v2.ConnectorCapabilities, error) {
			return &v2.ConnectorCapabilities{ConnectorCapabilities: []v2.Capability{v2.Capability_CAPABILITY_SYNC}}, nil
		},
	}
}

func (h *harness) writeFile(name, content string) string {
	h.t.Helper()
	p := filepath.Join(h.workDir, name)
	require.NoError(h.t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

func (h *harness) run(args ...string) result {
	h.t.Helper()
	ios, _, out, errOut := TestIO()
	ios.SetStdoutTTY(h.tty)
	f := &Factory{
		IOStreams: ios,
		LookupEnv: func(k string) (string, bool) { v, ok := h.env[k]; return v, ok },
		WorkDir:   h.workDir,
	}
	var (
		mu  sync.Mutex
		res result
	)
	app := h.app
	userRun := app.Run
	app.Run = func(ctx context.Context, cfg *Config) error {
		mu.Lock()
		res.cfg = cfg
		mu.Unlock()
		logging.From(ctx).Info("run called")
		if userRun != nil {
			return userRun(ctx, cfg)
		}
		return nil
	}
	res.code = Execute(h.t.Context(), f, app, args)
	res.out, res.errOut = out.String(), errOut.String()
	return res
}

// withArgs joins argument lists.
func withArgs(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// demoCommand is an extra subcommand like the later demo/inspect ones.
func demoCommand(seen **Config) func(*Factory) *cobra.Command {
	return func(f *Factory) *cobra.Command {
		return &cobra.Command{
			Use: "demo",
			RunE: func(cmd *cobra.Command, _ []string) error {
				cfg := ConfigFrom(cmd.Context())
				*seen = cfg
				logging.From(cmd.Context()).Info("demo ran")
				_, err := f.IOStreams.Out.Write([]byte("demo " + cfg.File))
				if err != nil {
					return err
				}
				return cfg.Validate(ValidateOptions{SkipRequired: true})
			},
		}
	}
}
