#!/usr/bin/env bash
# All tests: unit, fuzz seeds, and integration against a real Apache Kafka
# broker and a real redis-server (both started here) with Debian's kcat.
# `make test` and .ci/run run this.
#
#   scripts/test.sh [go test flags…]     e.g. scripts/test.sh -run Integration
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
# The broker: fetched from Maven Central on first use, started, and stopped
# again on exit unless it was already running.
started=
if ! scripts/kafka.sh status >/dev/null 2>&1; then started=1; fi
addr=$(scripts/kafka.sh start | tail -n 1)
[ -n "$started" ] && trap 'scripts/kafka.sh stop' EXIT
export CIRCLEGUARD_TEST_KAFKA=$addr
echo "test.sh: real Kafka broker at $CIRCLEGUARD_TEST_KAFKA" >&2
# Redis: started fresh (it keeps no data) and stopped on exit.
CIRCLEGUARD_TEST_REDIS=$(scripts/redis.sh start | tail -n 1)
export CIRCLEGUARD_TEST_REDIS
if [ -n "$started" ]; then
  trap 'scripts/redis.sh stop; scripts/kafka.sh stop' EXIT
else
  trap 'scripts/redis.sh stop' EXIT
fi
echo "test.sh: real redis-server at $CIRCLEGUARD_TEST_REDIS" >&2

echo "test.sh: go vet" >&2
go vet ./...
echo "test.sh: go test" >&2
mkdir -p .cache
export CIRCLEGUARD_TEST_REPORT=$PWD/.cache/test-report.txt
rm -f "$CIRCLEGUARD_TEST_REPORT"
go test -race -shuffle=on -count=1 -timeout 25m "$@" ./...
if [ -s "$CIRCLEGUARD_TEST_REPORT" ]; then
  echo "test.sh: figures from the integration tests:"
  sed 's/^/  /' "$CIRCLEGUARD_TEST_REPORT"
fi
