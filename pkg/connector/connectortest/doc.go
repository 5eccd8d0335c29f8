// Package connectortest computes, from a simulated tenant's ground truth
// (confluencetest.Truth), exactly what a sync of the Confluence connector must store: every
// resource, entitlement and grant, including the grants derived by group expansion. End-to-end
// tests compare it with the content of the c1z the sync engine wrote.
//
// It is written from the specification (the reference connector's observed output plus this
// connector's documented deviations), independently of the connector's own mapping functions,
// using only the SDK builders, so a mapping bug in the connector shows up as a difference.
package connectortest
