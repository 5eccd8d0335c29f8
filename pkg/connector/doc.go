// Package connector is the Confluence Cloud connector: it implements
// connectorbuilder.Connector on top of the REST client in package confluence.
//
// It serves five resource types, in this order: user, group, space, space_role and
// space_role_assignment. The two RBAC types are always present (so the advertised capabilities
// match the canonical connector's), but without Config.UseRBAC they list nothing and make no
// requests.
//
// # Shape
//
// Every syncer call makes one request, maps the answer with pure functions (the map_*.go files:
// no context, no client) and returns the next page token, with three deliberate exceptions that
// save requests or round trips: a List call of the user search reads a batch of search pages
// (concurrently once the server is seen to honour the page size) and looks up, with one
// users-bulk call per 250 accounts across the batch, the status of the accounts without
// operations; a List call of the member phase of the user listing reads a batch of groups'
// members concurrently; and the Grants of groups and role bindings are served from what the
// listings already read (no request). Page tokens are typed structs encoded as
// JSON (cursor.go); they hold everything needed to continue, so a sync resumed by a new process
// picks up where the old one stopped.
//
// # Users
//
// Users are every atlassian account reachable by the API, each listed once: first the user search
// with sitePermissionTypeFilter=all (guests and unlicensed users included), then the members of
// every group, which reaches users past the search's 10,000-result cap. The search is offset
// based and its totalSize is not trusted, so the first List call fetches one page and, when that
// page came back full (the server honours the page size), the next three at once; later calls
// fetch eight pages at once, never past the 10,000-result cap. A page that is not full ends the
// batch: the last page (no next link) ends the search, and a short page with a next link (a
// server that capped the page) continues from the results actually returned, one page per call
// until a page comes back full again (see usersearch.go). The members of a batch of
// groups are fetched concurrently in one List call and cached per group, so the group syncer's
// Grants use them without asking again: each group's members are read once per sync. Accounts
// without product operations get their status from users-bulk (active, or inactive/closed).
//
// # Caches
//
// The connector keeps small per-process caches, guarded by mutexes because the engine calls
// syncers concurrently: group members and each space's role assignments (both consumed by
// Grants, entry by entry), the group list pages, the account ids already listed, space names
// and keys, role names and, for provisioning, each space's permission ids. Validate starts a new
// sync and clears the per-sync ones. A cache miss (for example after a resume in a new process)
// costs a request, never a wrong answer.
//
// # Deliberate differences from the canonical connector
//
//   - Users come from the search with sitePermissionTypeFilter=all and from every group's
//     members (the canonical never sends the filter, so guests and unlicensed users without a
//     group were missing, and it stopped the search early on a short page).
//   - The user trait status follows the account status (the canonical always writes enabled),
//     and the status of accounts without operations comes from users-bulk.
//   - Space entitlements are grantable to users and groups (the canonical's second call replaced
//     the first, leaving only groups).
//   - Spaces carry a profile {space_key, space_type, space_status} (the canonical has none), so
//     archived and personal spaces can be told apart.
//   - Role bindings exist for every role with an assignee in a space, with no guess based on the
//     number of roles.
//   - Provisioning is idempotent (GrantAlreadyExists / GrantAlreadyRevoked), checks before it
//     writes, never repeats a write whose answer was lost, and uses the documented v1
//     space-permission paths with the space key (the canonical passed the numeric id).
package connector
