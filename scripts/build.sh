#!/usr/bin/env sh
# Builds the static baton-confluence binary. The Dockerfile's build stage runs exactly this script,
# and a test (cmd/baton-confluence) runs it too, so the container build cannot silently rot.
# Usage: scripts/build.sh OUTPUT [VERSION]
set -eu
out=${1:?usage: scripts/build.sh OUTPUT [VERSION]}
version=${2:-dev}
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${version}" -o "$out" ./cmd/baton-confluence
