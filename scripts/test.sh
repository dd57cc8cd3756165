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

step "all tests passed"
