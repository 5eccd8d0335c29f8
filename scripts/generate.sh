#!/usr/bin/env bash
# Regenerates the Go code for every .proto file under internal/baton/pb.
# Usage: scripts/generate.sh [OUTPUT_DIR]   (default: the source tree itself)
# Needs protoc (Debian package protobuf-compiler); the Go plugins are pinned in go.mod as tools.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-internal/baton/pb}"
mkdir -p "$out"
command -v protoc >/dev/null || { echo "protoc not found: install it with 'apt-get install protobuf-compiler'" >&2; exit 1; }
gen_go=$(go tool -n protoc-gen-go)
gen_grpc=$(go tool -n protoc-gen-go-grpc)
mapfile -t protos < <(cd internal/baton/pb && find . -name '*.proto' ! -path './third_party/*' | sed 's|^\./||' | sort)
inc=(-I internal/baton/pb -I internal/baton/pb/third_party)
[ -d /usr/include/google/protobuf ] && inc+=(-I /usr/include)
protoc "${inc[@]}" \
  --plugin=protoc-gen-go="$gen_go" --plugin=protoc-gen-go-grpc="$gen_grpc" \
  --go_out="$out" --go_opt=paths=source_relative \
  --go-grpc_out="$out" --go-grpc_opt=paths=source_relative \
  "${protos[@]}"
