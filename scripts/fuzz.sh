#!/usr/bin/env bash
# Fuzz every parser (make fuzz): each Fuzz* target in the module runs for FUZZTIME (default 2m)
# on one worker, one after another, and the script prints one line per target. A finding is
# written by go test under the package's testdata/fuzz/<Target>/ (commit it with the fix) and
# makes the script exit non-zero after the remaining targets have run.
#
# Usage: scripts/fuzz.sh [regexp]        only targets whose name matches
#   FUZZTIME=30s scripts/fuzz.sh Decode
set -uo pipefail
cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-2m}
filter=${1:-.}
failed=0
while IFS=: read -r file name; do
  pkg=$(dirname "$file")
  start=$(date +%s)
  if out=$(go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" -parallel 1 "$pkg" 2>&1); then
    status=ok
  else
    status=FAIL
    failed=1
  fi
  execs=$(printf '%s\n' "$out" | grep -Eo 'execs: [0-9]+' | tail -1 | cut -d' ' -f2)
  printf '%-5s %-32s %-44s %4ss  %s execs\n' "$status" "$name" "$pkg" "$(($(date +%s) - start))" "${execs:-?}"
  if [ "$status" = FAIL ]; then
    printf '%s\n' "$out" | tail -30
  fi
done < <(grep -rHo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*' . | sed 's/func //' | grep -E ":.*${filter}" | sort)
exit $failed
