// Package security holds the end-to-end tests that keep secrets in and hostile input out, run
// against the real baton-confluence binary (built once per test run) and the simulated
// Confluence Cloud tenant:
//
//   - the API token, the Basic auth header, the ConductorOne client secret and the bearer
//     tokens it is exchanged for never appear in anything a run writes (stdout, stderr, --log-path
//     files at debug level, the c1z decompressed, the temp and output directories, `config`
//     output), for successful and failing runs, even when the server echoes them back;
//   - credentials never travel over plain http except to loopback, TLS below 1.2 is refused,
//     and a redirect to another host does not carry the Authorization header;
//   - every documented form of the domain URL works and invalid ones fail before any request;
//   - hostile noun and verb values, ids with unicode, separators and great length, odd page
//     cursors and JSON with unexpected nulls and extra fields neither crash a run nor corrupt an
//     id.
//
// There is no non-test code: the harness lives in package test/faults.
package security
