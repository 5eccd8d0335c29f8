// Command baton-confluence syncs Atlassian Confluence Cloud access (users, groups, spaces,
// permissions, RBAC roles) into a c1z file and provisions access, one-shot or as a long-lived
// ConductorOne connector (service mode).
package main

import "os"

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run())
}
