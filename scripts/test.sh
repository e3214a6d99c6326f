#!/usr/bin/env bash
# All tests: unit, fuzz seeds, and integration against a real Apache Kafka
# broker, a real redis-server and a real Prometheus (all started here) with
# Debian's kcat and promtool.
# `make test` and .ci/run run this.
#
#   scripts/test.sh [go test flags…]     e.g. scripts/test.sh -run Integration
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
# Stop on exit, in reverse order, what this script started; a service that
# was already running (someone's own) is used and left running.
stops=()
on_exit() {
  local i
  for ((i = ${#stops[@]} - 1; i >= 0; i--)); do ${stops[i]} || true; done
}
trap on_exit EXIT
# The broker: fetched from Maven Central on first use.
scripts/kafka.sh status >/dev/null 2>&1 || stops+=("scripts/kafka.sh stop")
CIRCLEGUARD_TEST_KAFKA=$(scripts/kafka.sh start | tail -n 1)
export CIRCLEGUARD_TEST_KAFKA
echo "test.sh: real Kafka broker at $CIRCLEGUARD_TEST_KAFKA" >&2
# Redis (it keeps no data): stopped on exit if this script started it.
scripts/redis.sh status >/dev/null 2>&1 || stops+=("scripts/redis.sh stop")
CIRCLEGUARD_TEST_REDIS=$(scripts/redis.sh start | tail -n 1)
export CIRCLEGUARD_TEST_REDIS
echo "test.sh: real redis-server at $CIRCLEGUARD_TEST_REDIS" >&2
# Prometheus: scrapes what the dashboards' tests write into the file_sd
# targets file, loads the rules they copy into the rules folder.
scripts/prometheus.sh status >/dev/null 2>&1 || stops+=("scripts/prometheus.sh stop")
scripts/prometheus.sh start >/dev/null
# shellcheck source=/dev/null
. "${CIRCLEGUARD_CACHE:-$PWD/.cache}/prometheus/env"  # CIRCLEGUARD_TEST_PROMETHEUS{,_TARGETS,_RULES}
echo "test.sh: real Prometheus at $CIRCLEGUARD_TEST_PROMETHEUS (targets $CIRCLEGUARD_TEST_PROMETHEUS_TARGETS)" >&2

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
