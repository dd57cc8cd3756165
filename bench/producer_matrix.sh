#!/usr/bin/env bash
# Producer benchmark matrix for libkafka_rs's Writer (through the C API, release build) against
# the local single-node broker: 100 B and 1 KB messages, 1 and 6 partitions, acks=1 and all,
# none/lz4/zstd; plus the latency of synchronous single-message writes with default settings.
# Prints a markdown table. Usage: bench/producer_matrix.sh [messages per cell, default 300000]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-300000}
scripts/kafka-local.sh start >/dev/null
cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DKAFKA_RS_CARGO_PROFILE=release >/dev/null
cmake --build build/bench --target kafka_perf -j2 >/dev/null
perf=build/bench/kafka_perf
run_id=$(date +%s)
echo "| size | partitions | acks | codec | msgs/s | MB/s | CPU s / 1M msgs | avg batch | peak RSS MB |"
echo "|---|---|---|---|---|---|---|---|---|"
for size in 100 1024; do
    n=$N
    [ "$size" -ge 1024 ] && n=$((N / 3))
    for parts in 1 6; do
        for acks in 1 all; do
            for codec in none lz4 zstd; do
                line=$("$perf" -P -t "bench-$run_id-$size-$parts-$acks-$codec" -n "$n" -s "$size" -p "$parts" -a "$acks" -z "$codec")
                get() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line"; }
                echo "| $size | $parts | $acks | $codec | $(get msgs_per_s) | $(get mb_per_s) | $(get cpu_s_per_million) | $(get avg_batch) | $(get max_rss_mb) |"
            done
        done
    done
done
echo
lat=$("$perf" -L -t "bench-$run_id-latency" -n 2000 -s 100)
echo "Synchronous single-message write, default settings (acks=all, idempotent), 2000 writes of 100 B:"
echo "p50 $(sed -n 's/.*p50_us=\([0-9]*\).*/\1/p' <<<"$lat") µs, p99 $(sed -n 's/.*p99_us=\([0-9]*\).*/\1/p' <<<"$lat") µs, max $(sed -n 's/.*max_us=\([0-9]*\).*/\1/p' <<<"$lat") µs"
