// Package service runs a connector as a long-lived ConductorOne (C1) client ("service mode").
//
// [Run] authenticates with the client credentials C1 issued (an EdDSA-signed client assertion
// exchanged for an access token), announces the connector with Hello, then polls BatonService for
// tasks and executes them until its context is cancelled:
//
//   - hello: answered with another Hello carrying the task id (no FinishTask);
//   - sync_full: a full sync into a temporary c1z (through [Deps].Sync) with heartbeats while it
//     runs, uploaded with UploadAsset, then FinishTask;
//   - grant / revoke: executed through the connector's provisioners when provisioning is enabled;
//   - anything else: FinishTask with "unsupported task type".
//
// The connector runs in-process; only the C1 side is remote. One TLS gRPC connection is kept for
// the whole run. Shutdown (cancelling Run's context, e.g. on SIGTERM or SIGINT) stops polling,
// lets running tasks finish within [Config].ShutdownGrace, then cancels them and reports them to
// C1 as retryable, removes their temporary files and returns nil.
//
// The wire behaviour follows the upstream SDK's service mode; differences are deliberate and
// invisible to C1 (persistent connection, local poll floor, SIGTERM handled like SIGINT,
// unsupported tasks non-retryable) and are listed where they are implemented.
package service
