// Package kubernetes holds the manifests for running baton-confluence in service mode in a
// cluster (secret.yaml, deployment.yaml, kustomization.yaml); its test checks them.
package kubernetes
