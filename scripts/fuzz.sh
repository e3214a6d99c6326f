#!/usr/bin/env bash
# Runs every fuzz target for a short time: scripts/fuzz.sh [duration, default 15s].
# New crashers land in the package's testdata/fuzz/ and fail the run.
set -euo pipefail
cd "$(dirname "$0")/.."
time=${1:-15s}
for pkg in $(go list ./...); do
  for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
    echo "fuzz.sh: $pkg $target ($time)" >&2
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$time" "$pkg"
  done
done
