#!/usr/bin/env bash
# Installs the Debian packages the tests need, when they are missing:
# kcat (an independent Kafka client for the end-to-end tests) and
# redis-server (the Redis repetition store's tests).
# Java 17 and Maven (for the real Kafka broker) and Go come with the machine.
# Needs root (or sudo) and Debian's apt; otherwise it says what to install.
set -euo pipefail

need=()
command -v kcat >/dev/null || need+=(kcat)
command -v redis-server >/dev/null && command -v redis-cli >/dev/null || need+=(redis-server)
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
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
for pkg in "${need[@]}"; do
  command -v "$pkg" >/dev/null || { echo "deps.sh: $pkg still missing after apt-get install" >&2; exit 1; }
done
