// Package e2e holds end-to-end tests of service mode: they build the real baton-confluence and
// c1-fake binaries and run them as processes against an in-process simulated Confluence tenant,
// checking what ConductorOne would see (the uploaded c1z, FinishTask reports, heartbeats, exit
// codes) and what the tenant looks like afterwards. The package has no non-test code.
package e2e
