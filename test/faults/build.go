package faults

import (
	"context"
	"fmt"
	"go/build"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Module is the import path of this module; binaries are built from its cmd/ directory.
const Module = "github.com/baton-confluence/baton-confluence"

// BuildOptions configure Build. The zero value builds a plain static binary.
type BuildOptions struct {
	// Race builds with the race detector (it needs cgo), so a data race in the binary under
	// faults fails the run. Tests built with -race pass it: the packages are then already in the
	// build cache with the same flags.
	Race bool
}

// GoTool returns the go command to build with: the one on PATH (go test puts GOROOT/bin first
// on it), else the one of the GOROOT environment variable if set, else of the Go root this test
// binary was built with.
func GoTool() string {
	if goBin, err := exec.LookPath("go"); err == nil {
		return goBin
	}
	return filepath.Join(build.Default.GOROOT, "bin", "go")
}

// Build compiles the command cmd/<name> of this module into dir and returns the binary's path.
func Build(ctx context.Context, dir, name string, opts BuildOptions) (string, error) {
	if err := BuildCommands(ctx, dir, opts, name); err != nil {
		return "", err
	}
	return filepath.Join(dir, name), nil
}

// BuildCommands compiles the commands cmd/<name> of this module into dir (dir/<name> each) with
// one go build.
func BuildCommands(ctx context.Context, dir string, opts BuildOptions, names ...string) error {
	args := []string{"build", "-o", dir + string(filepath.Separator)}
	env := CleanEnv()
	if opts.Race {
		args = append(args, "-race")
		env = append(env, "CGO_ENABLED=1")
	} else {
		env = append(env, "CGO_ENABLED=0")
	}
	for _, name := range names {
		args = append(args, Module+"/cmd/"+name)
	}
	cmd := exec.CommandContext(ctx, GoTool(), args...) //nolint:gosec // the go tool on this module's own commands
	cmd.Env = env
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build cmd/%s: %w\n%s", strings.Join(names, ", cmd/"), err, b)
	}
	return nil
}

// BuildTemp builds cmd/<name> into a new temporary directory (named after prefix) and returns
// the binary's path and a function that removes the directory (also call it on error).
func BuildTemp(ctx context.Context, prefix, name string, opts BuildOptions) (path string, cleanup func(), err error) {
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return "", func() {}, err
	}
	cleanup = func() { _ = os.RemoveAll(dir) }
	path, err = Build(ctx, dir, name, opts)
	return path, cleanup, err
}

// CleanEnv is the current environment without BATON_* variables and without SSL_CERT_FILE /
// SSL_CERT_DIR, so a run sees exactly the configuration a test gives it.
func CleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "BATON_") || k == "SSL_CERT_FILE" || k == "SSL_CERT_DIR" {
			continue
		}
		env = append(env, kv)
	}
	return env
}
