#!/usr/bin/env bash
# Runs every test: formatting and lints, cargo unit and integration tests, and the C examples and
# C tests through CMake/ctest (plain and under AddressSanitizer), against real local Kafka
# brokers (a single node and a 3-node cluster) that this script starts and stops.
# Set KAFKA_RS_KEEP_BROKERS=1 to leave the brokers running afterwards. The broker environment
# of scripts/kafka-local.sh (KAFKA_RS_RUN, KAFKA_RS_PORT, KAFKA_RS_SASL_PORT, ...,
# KAFKA_RS_CLUSTER_PORTS) runs everything against a private set of brokers; the tests are
# pointed at whatever was started (KAFKA_BOOTSTRAP, KAFKA_SASL_BOOTSTRAP, KAFKA_TLS_DIR, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

step() { printf '\n==> %s\n' "$*" >&2; }

step "prerequisites"
scripts/install-deps.sh

step "starting local Kafka (single node and 3-node cluster)"
single=$(scripts/kafka-local.sh start)
cluster=$(scripts/kafka-local.sh start --cluster3)
host=${KAFKA_RS_HOST:-127.0.0.1}
export KAFKA_BOOTSTRAP=$single KAFKA_CLUSTER_BOOTSTRAP=$cluster
export KAFKA_SASL_BOOTSTRAP=$host:${KAFKA_RS_SASL_PORT:-9094}
export KAFKA_SSL_BOOTSTRAP=$host:${KAFKA_RS_SSL_PORT:-9095}
export KAFKA_SASL_SSL_BOOTSTRAP=$host:${KAFKA_RS_SASL_SSL_PORT:-9096}
export KAFKA_TLS_DIR=${KAFKA_RS_RUN:-/tmp/libkafka_rs-kafka}/single/tls
cmake_brokers=(-DKAFKA_BOOTSTRAP="$KAFKA_BOOTSTRAP" -DKAFKA_CLUSTER_BOOTSTRAP="${cluster%%,*}"
    -DKAFKA_SASL_BOOTSTRAP="$KAFKA_SASL_BOOTSTRAP" -DKAFKA_SSL_BOOTSTRAP="$KAFKA_SSL_BOOTSTRAP"
    -DKAFKA_SASL_SSL_BOOTSTRAP="$KAFKA_SASL_SSL_BOOTSTRAP" -DKAFKA_TLS_DIR="$KAFKA_TLS_DIR")
if [ -z "${KAFKA_RS_KEEP_BROKERS:-}" ]; then
    trap 'scripts/kafka-local.sh stop >/dev/null 2>&1 || true' EXIT
fi

step "cargo fmt --check"
cargo fmt --all -- --check
step "cargo clippy"
cargo clippy --locked --all-targets -- -D warnings

step "cargo test"
cargo test --locked --all-targets

step "C examples and tests, install and out-of-tree builds (ctest)"
# Both CMake builds use cargo's own target directory, so the library cargo test just built is reused.
cmake_common=(-DCMAKE_BUILD_TYPE=Debug -DKAFKA_RS_CARGO_TARGET_DIR="$PWD/target" "${cmake_brokers[@]}")
cmake -S . -B build/ctest "${cmake_common[@]}" >/dev/null
cmake --build build/ctest -j2
ctest --test-dir build/ctest --output-on-failure

step "C examples and tests under AddressSanitizer (ctest)"
cmake -S . -B build/asan -DKAFKA_RS_ASAN=ON "${cmake_common[@]}" >/dev/null
cmake --build build/asan -j2
ASAN_OPTIONS=detect_leaks=1 ctest --test-dir build/asan --output-on-failure

step "all tests passed"
