#!/usr/bin/env bash
# kafka-local.sh - run a real Apache Kafka broker (KRaft, no ZooKeeper) on 127.0.0.1
# for libkafka_rs integration tests. The broker runs from the Maven Central jars
# listed in scripts/kafka/pom.xml; no Kafka tarball, no Docker.
#
# Usage: scripts/kafka-local.sh <command> [args]
#
#   fetch                 download the jars (mvn dependency:copy-dependencies) into the
#                         cache; no-op when the cache is already complete
#   clients-jar [VERSION] fetch, then print the path of the cached kafka-clients jar (the
#                         source of Kafka's JSON message specs for scripts/gen_protocol.py);
#                         VERSION defaults to 4.3.1, the release the generated protocol code is
#                         pinned to - KAFKA_VERSION does not change it
#   start                 single combined broker+controller node:
#                           PLAINTEXT 127.0.0.1:9092, CONTROLLER 127.0.0.1:9093,
#                           SASL_PLAINTEXT 9094, SSL (mTLS) 9095, SASL_SSL 9096
#                           (users, certificates: see "Secured listeners" below)
#   start --cluster3      three combined nodes, one cluster id, static voters:
#                           PLAINTEXT 127.0.0.1:9192,9292,9392; CONTROLLER 9193,9293,9393;
#                           auto.create.topics.enable=false (the single node has it on)
#                         (does not collide with the single node; both may run at once)
#   stop [--single|--cluster3]
#                         SIGTERM via pid file, SIGKILL after 30 s; default: everything
#   status                one line per node; exit 0 = something runs and all of it is
#                         ready, 3 = nothing runs, 1 = a node is dead or not ready
#   logs [N]              last N (default 50) lines of every node's server log
#   restart [--kill]      stop the single node (SIGTERM; --kill: SIGKILL, as a crash) and start
#                         it again on the same data and ports; waits until it is ready
#   kill-node <1|2|3>     SIGKILL one node of the 3-node cluster (its data stays)
#   restart-node <1|2|3>  start that node again on its data and wait until it is ready
#   java-tool <MainClass> [args...]
#                         run a Kafka class on the broker's classpath with a quiet log4j
#                         config (warnings on stderr), e.g.
#                           org.apache.kafka.tools.TopicCommand --bootstrap-server 127.0.0.1:9092 --list
#                           org.apache.kafka.tools.consumer.ConsoleConsumer ...
#                           org.apache.kafka.tools.BrokerApiVersionsCommand --bootstrap-server ...
#
# `start` prints the bootstrap address (the only thing written to stdout) and is
# idempotent: if the requested node(s) already run and are ready it does nothing.
# Otherwise every start uses fresh, newly formatted data directories.
# Progress goes to stderr. On a failed start the tail of the server log is printed and
# the script exits non-zero, leaving no half-started broker behind.
#
# Environment (all optional):
#   KAFKA_VERSION         the Apache Kafka release to fetch and run (default 4.3.1). 4.x and
#                         3.x (KRaft; 3.9.1 is tested, SCRAM users need >= 3.5) are served;
#                         3.x logs through reload4j (log4j 1), 4.x through log4j2. A node
#                         remembers its release: restart / restart-node reuse it, and start
#                         restarts a running node that runs another release.
#   KAFKA_RS_LOG4J_VERSION log4j2 version for a 4.x release the script has no entry for
#                         (the log4j-core version that release's kafka-server POM declares)
#   KAFKA_RS_CACHE        cache root            (default $HOME/.cache/libkafka_rs)
#                         jars go to $KAFKA_RS_CACHE/kafka-<version>/libs
#   KAFKA_RS_RUN          run dir: configs, data, logs, pid files (default /tmp/libkafka_rs-kafka)
#   KAFKA_RS_HOST         listen/advertise address             (default 127.0.0.1)
#   KAFKA_RS_PORT / KAFKA_RS_CONTROLLER_PORT                    (default 9092 / 9093)
#   KAFKA_RS_SASL_PORT / KAFKA_RS_SSL_PORT / KAFKA_RS_SASL_SSL_PORT (default 9094 / 9095 / 9096)
#   KAFKA_RS_CLUSTER_PORTS / KAFKA_RS_CLUSTER_CONTROLLER_PORTS  (default 9192,9292,9392 / 9193,9293,9393)
#   KAFKA_RS_HEAP         broker heap, -Xms and -Xmx           (default 512m)
#   KAFKA_RS_TOOL_HEAP    java-tool / format heap              (default 256m)
#   KAFKA_RS_START_TIMEOUT / KAFKA_RS_STOP_TIMEOUT  seconds    (default 90 / 30)
#   KAFKA_RS_JAVA_OPTS    extra JVM options for brokers
#   KAFKA_RS_RACKS        comma-separated broker.rack per node (node 1 first; the single node
#                         takes the first); default: none for the single node, r1,r2,r3 for
#                         the 3-node cluster (so rack-aware assignment has real racks); set it
#                         to "none" for no broker.rack anywhere
#   KAFKA_RS_TOOL_JAVA_OPTS extra JVM options for java-tool
#   KAFKA_RS_MVN_ARGS     extra mvn arguments for fetch (e.g. -Dmaven.repo.local=...)
#
# Needs java >= 17 (and mvn for `fetch`); on Debian/Ubuntu both are installed with
# apt-get when missing (as root, or via passwordless sudo).
set -euo pipefail

# The release the generated protocol code (src/protocol/messages) is made from: `clients-jar`
# serves it whatever KAFKA_VERSION says, so the drift test never compares against another one.
PROTOCOL_KAFKA_VERSION=4.3.1
DEFAULT_KAFKA_VERSION=4.3.1

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FILES_DIR=$SCRIPT_DIR/kafka
CACHE_ROOT=${KAFKA_RS_CACHE:-${HOME:-/root}/.cache/libkafka_rs}

# select_version <version>: every setting that depends on the Kafka release.
#   4.x: scripts/kafka/pom.xml (log4j2 + log4j-slf4j-impl), log4j2 configs. The pom's defaults are
#        4.3.1 and its log4j 2.25.4; any other 4.x release is fetched with -Dkafka.version and
#        -Dlog4j.version (the log4j-api/-core version that release's kafka-server POM declares,
#        so log4j-slf4j-impl matches it).
#   3.x: scripts/kafka/pom-log4j1.xml (reload4j + slf4j-reload4j, as the 3.x release tarballs
#        ship), log4j 1 configs.
# MVN_PROPS (the -D arguments) are part of the cache marker, so changing them refetches.
select_version() {
    KAFKA_VERSION=$1
    [[ $KAFKA_VERSION =~ ^([0-9]+)\.([0-9]+)\.([0-9]+)$ ]] ||
        die "KAFKA_VERSION must look like 4.3.1 (got '$KAFKA_VERSION')"
    KAFKA_MAJOR=${BASH_REMATCH[1]}
    KAFKA_MINOR=${BASH_REMATCH[2]}
    MVN_PROPS=()
    case $KAFKA_MAJOR in
    4)
        POM=$FILES_DIR/pom.xml
        SERVER_LOG4J=$FILES_DIR/log4j2.properties
        TOOLS_LOG4J=$FILES_DIR/tools-log4j2.properties
        SERVER_LOG4J_OPT=-Dlog4j2.configurationFile=$SERVER_LOG4J
        TOOLS_LOG4J_OPT=-Dlog4j2.configurationFile=$TOOLS_LOG4J
        LOG_BINDING=log4j-slf4j-impl
        local log4j=${KAFKA_RS_LOG4J_VERSION:-}
        if [ -z "$log4j" ]; then
            case $KAFKA_VERSION in
            4.3.1) ;; # the pom's own defaults
            4.4.0) log4j=2.25.5 ;;
            *) log "note: no log4j2 version known for Kafka $KAFKA_VERSION; using the pom's" \
                "default (set KAFKA_RS_LOG4J_VERSION to the one its kafka-server POM declares)" ;;
            esac
        fi
        [ "$KAFKA_VERSION" = 4.3.1 ] || MVN_PROPS+=("-Dkafka.version=$KAFKA_VERSION")
        [ -z "$log4j" ] || MVN_PROPS+=("-Dlog4j.version=$log4j")
        ;;
    3)
        [ "$KAFKA_MINOR" -ge 5 ] || die "Kafka $KAFKA_VERSION: only 3.5 and later are served (KRaft, SCRAM users at format time)"
        POM=$FILES_DIR/pom-log4j1.xml
        SERVER_LOG4J=$FILES_DIR/log4j1.properties
        TOOLS_LOG4J=$FILES_DIR/tools-log4j1.properties
        SERVER_LOG4J_OPT=-Dlog4j.configuration=file:$SERVER_LOG4J
        TOOLS_LOG4J_OPT=-Dlog4j.configuration=file:$TOOLS_LOG4J
        LOG_BINDING=slf4j-reload4j
        MVN_PROPS+=("-Dkafka.version=$KAFKA_VERSION")
        ;;
    *) die "Kafka $KAFKA_VERSION is not served (3.x from 3.5 and 4.x are)" ;;
    esac
    KAFKA_DIR=$CACHE_ROOT/kafka-$KAFKA_VERSION
    LIBS=$KAFKA_DIR/libs
    MARKER=$LIBS/.complete
}

RUN_DIR=${KAFKA_RS_RUN:-/tmp/libkafka_rs-kafka}

HOST=${KAFKA_RS_HOST:-127.0.0.1}
SINGLE_PORT=${KAFKA_RS_PORT:-9092}
SINGLE_CONTROLLER_PORT=${KAFKA_RS_CONTROLLER_PORT:-9093}
CLUSTER_PORTS=${KAFKA_RS_CLUSTER_PORTS:-9192,9292,9392}
CLUSTER_CONTROLLER_PORTS=${KAFKA_RS_CLUSTER_CONTROLLER_PORTS:-9193,9293,9393}
HEAP=${KAFKA_RS_HEAP:-512m}
TOOL_HEAP=${KAFKA_RS_TOOL_HEAP:-256m}
START_TIMEOUT=${KAFKA_RS_START_TIMEOUT:-90}
STOP_TIMEOUT=${KAFKA_RS_STOP_TIMEOUT:-30}

SINGLE_DIR=$RUN_DIR/single
CLUSTER_DIR=$RUN_DIR/cluster3
SINGLE_DIRS=("$SINGLE_DIR")
CLUSTER_DIRS=("$CLUSTER_DIR/node1" "$CLUSTER_DIR/node2" "$CLUSTER_DIR/node3")
READY_LINE='Kafka Server started'

# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------
log() { printf 'kafka-local: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

now_ms() { date +%s%3N; }
since() { # since <start_ms> -> "12.3s"
    local d=$(($(now_ms) - $1))
    printf '%d.%ds' $((d / 1000)) $(((d % 1000) / 100))
}

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }

# Run "$@" holding an exclusive lock on file $1 (no-op locking if flock is missing).
# The lock fd is only open inside the subshell, so brokers never inherit it.
with_lock() {
    local lockfile=$1
    shift
    mkdir -p "$(dirname "$lockfile")"
    (
        if command -v flock >/dev/null 2>&1; then
            exec 8>"$lockfile"
            flock -w 600 8 || die "timed out waiting for lock $lockfile"
        fi
        "$@"
    )
}

port_open() { # port_open <port>: something accepts TCP connections on $HOST:<port>
    (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

# ---------------------------------------------------------------------------
# prerequisites: java >= 17, mvn (fetch only)
# ---------------------------------------------------------------------------
apt_install() {
    command -v apt-get >/dev/null 2>&1 || die "missing $*; install it (apt-get not available)"
    local -a sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || die "missing $*; need root (or sudo) to apt-get install it"
        sudo=(sudo -n)
    fi
    log "installing $* with apt-get"
    # slim Debian images lack this dir and the JRE postinst then fails on man-page alternatives
    "${sudo[@]}" mkdir -p /usr/share/man/man1
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

java_major() {
    local out
    out=$(java -version 2>&1) || return 1
    if [[ $out =~ version\ \"1\.([0-9]+) ]]; then
        echo "${BASH_REMATCH[1]}"
    elif [[ $out =~ version\ \"([0-9]+) ]]; then
        echo "${BASH_REMATCH[1]}"
    else
        return 1
    fi
}

ensure_java() {
    local major
    major=$(java_major 2>/dev/null) || major=0
    if [ "$major" -lt 17 ]; then
        apt_install default-jre-headless
        major=$(java_major 2>/dev/null) || major=0
        [ "$major" -ge 17 ] || die "Kafka $KAFKA_VERSION needs java >= 17 (found: ${major/#0/none})"
    fi
}

# java >= 17 and mvn, installed in one apt-get run when missing
ensure_java_and_mvn() {
    local -a pkgs=()
    local major
    major=$(java_major 2>/dev/null) || major=0
    [ "$major" -ge 17 ] || pkgs+=(default-jre-headless)
    command -v mvn >/dev/null 2>&1 || pkgs+=(maven)
    [ "${#pkgs[@]}" -eq 0 ] || apt_install "${pkgs[@]}"
    ensure_java
    command -v mvn >/dev/null 2>&1 || die "mvn still not found after installing maven"
}

# ---------------------------------------------------------------------------
# fetch
# ---------------------------------------------------------------------------
# The marker, written last, holds the pom's hash and the jar list; the cache counts as
# complete only if the hash matches and every listed jar is present and non-empty.
pom_hash() {
    {
        cat "$POM"
        [ "${#MVN_PROPS[@]}" -eq 0 ] || printf '%s\n' "${MVN_PROPS[@]}"
    } | sha256sum | cut -d' ' -f1
}

libs_complete() {
    [ -f "$MARKER" ] || return 1
    local first jar
    { IFS= read -r first || return 1; } <"$MARKER"
    [ "$first" = "pom-sha256 $(pom_hash)" ] || return 1
    while IFS= read -r jar; do
        [ -s "$LIBS/$jar" ] || return 1
    done < <(tail -n +2 "$MARKER")
}

jar_count() { find "$LIBS" -maxdepth 1 -name '*.jar' | wc -l; }

do_fetch() {
    if libs_complete; then
        log "Kafka $KAFKA_VERSION jars already in $LIBS ($(jar_count) jars)"
        return 0
    fi
    ensure_java_and_mvn
    local t0 tmp jar
    t0=$(now_ms)
    tmp=$KAFKA_DIR/libs.tmp.$$
    rm -rf "$tmp"
    mkdir -p "$KAFKA_DIR"
    log "fetching Kafka $KAFKA_VERSION jars from Maven Central into $LIBS"
    # mvn output (with -q only errors, plus stray ANSI resets from Debian's mvn 3.8 even
    # with -B) goes to fetch.log and is shown, de-colored, only if mvn fails.
    # shellcheck disable=SC2086 # KAFKA_RS_MVN_ARGS is intentionally word-split
    if ! mvn -B -ntp -q -f "$POM" \
        dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp" \
        ${MVN_PROPS[@]+"${MVN_PROPS[@]}"} ${KAFKA_RS_MVN_ARGS:-} >"$KAFKA_DIR/fetch.log" 2>&1; then
        sed 's/\x1b\[[0-9;]*m//g' "$KAFKA_DIR/fetch.log" | tail -n 40 >&2
        rm -rf "$tmp"
        die "mvn dependency:copy-dependencies failed (full output: $KAFKA_DIR/fetch.log)"
    fi
    for jar in "kafka_2.13-$KAFKA_VERSION.jar" "kafka-tools-$KAFKA_VERSION.jar" \
        "kafka-clients-$KAFKA_VERSION.jar"; do
        [ -s "$tmp/$jar" ] || { rm -rf "$tmp"; die "mvn did not produce $jar"; }
    done
    ls "$tmp/$LOG_BINDING"-*.jar >/dev/null 2>&1 || { rm -rf "$tmp"; die "mvn did not produce $LOG_BINDING"; }
    {
        echo "pom-sha256 $(pom_hash)"
        (cd "$tmp" && ls -1 -- *.jar)
    } >"$tmp/.complete"
    rm -rf "$LIBS"
    mv "$tmp" "$LIBS"
    log "fetched $(jar_count) jars ($(du -sh "$LIBS" | cut -f1)) in $(since "$t0")"
}

cmd_fetch() { with_lock "$KAFKA_DIR.lock" do_fetch; }

cmd_clients_jar() {
    select_version "${1:-$PROTOCOL_KAFKA_VERSION}"
    libs_complete || cmd_fetch
    echo "$LIBS/kafka-clients-$KAFKA_VERSION.jar"
}

ensure_libs() {
    libs_complete || cmd_fetch
    ensure_java
}

# ---------------------------------------------------------------------------
# broker configuration
# ---------------------------------------------------------------------------
# Secured listeners (single node only; the 3-node cluster stays PLAINTEXT):
#   SASL_PLAINTEXT://$HOST:$KAFKA_RS_SASL_PORT (9094)      PLAIN, SCRAM-SHA-256, SCRAM-SHA-512
#   SSL://$HOST:$KAFKA_RS_SSL_PORT (9095)                  mutual TLS: a client certificate is required
#   SASL_SSL://$HOST:$KAFKA_RS_SASL_SSL_PORT (9096)        TLS (server certificate only) + the SASL users
# Key material is made at every fresh start in <node dir>/tls (single: $KAFKA_RS_RUN/single/tls):
#   ca.pem                 the test CA that signed the broker and client certificates
#   broker.pem/.key/.p12   broker certificate: CN and SAN = $HOST only (so dialing "localhost"
#                          is a real hostname mismatch), keystore password "broker-secret"
#   client.pem, client.key mTLS client certificate and its PKCS#8 key
#   client-encrypted.key   the same key as encrypted PKCS#8 (PBES2/AES-256), password "client-key-secret"
#   untrusted-ca.pem       a CA that signed nothing the broker uses (unknown-CA tests)
# SASL test users (fixed test values, not secrets):
#   PLAIN (listener JAAS):           kafkars / kafkars-secret
#   SCRAM-SHA-256 and -512 (format): kafkars / kafkars-secret
# Hook contract (nothing else in the script knows about them):
#   extra_listeners <kind>       prints ",NAME://host:port,..." appended to both
#                                listeners= and advertised.listeners=
#   extra_protocol_map <kind>    prints ",NAME:PROTOCOL,..." appended to
#                                listener.security.protocol.map=
#   extra_listener_config <kind> <dir>
#                                prints further server.properties lines and makes the key
#                                material in <dir>/tls
#   extra_format_args <kind>     prints extra StorageTool format args (--add-scram ...)
#   extra_ready_ports <kind>     prints further ports that must accept before "ready"
# <kind> is "single" or "cluster3". PLAINTEXT stays the inter-broker listener.
SASL_PORT=${KAFKA_RS_SASL_PORT:-9094}
SSL_PORT=${KAFKA_RS_SSL_PORT:-9095}
SASL_SSL_PORT=${KAFKA_RS_SASL_SSL_PORT:-9096}
TEST_USER=kafkars
TEST_PASSWORD=kafkars-secret
KEYSTORE_PASSWORD=broker-secret
CLIENT_KEY_PASSWORD=client-key-secret

extra_listeners() {
    [ "$1" = single ] || return 0
    printf ',SASL_PLAINTEXT://%s:%s,SSL://%s:%s,SASL_SSL://%s:%s' \
        "$HOST" "$SASL_PORT" "$HOST" "$SSL_PORT" "$HOST" "$SASL_SSL_PORT"
}
extra_protocol_map() {
    [ "$1" = single ] || return 0
    printf ',SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL'
}
extra_format_args() {
    [ "$1" = single ] || return 0
    printf -- '--add-scram SCRAM-SHA-256=[name=%s,password=%s] --add-scram SCRAM-SHA-512=[name=%s,password=%s]' \
        "$TEST_USER" "$TEST_PASSWORD" "$TEST_USER" "$TEST_PASSWORD"
}
extra_ready_ports() {
    [ "$1" = single ] || return 0
    echo "$SASL_PORT $SSL_PORT $SASL_SSL_PORT"
}

# make_tls_material <dir>: CA, broker and client certificates (EC P-256, 10 days) with openssl.
make_tls_material() {
    local d=$1/tls san
    command -v openssl >/dev/null 2>&1 || apt_install openssl
    mkdir -p "$d"
    if [[ $HOST =~ ^[0-9.]+$ ]]; then san="IP:$HOST"; else san="DNS:$HOST"; fi
    (
        cd "$d"
        set -e
        key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }
        key ca.key
        openssl req -x509 -new -key ca.key -days 10 -subj "/CN=libkafka_rs test CA" -out ca.pem
        key untrusted-ca.key
        openssl req -x509 -new -key untrusted-ca.key -days 10 -subj "/CN=libkafka_rs untrusted CA" \
            -out untrusted-ca.pem
        key broker.key
        openssl req -new -key broker.key -subj "/CN=$HOST" -out broker.csr
        printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$san" >broker.ext
        openssl x509 -req -in broker.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 10 \
            -extfile broker.ext -out broker.pem
        openssl pkcs12 -export -in broker.pem -inkey broker.key -certfile ca.pem -name broker \
            -passout "pass:$KEYSTORE_PASSWORD" -out broker.p12
        key client.key
        openssl req -new -key client.key -subj "/CN=kafkars-client" -out client.csr
        printf 'extendedKeyUsage=clientAuth\n' >client.ext
        openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 10 \
            -extfile client.ext -out client.pem
        openssl pkcs8 -topk8 -in client.key -v2 aes-256-cbc -passout "pass:$CLIENT_KEY_PASSWORD" \
            -out client-encrypted.key
        rm -f ./*.csr ./*.ext ./*.srl
    ) >"$1/logs/tls.log" 2>&1 || { cat "$1/logs/tls.log" >&2; die "making the TLS test certificates failed"; }
}

extra_listener_config() {
    [ "$1" = single ] || return 0
    local dir=$2 l m
    make_tls_material "$dir"
    local plain="org.apache.kafka.common.security.plain.PlainLoginModule required user_$TEST_USER=\"$TEST_PASSWORD\";"
    local scram="org.apache.kafka.common.security.scram.ScramLoginModule required;"
    cat <<EOF

# Secured listeners (scripts/kafka-local.sh extra_listener_config).
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
ssl.keystore.type=PKCS12
ssl.keystore.location=$dir/tls/broker.p12
ssl.keystore.password=$KEYSTORE_PASSWORD
ssl.key.password=$KEYSTORE_PASSWORD
ssl.truststore.type=PEM
ssl.truststore.location=$dir/tls/ca.pem
listener.name.ssl.ssl.client.auth=required
listener.name.sasl_ssl.ssl.client.auth=none
EOF
    for l in sasl_plaintext sasl_ssl; do
        echo "listener.name.$l.plain.sasl.jaas.config=$plain"
        for m in scram-sha-256 scram-sha-512; do
            echo "listener.name.$l.$m.sasl.jaas.config=$scram"
        done
    done
}

# write_config <kind> <dir> <node.id> <client port> <controller port> <voters> <internal RF>
write_config() {
    local kind=$1 dir=$2 id=$3 port=$4 cport=$5 voters=$6 rf=$7
    local min_isr=$((rf > 1 ? 2 : 1))
    local extra auto_create=true
    extra=$(extra_listeners "$kind")
    # The cluster runs with auto-creation off so tests can prove explicit topic creation.
    [ "$kind" = cluster3 ] && auto_create=false
    cat >"$dir/server.properties" <<EOF
# Generated by scripts/kafka-local.sh ($kind, node $id) - rewritten on every start.
process.roles=broker,controller
node.id=$id
controller.quorum.voters=$voters
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listeners=PLAINTEXT://$HOST:$port,CONTROLLER://$HOST:$cport$extra
advertised.listeners=PLAINTEXT://$HOST:$port$extra
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT$(extra_protocol_map "$kind")
log.dirs=$dir/data

num.partitions=1
auto.create.topics.enable=$auto_create
# Keep test data however old its timestamps: tests write messages dated years ago (time-range
# reads) and the default 7-day retention would delete them minutes after they are written.
log.retention.ms=-1
group.initial.rebalance.delay.ms=0

# Internal topics: few partitions (defaults are 50) so they are created fast.
offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$min_isr
transaction.state.log.num.partitions=3
EOF
    # Share groups (and these settings) exist from 4.0 on; 3.x would only warn about them.
    [ "$KAFKA_MAJOR" -lt 4 ] || cat >>"$dir/server.properties" <<EOF
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$min_isr
share.coordinator.state.topic.num.partitions=3
EOF
    extra_listener_config "$kind" "$dir" >>"$dir/server.properties"
    local rack_list=${KAFKA_RS_RACKS:-}
    [ -z "$rack_list" ] && [ "$kind" = cluster3 ] && rack_list=r1,r2,r3
    if [ -n "$rack_list" ] && [ "$rack_list" != none ]; then
        local -a racks
        IFS=', ' read -r -a racks <<<"$rack_list"
        [ -n "${racks[id - 1]:-}" ] && echo "broker.rack=${racks[id - 1]}" >>"$dir/server.properties"
    fi
    return 0
}

new_cluster_id() { # 16 random bytes, URL-safe base64 without padding (= Kafka Uuid format)
    local id
    while :; do
        id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
        [[ $id == -* ]] || break # Kafka avoids ids that look like CLI flags
    done
    echo "$id"
}

# ---------------------------------------------------------------------------
# node lifecycle. A node is a dir holding server.properties, data/, logs/server.log,
# pid and bootstrap (the host:port it serves).
# ---------------------------------------------------------------------------
node_pid() { [ -s "$1/pid" ] && cat "$1/pid"; }

# The pid in <dir>/pid is alive and really is this node's JVM (guards against pid reuse;
# zombies have an empty cmdline and count as dead).
node_alive() {
    local dir=$1 pid
    pid=$(node_pid "$dir") || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    if [ -r "/proc/$pid/cmdline" ]; then
        tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$dir/server.properties"
    fi
}

node_port() { cat "$1/port" 2>/dev/null; }

# The release a node was formatted with and runs (<dir>/version). Nodes started before the
# script knew releases have no such file: they ran 4.3.1.
node_version() { cat "$1/version" 2>/dev/null || echo 4.3.1; }

node_ready() {
    local dir=$1 kind=$2 p
    node_alive "$dir" || return 1
    port_open "$(node_port "$dir")" || return 1
    for p in $(extra_ready_ports "$kind"); do port_open "$p" || return 1; done
    grep -qF "$READY_LINE" "$dir/logs/server.log" 2>/dev/null
}

# prepare_node <kind> <dir> <node.id> <port> <controller port> <voters> <RF> <cluster id>
# Fresh dirs + config + format (runs in the foreground, ~2 s of JVM).
prepare_node() {
    local kind=$1 dir=$2 id=$3 port=$4 cport=$5 voters=$6 rf=$7 cid=$8
    rm -rf "$dir"
    mkdir -p "$dir/data" "$dir/logs"
    echo "$port" >"$dir/port"
    echo "$HOST:$port" >"$dir/bootstrap"
    echo "$KAFKA_VERSION" >"$dir/version"
    write_config "$kind" "$dir" "$id" "$port" "$cport" "$voters" "$rf"
    local -a extra_args=()
    read -r -a extra_args <<<"$(extra_format_args "$kind")" || true
    # shellcheck disable=SC2086
    if ! java -Xmx"$TOOL_HEAP" "$TOOLS_LOG4J_OPT" -cp "$LIBS/*" \
        kafka.tools.StorageTool format -t "$cid" -c "$dir/server.properties" \
        ${extra_args[@]+"${extra_args[@]}"} >"$dir/logs/format.log" 2>&1; then
        log "formatting $dir failed:"
        tail -n 30 "$dir/logs/format.log" >&2
        return 1
    fi
}

# launch_node <dir>: start the broker JVM detached (own session, so a Ctrl-C or the
# end of the calling shell does not kill it) and record its pid. fd 8 (the run-dir
# lock held by with_lock) is closed so the broker never keeps the lock.
launch_node() {
    local dir=$1 i
    local -a setsid=()
    command -v setsid >/dev/null 2>&1 && setsid=(setsid)
    rm -f "$dir/pid"
    : >"$dir/logs/server.log"
    # shellcheck disable=SC2086 # KAFKA_RS_JAVA_OPTS is intentionally word-split
    (
        cd "$dir"
        # don't leak the caller's extra fds (pipes of a test harness, ...) into the daemon
        for fd in /proc/$BASHPID/fd/*; do
            fd=${fd##*/}
            [[ $fd =~ ^[0-9]+$ ]] && [ "$fd" -gt 2 ] && { eval "exec $fd>&-"; } 2>/dev/null || true
        done
        exec ${setsid[@]+"${setsid[@]}"} sh -c 'echo $$ >"$0"; exec "$@"' "$dir/pid" \
            java -Xms"$HEAP" -Xmx"$HEAP" -server \
            -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
            -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true \
            -Dkafka.logs.dir="$dir/logs" "$SERVER_LOG4J_OPT" \
            ${KAFKA_RS_JAVA_OPTS:-} -cp "$LIBS/*" kafka.Kafka "$dir/server.properties"
    ) >>"$dir/logs/server.log" 2>&1 </dev/null 8>&- &
    for i in $(seq 1 100); do
        [ -s "$dir/pid" ] && return 0
        sleep 0.05
    done
    die "broker in $dir did not record its pid"
}

# wait_ready <kind> <dir>... : until every node is ready; fail fast if one dies.
wait_ready() {
    local kind=$1
    shift
    local deadline=$(($(date +%s) + START_TIMEOUT)) dir pending
    while :; do
        pending=0
        for dir in "$@"; do
            node_ready "$dir" "$kind" && continue
            pending=1
            if ! node_alive "$dir"; then
                start_failed "$dir" "broker process exited"
                return 1
            fi
        done
        [ "$pending" -eq 0 ] && return 0
        if [ "$(date +%s)" -ge "$deadline" ]; then
            for dir in "$@"; do
                node_ready "$dir" "$kind" || { start_failed "$dir" "not ready after ${START_TIMEOUT}s"; break; }
            done
            return 1
        fi
        sleep 0.25
    done
}

start_failed() {
    log "start failed: $1: $2; last lines of $1/logs/server.log:"
    tail -n 60 "$1/logs/server.log" >&2 2>/dev/null || true
}

# stop_nodes <dir>...: SIGTERM all, wait up to STOP_TIMEOUT, then SIGKILL. By pid file only.
stop_nodes() {
    local dir pid any=0 deadline t0
    t0=$(now_ms)
    for dir in "$@"; do
        if node_alive "$dir"; then
            pid=$(node_pid "$dir")
            log "stopping $dir (pid $pid)"
            kill -TERM "$pid" 2>/dev/null || true
            any=1
        fi
    done
    if [ "$any" -eq 1 ]; then
        deadline=$(($(date +%s) + STOP_TIMEOUT))
        while :; do
            any=0
            for dir in "$@"; do node_alive "$dir" && any=1; done
            [ "$any" -eq 0 ] && break
            if [ "$(date +%s)" -ge "$deadline" ]; then
                for dir in "$@"; do
                    if node_alive "$dir"; then
                        pid=$(node_pid "$dir")
                        log "$dir (pid $pid) still running after ${STOP_TIMEOUT}s, sending SIGKILL"
                        kill -KILL "$pid" 2>/dev/null || true
                    fi
                done
                sleep 0.5
                break
            fi
            sleep 0.2
        done
        log "stopped in $(since "$t0")"
    fi
    for dir in "$@"; do rm -f "$dir/pid"; done
}

# all given ports must be free (nothing listening) before a fresh start
check_ports_free() {
    local p
    for p in "$@"; do
        port_open "$p" && die "port $HOST:$p is already in use by another process"
    done
    return 0
}

# ---------------------------------------------------------------------------
# commands
# ---------------------------------------------------------------------------
start_single() {
    local dir=$SINGLE_DIR bootstrap=$HOST:$SINGLE_PORT t0
    if node_alive "$dir"; then
        if [ "$(cat "$dir/bootstrap" 2>/dev/null)" = "$bootstrap" ] && node_ready "$dir" single &&
            [ "$(node_version "$dir")" = "$KAFKA_VERSION" ]; then
            log "single node already running (pid $(node_pid "$dir")) at $bootstrap"
            echo "$bootstrap"
            return 0
        fi
        log "single node running but not ready, on other ports or another Kafka release; restarting it"
        stop_nodes "$dir"
    fi
    rm -f "$dir/pid"
    # shellcheck disable=SC2046
    check_ports_free "$SINGLE_PORT" "$SINGLE_CONTROLLER_PORT" $(extra_ready_ports single)
    t0=$(now_ms)
    log "starting single node (Kafka $KAFKA_VERSION): PLAINTEXT $bootstrap, CONTROLLER $HOST:$SINGLE_CONTROLLER_PORT, run dir $dir"
    prepare_node single "$dir" 1 "$SINGLE_PORT" "$SINGLE_CONTROLLER_PORT" \
        "1@$HOST:$SINGLE_CONTROLLER_PORT" 1 "$(new_cluster_id)" || exit 1
    launch_node "$dir"
    if ! wait_ready single "$dir"; then
        stop_nodes "$dir"
        exit 1
    fi
    log "single node ready at $bootstrap (pid $(node_pid "$dir")) in $(since "$t0")"
    echo "$bootstrap"
}

start_cluster3() {
    local -a ports cports dirs
    IFS=', ' read -r -a ports <<<"$CLUSTER_PORTS"
    IFS=', ' read -r -a cports <<<"$CLUSTER_CONTROLLER_PORTS"
    [ "${#ports[@]}" -eq 3 ] && [ "${#cports[@]}" -eq 3 ] ||
        die "KAFKA_RS_CLUSTER_PORTS and KAFKA_RS_CLUSTER_CONTROLLER_PORTS need 3 ports each"
    dirs=("${CLUSTER_DIRS[@]}")
    local i bootstrap="" voters="" all_ok=1 any_alive=0 t0 cid
    for i in 0 1 2; do
        bootstrap+="${bootstrap:+,}$HOST:${ports[i]}"
        voters+="${voters:+,}$((i + 1))@$HOST:${cports[i]}"
    done
    for i in 0 1 2; do
        if node_alive "${dirs[i]}"; then any_alive=1; else all_ok=0; fi
        [ "$(cat "${dirs[i]}/bootstrap" 2>/dev/null)" = "$HOST:${ports[i]}" ] &&
            node_ready "${dirs[i]}" cluster3 && [ "$(node_version "${dirs[i]}")" = "$KAFKA_VERSION" ] || all_ok=0
    done
    if [ "$all_ok" -eq 1 ]; then
        log "3-node cluster already running at $bootstrap"
        echo "$bootstrap"
        return 0
    fi
    if [ "$any_alive" -eq 1 ]; then
        log "3-node cluster partly running, not ready or another Kafka release; restarting it"
        stop_nodes "${dirs[@]}"
    fi
    for i in 0 1 2; do rm -f "${dirs[i]}/pid"; done
    # shellcheck disable=SC2046
    check_ports_free "${ports[@]}" "${cports[@]}" $(extra_ready_ports cluster3)
    t0=$(now_ms)
    cid=$(new_cluster_id)
    log "starting 3-node cluster $cid (Kafka $KAFKA_VERSION): PLAINTEXT $bootstrap, voters $voters, run dir $CLUSTER_DIR"
    rm -rf "$CLUSTER_DIR"
    local -a fpids=()
    for i in 0 1 2; do # format the three nodes in parallel (one JVM each)
        prepare_node cluster3 "${dirs[i]}" $((i + 1)) "${ports[i]}" "${cports[i]}" "$voters" 3 "$cid" &
        fpids+=($!)
    done
    local failed=0
    for i in 0 1 2; do wait "${fpids[i]}" || failed=1; done
    [ "$failed" -eq 0 ] || exit 1
    for i in 0 1 2; do launch_node "${dirs[i]}"; done
    if ! wait_ready cluster3 "${dirs[@]}"; then
        stop_nodes "${dirs[@]}"
        exit 1
    fi
    log "3-node cluster ready at $bootstrap in $(since "$t0")"
    echo "$bootstrap"
}

cmd_start() {
    local mode=single
    case "${1:-}" in
    "") ;;
    --cluster3 | cluster3) mode=cluster3 ;;
    --single | single) ;;
    *) die "unknown start option: $1 (expected --cluster3)" ;;
    esac
    ensure_libs
    mkdir -p "$RUN_DIR"
    with_lock "$RUN_DIR/.lock" "start_$mode"
}

do_stop() {
    local which=$1
    local -a dirs=()
    case "$which" in
    all) dirs=("${SINGLE_DIRS[@]}" "${CLUSTER_DIRS[@]}") ;;
    single) dirs=("${SINGLE_DIRS[@]}") ;;
    cluster3) dirs=("${CLUSTER_DIRS[@]}") ;;
    esac
    local d any=0
    for d in "${dirs[@]}"; do node_alive "$d" && any=1; done
    [ "$any" -eq 1 ] || log "no broker running ($which)"
    stop_nodes "${dirs[@]}"
}

cmd_stop() {
    local which=all
    case "${1:-}" in
    "") ;;
    --cluster3 | cluster3) which=cluster3 ;;
    --single | single) which=single ;;
    --all | all) ;;
    *) die "unknown stop option: $1 (expected --single, --cluster3 or nothing)" ;;
    esac
    [ -d "$RUN_DIR" ] || { log "no broker running (no $RUN_DIR)"; return 0; }
    with_lock "$RUN_DIR/.lock" do_stop "$which"
}

cmd_status() {
    local dir kind state pid running=0 bad=0
    for dir in "${SINGLE_DIRS[@]}" "${CLUSTER_DIRS[@]}"; do
        case "$dir" in "$SINGLE_DIR") kind=single ;; *) kind=cluster3 ;; esac
        pid=$(node_pid "$dir" 2>/dev/null) || pid=-
        if node_alive "$dir"; then
            running=1
            if node_ready "$dir" "$kind"; then state=ready; else state="running, NOT ready"; bad=1; fi
        elif [ "$pid" != - ]; then
            state="dead (stale pid file)"
            bad=1
        else
            state=stopped
        fi
        printf '%-8s %-6s pid %-8s %-21s %s\n' "$kind" "${dir##*/}" "$pid" \
            "$(cat "$dir/bootstrap" 2>/dev/null || echo -)" "$state"
    done
    [ "$bad" -eq 0 ] || return 1
    [ "$running" -eq 1 ] || return 3
}

cmd_logs() {
    local n=${1:-50} dir
    local -a files=()
    [[ $n =~ ^[0-9]+$ ]] || die "logs: N must be a number"
    for dir in "${SINGLE_DIRS[@]}" "${CLUSTER_DIRS[@]}"; do
        [ -f "$dir/logs/server.log" ] && files+=("$dir/logs/server.log")
    done
    [ "${#files[@]}" -gt 0 ] || { log "no server logs under $RUN_DIR"; return 0; }
    tail -v -n "$n" "${files[@]}"
}

# kill-node N: SIGKILL cluster node N (1-3), as a crash would; its data stays.
cmd_kill_node() {
    local n=${1:-} dir
    [[ $n =~ ^[1-3]$ ]] || die "usage: $0 kill-node <1|2|3>"
    dir=${CLUSTER_DIRS[n - 1]}
    node_alive "$dir" || die "cluster node $n is not running"
    log "killing cluster node $n (pid $(node_pid "$dir"))"
    kill_node_dir "$dir"
}

# kill_node_dir <dir>: SIGKILL the node running from <dir> and wait until it is gone.
kill_node_dir() {
    local dir=$1
    kill -KILL "$(node_pid "$dir")"
    while node_alive "$dir"; do sleep 0.05; done
    rm -f "$dir/pid"
}

# restart [--kill]: the single node goes down (SIGTERM, or SIGKILL with --kill) and comes back
# on its data, ports and cluster id; unlike start, nothing is formatted.
restart_single() {
    local dir=$SINGLE_DIR how=$1 t0
    t0=$(now_ms)
    if [ "$how" = kill ] && node_alive "$dir"; then
        log "killing the single node (pid $(node_pid "$dir"))"
        kill_node_dir "$dir"
    else
        stop_nodes "$dir"
    fi
    launch_node "$dir"
    if ! wait_ready single "$dir"; then
        stop_nodes "$dir"
        exit 1
    fi
    log "single node back at $(cat "$dir/bootstrap") in $(since "$t0")"
}

cmd_restart() {
    local how=term
    case "${1:-}" in
    "") ;;
    --kill) how=kill ;;
    *) die "unknown restart option: $1 (expected --kill or nothing)" ;;
    esac
    [ -f "$SINGLE_DIR/server.properties" ] || die "the single node was never started (in $RUN_DIR)"
    select_version "$(node_version "$SINGLE_DIR")"
    ensure_libs
    with_lock "$RUN_DIR/.lock" restart_single "$how"
}

# restart-node N: starts cluster node N again on its existing data and waits until ready.
cmd_restart_node() {
    local n=${1:-} dir
    [[ $n =~ ^[1-3]$ ]] || die "usage: $0 restart-node <1|2|3>"
    dir=${CLUSTER_DIRS[n - 1]}
    [ -f "$dir/server.properties" ] || die "cluster node $n was never started"
    node_alive "$dir" && { log "cluster node $n already runs"; return 0; }
    select_version "$(node_version "$dir")"
    ensure_libs
    launch_node "$dir"
    wait_ready cluster3 "$dir" || exit 1
    log "cluster node $n is back"
}

cmd_java_tool() {
    [ $# -ge 1 ] || die "usage: $0 java-tool <MainClass> [args...]"
    ensure_libs
    # shellcheck disable=SC2086 # KAFKA_RS_TOOL_JAVA_OPTS is intentionally word-split
    exec java -Xmx"$TOOL_HEAP" "$TOOLS_LOG4J_OPT" \
        ${KAFKA_RS_TOOL_JAVA_OPTS:-} -cp "$LIBS/*" "$@"
}

main() {
    select_version "${KAFKA_VERSION:-$DEFAULT_KAFKA_VERSION}"
    local cmd=${1:-help}
    [ $# -gt 0 ] && shift
    case "$cmd" in
    fetch) cmd_fetch ;;
    clients-jar) cmd_clients_jar "$@" ;;
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    status) cmd_status ;;
    logs) cmd_logs "$@" ;;
    java-tool) cmd_java_tool "$@" ;;
    restart) cmd_restart "$@" ;;
    kill-node) cmd_kill_node "$@" ;;
    restart-node) cmd_restart_node "$@" ;;
    help | -h | --help) usage ;;
    *)
        usage >&2
        exit 2
        ;;
    esac
}

main "$@"
