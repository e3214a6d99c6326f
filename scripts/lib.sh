# shellcheck shell=bash
# Helpers shared by scripts/kafka.sh, redis.sh and prometheus.sh. Source it
# after setting NAME (message prefix), STATE (the service's state folder) and
# HOST, and after defining our_pid (the running service's pid, or failure).

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

# await_ready WHAT PID: wait until the caller's `answering` succeeds. If the
# process dies first, or START_TIMEOUT seconds pass (then it is killed and
# its PIDFILE removed), show the tail of LOG and fail naming WHAT and ADDR.
await_ready() {
  local what=$1 pid=$2 deadline=$((SECONDS + START_TIMEOUT))
  until answering; do
    if ! our_pid >/dev/null; then
      tail -n 50 "$LOG" >&2 || true
      die "$what (pid $pid) exited during startup"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 50 "$LOG" >&2 || true
      kill -KILL "$pid" 2>/dev/null || true  # leave nothing half started behind
      rm -f "$PIDFILE"
      die "$what (pid $pid) did not answer on $ADDR within ${START_TIMEOUT}s; killed it"
    fi
    sleep 0.1
  done
}
