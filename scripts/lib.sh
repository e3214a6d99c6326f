# shellcheck shell=bash
# Helpers shared by scripts/kafka.sh and scripts/redis.sh. Source it after
# setting NAME (message prefix), STATE (the service's state folder) and HOST,
# and after defining our_pid (the running service's pid, or failure).

say() { echo "$NAME: $*" >&2; }
die() { say "$*"; exit 1; }

# Serialise concurrent callers (e.g. parallel test packages) on fd 9; held
# until exit.
lock() {
  [[ -n ${LOCKED:-} ]] && return 0
  mkdir -p "$STATE"
  exec 9>"$STATE/.lock"
  flock 9
  LOCKED=1
}

port_busy() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# terminate PID WHAT SECONDS: SIGTERM, then SIGKILL if our_pid still answers
# after SECONDS. Fails (status 1) when it had to kill.
terminate() {
  local pid=$1 what=$2 secs=$3
  say "stopping $what (pid $pid)"
  kill -TERM "$pid"
  for _ in $(seq $((secs * 10))); do
    our_pid >/dev/null || return 0
    sleep 0.1
  done
  say "$what did not stop within ${secs}s: SIGKILL"
  kill -KILL "$pid"
  while our_pid >/dev/null; do sleep 0.1; done
  return 1
}

# http_ok URL: true when a GET of URL answers 2xx within two seconds.
http_ok() { curl -fsS --max-time 2 -o /dev/null "$1" 2>/dev/null; }

# write_atomic FILE: stdin to FILE through a temporary file and a rename, so
# that a reader watching FILE never sees it half written.
write_atomic() {
  local tmp
  tmp=$(mktemp "$1.XXXXXX")
  cat >"$tmp"
  mv -f "$tmp" "$1"
}
