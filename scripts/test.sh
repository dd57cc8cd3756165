#!/usr/bin/env bash
# Runs every test: formatting and lints, cargo unit and integration tests, and the C examples and
# C tests through CMake/ctest (plain and under AddressSanitizer), against real local Kafka
# brokers (a single node and a 3-node cluster) that this script starts and stops.
# Set KAFKA_RS_KEEP_BROKERS=1 to leave the brokers running afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

step() { printf '\n==> %s\n' "$*" >&2; }

step "prerequisites"
scripts/install-deps.sh

step "starting local Kafka (single node and 3-node cluster)"
scripts/kafka-local.sh start
scripts/kafka-local.sh start --cluster3
if [ -z "${KAFKA_RS_KEEP_BROKERS:-}" ]; then
    trap 'scripts/kafka-local.sh stop >/dev/null 2>&1 || true' EXIT
fi

step "cargo fmt --check"
cargo fmt --all -- --check
step "cargo clippy"
cargo clippy --all-targets -- -D warnings

step "cargo test"
cargo test --all-targets

step "C examples and tests (ctest)"
cmake -S . -B build/ctest -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build/ctest -j2
ctest --test-dir build/ctest --output-on-failure

step "C examples and tests under AddressSanitizer (ctest)"
cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DKAFKA_RS_ASAN=ON >/dev/null
cmake --build build/asan -j2
ASAN_OPTIONS=detect_leaks=1 ctest --test-dir build/asan --output-on-failure

step "rack affinity against brokers with broker.rack (a private 3-node cluster)"
# The shared brokers set no broker.rack; this cluster (own run dir and ports) does, and is
# stopped again whatever happens.
rack_env=(KAFKA_RS_RUN="${KAFKA_RS_RACK_RUN:-/tmp/libkafka_rs-kafka-racks}"
    KAFKA_RS_CLUSTER_PORTS="${KAFKA_RS_RACK_PORTS:-19192,19292,19392}"
    KAFKA_RS_CLUSTER_CONTROLLER_PORTS="${KAFKA_RS_RACK_CONTROLLER_PORTS:-19193,19293,19393}")
stop_racks() { env "${rack_env[@]}" scripts/kafka-local.sh stop >/dev/null 2>&1 || true; }
rack_bootstrap=$(env "${rack_env[@]}" KAFKA_RS_RACKS=r1,r2,r3 scripts/kafka-local.sh start --cluster3)
KAFKA_RS_RACK_BOOTSTRAP=${rack_bootstrap%%,*} cargo test --test group_rebalance -- --ignored rack_affinity ||
    { stop_racks; exit 1; }
stop_racks

step "all tests passed"
