#!/usr/bin/env bash
# Real single-node Apache Kafka (KRaft, combined broker+controller) on 127.0.0.1
# for integration tests and CI. Jars come from Maven Central (scripts/kafka/pom.xml).
#
#   scripts/kafka.sh fetch|start|stop|restart|status|logs|tool CLASS ARGS...
#
# The broker has three client listeners on 127.0.0.1: PLAINTEXT (19092, what
# most tests use), SSL (19094) and SASL_SSL with SCRAM-SHA-512 (19095). Both
# secured listeners present a certificate for 127.0.0.1 signed by a test CA
# that start generates with openssl (<cache>/kafka/tls/ca.pem; reused while
# valid for another day); the SCRAM user is created when the data is
# formatted, with a random password kept in <cache>/kafka/scram.
#
# start prints the PLAINTEXT bootstrap address as its last stdout line and
# writes <cache>/kafka/env: export CIRCLEGUARD_TEST_KAFKA=... and, for the
# secured listeners, CIRCLEGUARD_TEST_KAFKA_TLS, _SASL, _CA, _SASL_USER and
# _SASL_PASSWORD. It fails unless all three listeners answer (kcat checks
# each, the secured ones verifying the certificate against the CA). Data
# survives stop/start/restart; delete <cache>/kafka/data to start from
# scratch. Data formatted without the SCRAM user (by an older version of
# this script) is wiped, as after a port change.
#
# Env: CIRCLEGUARD_CACHE (default <repo>/.cache), CIRCLEGUARD_KAFKA_PORT (19092),
#      CIRCLEGUARD_KAFKA_CONTROLLER_PORT (19093), CIRCLEGUARD_KAFKA_TLS_PORT (19094),
#      CIRCLEGUARD_KAFKA_SASL_PORT (19095), CIRCLEGUARD_KAFKA_START_TIMEOUT (60 s),
#      JAVA_HOME (default: java on PATH).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
POM=$REPO/scripts/kafka/pom.xml
LOG4J_CONF=$REPO/scripts/kafka/log4j2.yaml
CACHE=${CIRCLEGUARD_CACHE:-$REPO/.cache}
KDIR=$CACHE/kafka
LIBS=$KDIR/libs
DATA=$KDIR/data
CONF=$KDIR/server.properties
LOG=$KDIR/broker.log
PIDFILE=$KDIR/broker.pid
HOST=127.0.0.1
PORT=${CIRCLEGUARD_KAFKA_PORT:-19092}
CPORT=${CIRCLEGUARD_KAFKA_CONTROLLER_PORT:-19093}
ADDR=$HOST:$PORT
TLS_PORT=${CIRCLEGUARD_KAFKA_TLS_PORT:-19094}
SASL_PORT=${CIRCLEGUARD_KAFKA_SASL_PORT:-19095}
TLS_ADDR=$HOST:$TLS_PORT
SASL_ADDR=$HOST:$SASL_PORT
TLSDIR=$KDIR/tls
SCRAM_USER=circleguard
SCRAM_FILE=$KDIR/scram  # the SCRAM user's password; present only for data formatted with it
START_TIMEOUT=${CIRCLEGUARD_KAFKA_START_TIMEOUT:-60}
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java

NAME=kafka.sh STATE=$KDIR
# shellcheck source=scripts/lib.sh
. "$REPO/scripts/lib.sh"

fetch() {
  lock
  local want
  want=$(sha256sum "$POM" | cut -d' ' -f1)
  [[ -f $LIBS/.pom.sha256 && $(cat "$LIBS/.pom.sha256") == "$want" ]] && return 0
  say "fetching Kafka jars into $LIBS"
  rm -rf "$LIBS.tmp"
  mvn -q -B -f "$POM" dependency:copy-dependencies -DoutputDirectory="$LIBS.tmp" >&2
  echo "$want" >"$LIBS.tmp/.pom.sha256"  # marker: written only after a complete copy
  rm -rf "$LIBS"
  mv "$LIBS.tmp" "$LIBS"
}

# pid of the broker this script started, if that process is still alive
# (not a zombie: a zombie's cmdline is empty, while kill -0 would still succeed).
our_pid() {
  local pid
  pid=$(cat "$PIDFILE" 2>/dev/null) || return 1
  # Guard against pid reuse: the process must be a broker using our config.
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -F "kafka.Kafka $CONF" >/dev/null || return 1
  echo "$pid"
}

# AppCDS class-data archive: the first broker run dumps the classes it loaded
# when it exits (to .tmp, published by a clean stop); later runs map them,
# which cuts startup CPU by ~40%. Only class loading changes, not the JIT.
# The archive belongs to one set of jars (so it lives in libs/, replaced on
# re-fetch) and one JVM (so the java binary's path and mtime are in its name).
cds_archive() {
  local j
  j=$(readlink -f "$(command -v "$JAVA")")
  echo "$LIBS/cds-$(echo "$j $(stat -c %Y "$j")" | cksum | cut -d' ' -f1).jsa"
}


# True when the broker answers a metadata request and lists itself. The plain
# TCP check first avoids kcat's metadata timeout while nothing listens yet.
# (grep without -q: an early exit could SIGPIPE kcat and fail the pipeline.)
answering() {
  command -v kcat >/dev/null || die "kcat not found (apt-get install kcat)"
  port_busy "$PORT" &&
    kcat -b "$ADDR" -L -m 3 -t __circleguard_probe 2>/dev/null | grep -F "broker 1 at $ADDR" >/dev/null
}

# gen_certs makes a test CA and a certificate for $HOST it signs, with the
# broker's PEM key store (PKCS #8 key, then the certificate), unless those in
# $TLSDIR stay valid for another day. The CA's key is not kept.
gen_certs() {
  if [[ -f $TLSDIR/ca.pem && -f $TLSDIR/broker.pem && -f $TLSDIR/broker-keystore.pem ]] &&
    openssl x509 -checkend 86400 -noout -in "$TLSDIR/ca.pem" >/dev/null 2>&1 &&
    openssl x509 -checkend 86400 -noout -in "$TLSDIR/broker.pem" >/dev/null 2>&1; then
    return 0
  fi
  command -v openssl >/dev/null || die "openssl not found (apt-get install openssl)"
  local t=$TLSDIR.tmp
  rm -rf "$t"
  mkdir -p "$t"
  chmod 700 "$t"
  {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days 365 \
      -subj "/CN=circleguard test CA" -keyout "$t/ca.key" -out "$t/ca.pem" &&
      openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 \
        -subj "/CN=$HOST" -keyout "$t/broker.key" -out "$t/broker.csr" &&
      printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:%s,DNS:localhost\n' "$HOST" >"$t/broker.ext" &&
      openssl x509 -req -in "$t/broker.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" -set_serial "0x$(openssl rand -hex 8)" \
        -days 365 -sha256 -extfile "$t/broker.ext" -out "$t/broker.pem" &&
      openssl verify -CAfile "$t/ca.pem" "$t/broker.pem"
  } >"$t/openssl.log" 2>&1 || { cat "$t/openssl.log" >&2; die "generating the test certificates failed"; }
  (umask 077 && cat "$t/broker.key" "$t/broker.pem" >"$t/broker-keystore.pem")
  rm -f "$t/ca.key" "$t/broker.csr" "$t/broker.ext" "$t/openssl.log"
  # kcat's config for the SSL listener: kcat -F <file> -b <addr> -L
  printf 'security.protocol=ssl\nssl.ca.location=%s\n' "$TLSDIR/ca.pem" >"$t/kcat-tls.conf"
  rm -rf "$TLSDIR"
  mv "$t" "$TLSDIR"
  say "generated a test CA and a broker certificate for $HOST in $TLSDIR"
}

# client_confs writes the Java client configs of the secured listeners
# (for `kafka.sh tool ... --command-config FILE`); the SASL_SSL one holds
# the password (mode 600).
client_confs() {
  printf 'security.protocol=SSL\nssl.truststore.type=PEM\nssl.truststore.location=%s\n' \
    "$TLSDIR/ca.pem" >"$TLSDIR/client-tls.properties"
  (umask 077 && printf '%s\n' 'security.protocol=SASL_SSL' 'ssl.truststore.type=PEM' "ssl.truststore.location=$TLSDIR/ca.pem" \
    'sasl.mechanism=SCRAM-SHA-512' \
    "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"$SCRAM_USER\" password=\"$(cat "$SCRAM_FILE")\";" \
    >"$TLSDIR/client-sasl.properties")
}

# tls_answering: true when kcat lists the broker through the SSL listener,
# verifying its certificate against the CA. The last error is in
# $KDIR/probe.log.
tls_answering() {
  port_busy "$TLS_PORT" &&
    kcat -F "$TLSDIR/kcat-tls.conf" -b "$TLS_ADDR" -L -m 5 -t __circleguard_probe 2>"$KDIR/probe.log" |
    grep -F "broker 1 at $TLS_ADDR" >/dev/null
}

# sasl_answering: true when Kafka's own admin client lists topics through
# the SASL_SSL listener, logged in as the SCRAM user. (Not kcat: Debian's
# librdkafka 2.0 fails SCRAM against Kafka 4 brokers, edenhill/kcat#462.)
sasl_answering() {
  port_busy "$SASL_PORT" &&
    timeout 60 "$JAVA" -cp "$LIBS/*" -Dlog4j2.configurationFile="$LOG4J_CONF" -Dcircleguard.kafka.log.level=ERROR \
      org.apache.kafka.tools.TopicCommand --bootstrap-server "$SASL_ADDR" \
      --command-config "$TLSDIR/client-sasl.properties" --list >"$KDIR/probe.log" 2>&1 9>&-
}

write_config() {
  cat >"$CONF" <<EOF
# Generated by scripts/kafka.sh on every start; edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=$HOST:$CPORT
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CPORT,SSL://$HOST:$TLS_PORT,SASL_SSL://$HOST:$SASL_PORT
advertised.listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CPORT,SSL://$HOST:$TLS_PORT,SASL_SSL://$HOST:$SASL_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$DATA

# SSL and SASL_SSL: the test CA's certificate for $HOST in a PEM key store
# (key and chain in one file, no store password); no client certificates.
ssl.keystore.type=PEM
ssl.keystore.location=$TLSDIR/broker-keystore.pem
ssl.client.auth=none
# SASL_SSL takes SCRAM-SHA-512 only, checked against the credentials in the
# metadata log (the user is added when the data is formatted). The login
# module needs no credentials of its own: brokers talk over PLAINTEXT.
sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;

# Single node: every internal topic has one replica.
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1

# Fast tests: topics are created explicitly, groups form at once, few
# internal partitions to load, short session timeouts allowed.
auto.create.topics.enable=false
num.partitions=1
group.initial.rebalance.delay.ms=0
offsets.topic.num.partitions=5
transaction.state.log.num.partitions=5
share.coordinator.state.topic.num.partitions=5
group.min.session.timeout.ms=1000
# After a SIGKILL the restarted node must wait out the dead incarnation's
# broker session before it may register again (default 9 s).
broker.session.timeout.ms=4000
broker.heartbeat.interval.ms=1000

# Modest on-disk footprint under the cache dir.
log.segment.bytes=33554432
log.retention.hours=24
log.retention.check.interval.ms=60000
EOF
}

start() {
  lock
  fetch
  local pid=""
  if pid=$(our_pid); then
    [[ $(cat "$KDIR/ports" 2>/dev/null) == "$PORT $CPORT" ]] ||
      die "the broker from $KDIR (pid $pid) uses other ports ($(cat "$KDIR/ports")): stop it first"
    [[ $(cat "$KDIR/secure-ports" 2>/dev/null) == "$TLS_PORT $SASL_PORT" ]] ||
      die "the broker from $KDIR (pid $pid) has no SSL/SASL_SSL listeners on $TLS_PORT/$SASL_PORT (started by an older kafka.sh or with other ports): $0 restart"
    say "broker already running (pid $pid)"
  else
    for p in "$PORT" "$CPORT" "$TLS_PORT" "$SASL_PORT"; do
      port_busy "$p" && die "port $p on $HOST is taken by a process this script did not start"
    done
    rm -f "$KDIR/env"  # written again once every listener answers
    gen_certs
    write_config
    # The KRaft metadata log records the controller's endpoint as the voter
    # set: data formatted for other ports cannot be reused, so start over.
    # Data formatted without the SCRAM user (an older kafka.sh) likewise.
    if [[ -f $DATA/meta.properties && $(cat "$KDIR/ports" 2>/dev/null) != "$PORT $CPORT" ]]; then
      say "ports changed: wiping $DATA"
      rm -rf "$DATA"
    elif [[ -f $DATA/meta.properties && ! -s $SCRAM_FILE ]]; then
      say "data formatted without the SCRAM user: wiping $DATA"
      rm -rf "$DATA"
    fi
    if [[ ! -f $DATA/meta.properties ]]; then
      # A cluster id is 16 random bytes in unpadded URL-safe base64, as
      # `kafka-storage.sh random-uuid` prints (saves a JVM start); an id that
      # starts with '-' would parse as an option.
      local cluster_id=-
      while [[ $cluster_id == -* ]]; do
        cluster_id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
      done
      # The SCRAM user's password: random, URL-safe base64 (no quoting needed).
      local scram_password
      scram_password=$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')
      # --standalone: this node is the single voter of a dynamic KRaft quorum.
      # --add-scram: the SASL_SSL listener's user, in the bootstrap metadata.
      "$JAVA" -cp "$LIBS/*" -Dlog4j2.configurationFile="$LOG4J_CONF" kafka.tools.StorageTool \
        format --standalone -t "$cluster_id" -c "$CONF" \
        --add-scram "SCRAM-SHA-512=[name=$SCRAM_USER,password=$scram_password]" >"$KDIR/format.log" 2>&1 ||
        { tail -n 50 "$KDIR/format.log" >&2; die "formatting $DATA failed"; }
      echo "$PORT $CPORT" >"$KDIR/ports"
      (umask 077 && echo "$scram_password" >"$SCRAM_FILE")
      say "formatted $DATA (cluster id $cluster_id, SCRAM-SHA-512 user $SCRAM_USER)"
    fi
    echo "$TLS_PORT $SASL_PORT" >"$KDIR/secure-ports"
    client_confs
    [[ -f $LOG ]] && mv "$LOG" "$LOG.1"  # keep the previous run's log once
    local cds cds_flag
    cds=$(cds_archive)
    rm -f "$LIBS"/cds-*.jsa.tmp  # left by a killed or crashed run: maybe partial
    if [[ -f $cds ]]; then cds_flag=-XX:SharedArchiveFile=$cds; else cds_flag=-XX:ArchiveClassesAtExit=$cds.tmp; fi
    # setsid: detach from the caller's process group so the broker outlives it
    # and a Ctrl-C there does not hit it. 9>&-: do not hand the lock to the JVM.
    # GC flags are the defaults of Kafka's own kafka-run-class.sh.
    setsid "$JAVA" -Xms256m -Xmx1g -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
      -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent "$cds_flag" \
      -Djava.awt.headless=true -Djava.net.preferIPv4Stack=true -Dlog4j2.configurationFile="$LOG4J_CONF" \
      -cp "$LIBS/*" kafka.Kafka "$CONF" </dev/null >"$LOG" 2>&1 9>&- &
    pid=$!
    echo "$pid" >"$PIDFILE"
    say "started broker (pid $pid), log: $LOG"
  fi

  await_ready "broker" "$pid"
  # The secured listeners open with the PLAINTEXT one: a failure here is a
  # TLS or SASL setup problem, not slowness. Fail loudly, naming it. A
  # running broker whose env file exists passed these checks when it
  # started; the SSL check is cheap enough to repeat.
  local why=""
  deadline=$((SECONDS + 15))
  until tls_answering; do
    if ((SECONDS >= deadline)); then why="SSL listener $TLS_ADDR (kcat -F $TLSDIR/kcat-tls.conf -b $TLS_ADDR -L)"; break; fi
    sleep 0.2
  done
  if [[ -z $why && ! -f $KDIR/env ]] && ! sasl_answering; then
    why="SASL_SSL listener $SASL_ADDR (SCRAM-SHA-512 as $SCRAM_USER; --command-config $TLSDIR/client-sasl.properties)"
  fi
  if [[ -n $why ]]; then
    tail -n 5 "$KDIR/probe.log" >&2 || true
    grep -E 'ERROR|SslAuthentication|SaslAuthentication|Failed authentication' "$LOG" | tail -n 10 >&2 || true
    die "the broker (pid $pid) answers on $ADDR but not on its $why: see $LOG"
  fi
  {
    echo "export CIRCLEGUARD_TEST_KAFKA=$ADDR"
    echo "export CIRCLEGUARD_TEST_KAFKA_TLS=$TLS_ADDR"
    echo "export CIRCLEGUARD_TEST_KAFKA_SASL=$SASL_ADDR"
    echo "export CIRCLEGUARD_TEST_KAFKA_CA=$TLSDIR/ca.pem"
    echo "export CIRCLEGUARD_TEST_KAFKA_SASL_USER=$SCRAM_USER"
    echo "export CIRCLEGUARD_TEST_KAFKA_SASL_PASSWORD=$(cat "$SCRAM_FILE")"
  } | write_atomic "$KDIR/env"
  echo "$ADDR"
}

stop() {
  lock
  local pid
  if pid=$(our_pid); then
    # SIGTERM is a controlled shutdown; a killed broker leaves a partial
    # class-data archive behind.
    terminate "$pid" broker 30 || rm -f "$LIBS"/cds-*.jsa.tmp
    # A clean exit has finished writing the class-data archive: publish it.
    for f in "$LIBS"/cds-*.jsa.tmp; do [[ -f $f ]] && mv "$f" "${f%.tmp}"; done
  fi
  rm -f "$PIDFILE" "$KDIR/env"
}

case ${1:-} in
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  status)
    if our_pid >/dev/null && answering; then echo "$ADDR"; else say "not running"; exit 1; fi ;;
  logs) echo "$LOG" ;;
  tool) # run a Kafka CLI class against the jars, e.g.
        # tool org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:19092 --list
    shift; fetch
    exec "$JAVA" -cp "$LIBS/*" -Dlog4j2.configurationFile="$LOG4J_CONF" \
      -Dcircleguard.kafka.log.level=WARN "$@" 9>&- ;;
  *) die "usage: $0 fetch|start|stop|restart|status|logs|tool CLASS ARGS..." ;;
esac
