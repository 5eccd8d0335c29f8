// Package confluencetest is a simulated Confluence Cloud tenant: a deterministic, in-memory HTTP
// server that answers the REST endpoints the connector uses (v1 users, groups, memberships, user
// search and space-permission writes; v2 spaces, space permissions, users-bulk and RBAC space
// roles) with the JSON shapes, pagination styles, caps and errors of the real service as stated in
// the project's API fact sheet.
//
// It is written from that fact sheet, independently of the REST client in package confluence, so
// that client bugs show up as test failures instead of being mirrored by the test double.
//
// # Using it
//
//	srv, err := confluencetest.NewServer(confluencetest.Small())
//	if err != nil { ... }
//	defer srv.Close()
//	// srv.URL() is the site URL ("http://127.0.0.1:PORT"); Basic auth with
//	// srv.Config().Username and srv.Config().APIToken.
//	truth := srv.Truth() // what the API serves, for building expected results
//
// The data is generated from [Config.Seed] and the sizes in [Config]: the same configuration
// always yields the same [Truth] and byte-identical response bodies. Mutations (group membership,
// space permissions, role assignments) change the state, and [Server.Truth] reflects them.
//
// # Behaviour worth knowing
//
//   - Every endpoint also answers under the API gateway prefix /ex/confluence/{cloudId}/wiki/...;
//     links in bodies stay site-relative, like the real gateway.
//   - v1 lists page with start/limit and silently cap limit at the endpoint maximum, except
//     membersByGroupId, which answers 400 above 200. v1 _links.next is relative to _links.base
//     (which ends in /wiki).
//   - v2 lists page with opaque cursors (standard base64 with padding, so they must be
//     URL-escaped), return the next page both in the Link header and in _links.next, and answer
//     400 for a limit outside 1–250.
//   - search/user returns at most SearchCap (10,000) results per query; users past the cap are
//     reachable only through group membership. Its totalSize equals the page size (as observed on
//     real tenants), so it must not be trusted.
//   - v1 POSTs need Content-Type: application/json (else 415) and X-Atlassian-Token: no-check
//     (else 403 "XSRF check failed").
//   - Faults ([Faults]) inject latency, 429 rate limiting with the Atlassian headers, 500/503,
//     malformed or truncated bodies, HTML answers, dropped connections, token revocation and
//     vanished groups/spaces, deterministically from a seed for a sequential client.
//
// Outside the Confluence paths the handler also serves GET /_sim/stats, POST /_sim/stats/reset,
// GET /_sim/truth and GET|PUT /_sim/faults (JSON; no auth, no faults, not counted), for scripts
// that run the simulator as a separate process (cmd/confluence-sim).
//
// # Simplifications
//
// Every space is visible to the authenticated admin (no per-space visibility filtering); v1
// DELETEs do not require the XSRF header; users and spaces cannot be created; adding an existing
// group member answers 201 (the real behaviour is undocumented); role-typed permission
// principals use the ACCESS_CLASS ids (anonymous-users, all-licensed-users), since the real ids
// are undocumented.
package confluencetest
