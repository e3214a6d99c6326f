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
cache=${CIRCLEGUARD_CACHE:-$PWD/.cache}
# The broker: fetched from Maven Central on first use. start prints its
# PLAINTEXT address and writes <cache>/kafka/env, which exports it with the
# SSL and SASL_SSL listeners, their CA and the SCRAM user and password.
scripts/kafka.sh status >/dev/null 2>&1 || stops+=("scripts/kafka.sh stop")
kafka_addr=$(scripts/kafka.sh start | tail -n 1)
# shellcheck source=/dev/null
. "$cache/kafka/env"  # CIRCLEGUARD_TEST_KAFKA{,_TLS,_SASL,_CA,_SASL_USER,_SASL_PASSWORD}
if [ "${CIRCLEGUARD_TEST_KAFKA:-}" != "$kafka_addr" ]; then
  echo "test.sh: $cache/kafka/env names broker ${CIRCLEGUARD_TEST_KAFKA:-none}, but kafka.sh started $kafka_addr" >&2
  exit 1
fi
echo "test.sh: real Kafka broker at $CIRCLEGUARD_TEST_KAFKA (SSL ${CIRCLEGUARD_TEST_KAFKA_TLS:-none}, SASL_SSL ${CIRCLEGUARD_TEST_KAFKA_SASL:-none})" >&2
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
. "$cache/prometheus/env"  # CIRCLEGUARD_TEST_PROMETHEUS{,_TARGETS,_RULES}
echo "test.sh: real Prometheus at $CIRCLEGUARD_TEST_PROMETHEUS (targets $CIRCLEGUARD_TEST_PROMETHEUS_TARGETS)" >&2

echo "test.sh: go vet" >&2
go vet ./...
echo "test.sh: go test" >&2
mkdir -p .cache
export CIRCLEGUARD_TEST_REPORT=$PWD/.cache/test-report.txt
rm -f "$CIRCLEGUARD_TEST_REPORT"
# The figures are printed even when a test fails (a FAIL row says which).
status=0
go test -race -shuffle=on -count=1 -timeout 25m "$@" ./... || status=$?
if [ -s "$CIRCLEGUARD_TEST_REPORT" ]; then
  echo "test.sh: figures from the integration tests:"
  sed 's/^/  /' "$CIRCLEGUARD_TEST_REPORT"
  # The reliability scenarios' rows (reliability_integration_test.go) as
  # a table: "TestName: reliability|scenario|in|verdicts|dead|lost|dup|recovery s|result|note".
  if grep -q ': reliability|' "$CIRCLEGUARD_TEST_REPORT"; then
    echo "test.sh: reliability (issue 8):"
    awk -F'|' '/: reliability\|/ {
      if (!h++) printf "  %-28s %9s %9s %6s %5s %5s %9s %-6s %s\n", "scenario", "posts in", "verdicts", "dead", "lost", "dup", "recovery", "result", "note"
      printf "  %-28s %9s %9s %6s %5s %5s %9s %-6s %s\n", $2, $3, $4, $5, $6, $7, ($8 == "-" ? "-" : $8 "s"), $9, $10
    }' "$CIRCLEGUARD_TEST_REPORT"
  fi
fi
exit $status
