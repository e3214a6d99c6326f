#!/usr/bin/env bash
# Installs the Debian packages the tests need, when they are missing:
# kcat (an independent Kafka client for the end-to-end tests),
# redis-server (the Redis repetition store's tests) and prometheus, which
# brings promtool (the dashboards' and alert rules' tests; scripts/prometheus.sh
# runs the binary itself, never Debian's prometheus service).
# Java 17 and Maven (for the real Kafka broker) and Go come with the machine.
# Needs root (or sudo) and Debian's apt; otherwise it says what to install.
set -euo pipefail

need=()
command -v kcat >/dev/null || need+=(kcat)
command -v redis-server >/dev/null && command -v redis-cli >/dev/null || need+=(redis-server)
command -v prometheus >/dev/null && command -v promtool >/dev/null || need+=(prometheus)
for tool in java mvn go; do
  command -v "$tool" >/dev/null || { echo "deps.sh: $tool is required but not installed" >&2; exit 1; }
done
[ ${#need[@]} -eq 0 ] && exit 0

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
if ! command -v apt-get >/dev/null; then
  echo "deps.sh: please install: ${need[*]}" >&2
  exit 1
fi
echo "deps.sh: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2
# policy-rc.d: a package must not start its service (prometheus would take
# port 9090 and scrape the machine); the tests run the binaries themselves.
# Only while installing, and only when no policy is in place already.
policy=/usr/sbin/policy-rc.d
if [ ! -e $policy ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee $policy >/dev/null
  $SUDO chmod +x $policy
  trap '$SUDO rm -f $policy' EXIT
fi
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
# The binaries each package must bring (a package name is not a command).
missing=()
for pkg in "${need[@]}"; do
  case $pkg in
    redis-server) bins=(redis-server redis-cli) ;;
    prometheus) bins=(prometheus promtool) ;;
    *) bins=("$pkg") ;;
  esac
  for bin in "${bins[@]}"; do
    command -v "$bin" >/dev/null || missing+=("$bin (package $pkg)")
  done
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps.sh: still missing after apt-get install: ${missing[*]}" >&2
  exit 1
fi
