// Command baton-confluence syncs Atlassian Confluence Cloud access (users, groups, spaces,
// permissions, RBAC roles) into a c1z file and provisions access, one-shot or as a long-lived
// ConductorOne connector (service mode).
package main

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	stop := startCPUProfile(os.Getenv("BATON_CPU_PROFILE"))
	code := run()
	stop()
	os.Exit(code)
}

// startCPUProfile writes a pprof CPU profile of the whole run to path (for performance work:
// BATON_CPU_PROFILE=cpu.prof baton-confluence ...; go tool pprof cpu.prof).
func startCPUProfile(path string) func() {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "BATON_CPU_PROFILE: %v\n", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}
}
