#!/usr/bin/env sh
# End-to-end benchmark (make bench): builds baton-confluence and confluence-sim the way releases
# are built, then runs test/bench, which starts the simulator as a separate process per scenario,
# syncs each tenant into a fresh c1z, prints one table row per scenario (checking the content
# against the simulator's ground truth) and runs the hot-path micro-benchmarks in a short mode.
# About 8-10 minutes on a 2-core machine.
#
# Usage: scripts/bench.sh [test/bench flags...]
#   BENCH_REPEAT=3 scripts/bench.sh               medians of three runs per scenario
#   scripts/bench.sh -scenarios rate20 -micro=false
#   scripts/bench.sh -sweep 8x8,12x12,16x16        workers x client concurrency at 50 ms
set -eu
cd "$(dirname "$0")/.."
bin=$(mktemp -d "${TMPDIR:-/tmp}/baton-bench-bin.XXXXXX")
trap 'rm -rf "$bin"' EXIT INT TERM
scripts/build.sh "$bin/baton-confluence" bench
CGO_ENABLED=0 go build -trimpath -o "$bin/confluence-sim" ./cmd/confluence-sim
go build -o "$bin/bench" ./test/bench
"$bin/bench" -bin "$bin" "$@"
