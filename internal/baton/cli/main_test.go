package cli

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

const helperEnv = "BATON_CLI_TEST_HELPER"

// TestMainHelperProcess is the child of TestMainSignals: it runs Main with a run function that
// waits for cancellation.
func TestMainHelperProcess(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		t.Skip("helper process for TestMainSignals")
	}
	app := testApp()
	app.Run = func(ctx context.Context, cfg *Config) error {
		fmt.Println("ready")
		<-ctx.Done()
		fmt.Println("stopping, grace", cfg.ShutdownGrace)
		return nil
	}
	os.Args = []string{"baton-test"}
	os.Exit(Main(app))
}

// TestMainSignals checks that SIGINT and SIGTERM cancel the run's context and that the
// process exits 0 after a clean return.
func TestMainSignals(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestMainHelperProcess$")
			cmd.Dir = t.TempDir()
			cmd.Env = append(os.Environ(), helperEnv+"=1", "BATON_API_KEY=k", "BATON_DOMAIN_URL=https://x",
				"BATON_USERNAME=u", "BATON_SHUTDOWN_GRACE=3s", "BATON_CONFIG_PATH=")
			stdout, err := cmd.StdoutPipe()
			require.NoError(t, err)
			require.NoError(t, cmd.Start())
			lines := bufio.NewScanner(stdout)
			for lines.Scan() && lines.Text() != "ready" { // skip anything the test framework prints
			}
			require.Equal(t, "ready", lines.Text())
			require.NoError(t, cmd.Process.Signal(sig))
			require.True(t, lines.Scan())
			require.Equal(t, "stopping, grace 3s", strings.TrimSpace(lines.Text()))
			for lines.Scan() {
			}
			require.NoError(t, cmd.Wait(), "exit code 0 after a clean return")
		})
	}
}

func TestIsStdoutTTY(t *testing.T) {
	t.Parallel()
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	defer w.Close()
	ios := &IOStreams{Out: w}
	require.False(t, ios.IsStdoutTTY(), "a pipe is not a terminal")
	ios.SetStdoutTTY(true)
	require.True(t, ios.IsStdoutTTY())
	buf, _, _, _ := TestIO()
	require.False(t, buf.IsStdoutTTY())
}
