#!/usr/bin/env bash
# The demo: builds libkafka_rs and the C demo, starts a local Kafka broker, and produces and
# consumes messages through the C API. Leaves the broker running (scripts/kafka-local.sh stop).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
bootstrap=$(scripts/kafka-local.sh start)
cmake -S . -B build/demo -DCMAKE_BUILD_TYPE=Release -DKAFKA_RS_CARGO_PROFILE=release >/dev/null
cmake --build build/demo --target demo -j2
KAFKA_BOOTSTRAP=$bootstrap build/demo/demo
echo "(the broker keeps running at $bootstrap; stop it with scripts/kafka-local.sh stop)"
