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

// Build compiles the command cmd/<name> of this module into dir and returns the binary's path.
func Build(ctx context.Context, dir, name string, opts BuildOptions) (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		// Not on PATH (go test puts GOROOT/bin first on it): the same fallback as before, the
		// GOROOT environment variable if set, else the Go root this test binary was built with.
		goBin = filepath.Join(build.Default.GOROOT, "bin", "go")
	}
	out := filepath.Join(dir, name)
	args := []string{"build", "-o", out}
	env := CleanEnv()
	if opts.Race {
		args = append(args, "-race")
		env = append(env, "CGO_ENABLED=1")
	} else {
		env = append(env, "CGO_ENABLED=0")
	}
	cmd := exec.CommandContext(ctx, goBin, append(args, Module+"/cmd/"+name)...) //nolint:gosec // the go tool on this module's own command
	cmd.Env = env
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build cmd/%s: %w\n%s", name, err, b)
	}
	return out, nil
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
