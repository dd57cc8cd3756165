#!/usr/bin/env bash
# test-matrix.sh - the broker tests against several Apache Kafka releases, one after the other.
#
# Usage: scripts/test-matrix.sh [VERSION...]     (default: 3.9.1 4.3.1 4.4.0)
#
# For each release: start its single node and 3-node cluster (scripts/kafka-local.sh with
# KAFKA_VERSION) on private ports and a private run dir, run the cargo integration tests that use
# the brokers and `ctest -L broker`, stop the brokers. At the end a table shows what passed per
# release, followed by the names of the failed tests. Exit status 0 only if everything passed.
# CI does not run it (CI tests the default release through scripts/test.sh).
#
# Environment (all optional):
#   KAFKA_MATRIX_PORT_BASE  ports (default 29000): single node BASE+92, its controller +93,
#                           SASL_PLAINTEXT +94, SSL +95, SASL_SSL +96; 3-node cluster +192,+292,+392
#                           (controllers +193,+293,+393); the restart test's own broker +492..+496.
#                           So it runs beside scripts/test.sh (9092-9496) and other matrices.
#   KAFKA_MATRIX_RUN        run dir prefix (default /tmp/libkafka_rs-matrix): <prefix>-<version>
#   KAFKA_MATRIX_LOGS       logs (default target/test-matrix): <logs>/<version>/{brokers,cargo,ctest}.log
#   KAFKA_MATRIX_CARGO_TESTS  cargo test targets (default: every tests/*.rs that declares
#                           `mod common;`, i.e. uses the brokers); "none" skips cargo
#   KAFKA_MATRIX_CTEST=0    skip ctest (default 1)
set -uo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

versions=("$@")
[ "${#versions[@]}" -gt 0 ] || versions=(3.9.1 4.3.1 4.4.0)
base=${KAFKA_MATRIX_PORT_BASE:-29000}
run_prefix=${KAFKA_MATRIX_RUN:-/tmp/libkafka_rs-matrix}
logs=${KAFKA_MATRIX_LOGS:-$PWD/target/test-matrix}
host=${KAFKA_RS_HOST:-127.0.0.1}
[[ $base =~ ^[0-9]+$ ]] && [ "$base" -ge 1024 ] && [ "$base" -le 65000 ] ||
    { echo "test-matrix: KAFKA_MATRIX_PORT_BASE must be a number from 1024 to 65000" >&2; exit 2; }

step() { printf '\n==> %s\n' "$*" >&2; }
now() { date +%s; }

if [ -n "${KAFKA_MATRIX_CARGO_TESTS:-}" ]; then
    read -r -a cargo_tests <<<"$KAFKA_MATRIX_CARGO_TESTS"
    [ "${cargo_tests[*]}" != none ] || cargo_tests=()
else
    cargo_tests=()
    for f in tests/*.rs; do
        grep -q '^mod common;' "$f" && cargo_tests+=("$(basename "$f" .rs)")
    done
fi

# Broker environment: scripts/kafka-local.sh reads it, and so do the tests that start, kill or
# restart brokers themselves (writer_failover, reader_broker, reader_restart).
export KAFKA_RS_PORT=$((base + 92)) KAFKA_RS_CONTROLLER_PORT=$((base + 93))
export KAFKA_RS_SASL_PORT=$((base + 94)) KAFKA_RS_SSL_PORT=$((base + 95)) KAFKA_RS_SASL_SSL_PORT=$((base + 96))
export KAFKA_RS_CLUSTER_PORTS=$((base + 192)),$((base + 292)),$((base + 392))
export KAFKA_RS_CLUSTER_CONTROLLER_PORTS=$((base + 193)),$((base + 293)),$((base + 393))
export KAFKA_RESTART_PORT=$((base + 492)) KAFKA_RESTART_CONTROLLER_PORT=$((base + 493))
export KAFKA_RESTART_SASL_PORT=$((base + 494)) KAFKA_RESTART_SSL_PORT=$((base + 495))
export KAFKA_RESTART_SASL_SSL_PORT=$((base + 496))
export KAFKA_BOOTSTRAP=$host:$KAFKA_RS_PORT
export KAFKA_CLUSTER_BOOTSTRAP=$host:$((base + 192)),$host:$((base + 292)),$host:$((base + 392))
export KAFKA_SASL_BOOTSTRAP=$host:$KAFKA_RS_SASL_PORT KAFKA_SSL_BOOTSTRAP=$host:$KAFKA_RS_SSL_PORT
export KAFKA_SASL_SSL_BOOTSTRAP=$host:$KAFKA_RS_SASL_SSL_PORT

stop_brokers() { scripts/kafka-local.sh stop >>"$logs/$KAFKA_VERSION/brokers.log" 2>&1 || true; }
trap '[ -n "${KAFKA_VERSION:-}" ] && stop_brokers' EXIT
trap 'exit 130' INT TERM

step "prerequisites"
scripts/install-deps.sh || exit 1

declare -A res_brokers res_cargo res_ctest res_time failed_names
for v in "${versions[@]}"; do
    export KAFKA_VERSION=$v
    export KAFKA_RS_RUN=$run_prefix-$v
    export KAFKA_TLS_DIR=$KAFKA_RS_RUN/single/tls
    mkdir -p "$logs/$v"
    t0=$(now)
    res_cargo[$v]=-
    res_ctest[$v]=-
    failed_names[$v]=""
    step "Kafka $v: starting the single node and the 3-node cluster (run dir $KAFKA_RS_RUN)"
    if ! { scripts/kafka-local.sh start && scripts/kafka-local.sh start --cluster3; } >"$logs/$v/brokers.log" 2>&1; then
        tail -n 30 "$logs/$v/brokers.log" >&2
        res_brokers[$v]="FAILED to start"
        stop_brokers
        res_time[$v]=$(($(now) - t0))
        continue
    fi
    res_brokers[$v]=ok

    if [ "${#cargo_tests[@]}" -gt 0 ]; then
        step "Kafka $v: cargo test ${cargo_tests[*]} (log: $logs/$v/cargo.log)"
        args=()
        for t in "${cargo_tests[@]}"; do args+=(--test "$t"); done
        cargo test --locked --no-fail-fast "${args[@]}" >"$logs/$v/cargo.log" 2>&1
        rc=$?
        # Totals over the test binaries, and "<target>::<test>" of each failure.
        read -r passed failed < <(awk '/^test result:/ { p += $4; f += $6 } END { print p + 0, f + 0 }' "$logs/$v/cargo.log")
        names=$(awk '/Running tests\// { t = $2; sub(/^tests\//, "", t); sub(/\.rs$/, "", t) }
                     /^test .* \.\.\. FAILED$/ { print t "::" $2 }' "$logs/$v/cargo.log")
        if [ "$rc" -eq 0 ]; then
            res_cargo[$v]="pass $passed/$passed"
        else
            [ "$failed" -gt 0 ] || names+=$'\n'"cargo exited $rc (build error or crash: see the log)"
            res_cargo[$v]="FAIL $failed of $((passed + failed))"
        fi
        failed_names[$v]+=$names$'\n'
    fi

    if [ "${KAFKA_MATRIX_CTEST:-1}" != 0 ]; then
        step "Kafka $v: ctest -L broker (log: $logs/$v/ctest.log)"
        {
            cmake -S . -B build/matrix -DCMAKE_BUILD_TYPE=Debug -DKAFKA_RS_CARGO_TARGET_DIR="$PWD/target" \
                -DKAFKA_BOOTSTRAP="$KAFKA_BOOTSTRAP" -DKAFKA_CLUSTER_BOOTSTRAP="${KAFKA_CLUSTER_BOOTSTRAP%%,*}" \
                -DKAFKA_SASL_BOOTSTRAP="$KAFKA_SASL_BOOTSTRAP" -DKAFKA_SSL_BOOTSTRAP="$KAFKA_SSL_BOOTSTRAP" \
                -DKAFKA_SASL_SSL_BOOTSTRAP="$KAFKA_SASL_SSL_BOOTSTRAP" -DKAFKA_TLS_DIR="$KAFKA_TLS_DIR" &&
                cmake --build build/matrix -j2 &&
                ctest --test-dir build/matrix -L broker --output-on-failure
        } >"$logs/$v/ctest.log" 2>&1
        rc=$?
        summary=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$logs/$v/ctest.log" | tail -n 1)
        names=$(sed -n '/The following tests FAILED:/,/^Errors while running/p' "$logs/$v/ctest.log" |
            grep -E '^[[:space:]]+[0-9]+ - ' | sed -E 's/^[[:space:]]+[0-9]+ - /ctest: /')
        if [ "$rc" -eq 0 ]; then
            n=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$summary")
            res_ctest[$v]="pass $n/$n"
        elif [ -n "$summary" ]; then
            res_ctest[$v]="FAIL $(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1 of \2/' <<<"$summary")"
        else
            res_ctest[$v]="FAIL (configure or build: see the log)"
        fi
        failed_names[$v]+=$names
    fi

    step "Kafka $v: stopping the brokers"
    stop_brokers
    res_time[$v]=$(($(now) - t0))
done
KAFKA_VERSION=

status=0
{
    echo
    printf '%-8s  %-16s  %-24s  %-24s  %s\n' release brokers "cargo (broker tests)" "ctest -L broker" time
    for v in "${versions[@]}"; do
        printf '%-8s  %-16s  %-24s  %-24s  %ss\n' "$v" "${res_brokers[$v]}" "${res_cargo[$v]}" \
            "${res_ctest[$v]}" "${res_time[$v]}"
        [[ ${res_brokers[$v]} == ok && ${res_cargo[$v]} != FAIL* && ${res_ctest[$v]} != FAIL* ]] || status=1
    done
    for v in "${versions[@]}"; do
        names=$(grep -v '^$' <<<"${failed_names[$v]}")
        [ -z "$names" ] || { echo; echo "failed on $v (logs: $logs/$v):"; sed 's/^/  /' <<<"$names"; }
    done
} >&2
exit "$status"
