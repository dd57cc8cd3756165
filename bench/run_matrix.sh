#!/usr/bin/env bash
# bench/run_matrix.sh: libkafka_rs side by side with librdkafka, segmentio/kafka-go, franz-go and
# the Java client's own perf tools, on one local broker, in one run. See BENCHMARKS.md.
#
#   bench/run_matrix.sh            the full matrix, 3 repetitions per cell
#   BENCH_REPS=1 BENCH_QUICK=1 bench/run_matrix.sh    a quick look (fewer cells, 1 rep)
#
# What it does:
#   1. installs the peers: librdkafka-dev and time (apt-get, when missing), the Go modules
#      pinned in bench/go-peers/go.sum (go build, from the Go module proxy), the Kafka jars
#      from Maven Central (scripts/kafka-local.sh fetch; they hold ProducerPerformance and
#      ConsumerPerformance); builds libkafka_rs in release and the C programs with -O2;
#   2. starts a single-node broker with scripts/kafka-local.sh (port from KAFKA_RS_PORT /
#      KAFKA_RS_CONTROLLER_PORT, KAFKA_RS_RUN for its directory; an already running one is
#      reused and left running, one started here is stopped at the end);
#   3. runs every cell: each repetition runs every client once, in an order that rotates
#      from one repetition and cell to the next, on a fresh topic; each client runs under
#      /usr/bin/time -f '%e %U %S %M', so CPU (user + sys of the whole process) and peak RSS
#      are measured the same way for all;
#   4. writes bench/results/<UTC date-time>.md and .csv (medians, ratio to librdkafka) and
#      -raw.csv (every run).
#
# Needs: bash, python3, cargo, a C compiler, Go >= 1.21 (franz-go v1.22.3 needs Go 1.26: an older go
# fetches that toolchain itself, GOTOOLCHAIN=auto), Java >= 17 and mvn (the broker script
# installs the last two with apt-get when missing), root or sudo for apt-get.
# Environment: BENCH_REPS (3), BENCH_N100 (500000 messages of 100 B), BENCH_N1K (125000 of 1 KB),
# BENCH_C100 / BENCH_C1K (consume: 1000000 / 250000, more because consuming is quicker),
# BENCH_E2E_N (30000 at 10000/s), BENCH_SYNC_N (2000 writes, at most 3 s per client),
# BENCH_CLIENTS (all: "kafka_rs librdkafka kafka-go franz-go java"), BENCH_QUICK (1 = 100 B,
# acks=1 and no zstd only).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
REPS=${BENCH_REPS:-3}
N100=${BENCH_N100:-500000}
N1K=${BENCH_N1K:-125000}
C100=${BENCH_C100:-1000000}
C1K=${BENCH_C1K:-250000}
E2E_N=${BENCH_E2E_N:-30000}
SYNC_N=${BENCH_SYNC_N:-2000}
CLIENTS=(${BENCH_CLIENTS:-kafka_rs librdkafka kafka-go franz-go java})
QUICK=${BENCH_QUICK:-0}
BIN=$ROOT/build/bench
OUT=$ROOT/bench/results
STAMP=$(date -u +%Y-%m-%dT%H%M%SZ)
RAW=$OUT/$STAMP-raw.csv
T_START=$(date +%s)
log() { echo "run_matrix: $*" >&2; }

# --- 1. peers and builds -------------------------------------------------------------------
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
missing=()
[ -f /usr/include/librdkafka/rdkafka.h ] || missing+=(librdkafka-dev)
[ -x /usr/bin/time ] || missing+=(time)
command -v python3 >/dev/null || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
    log "apt-get install ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v go >/dev/null || { log "Go (>= 1.21) is needed: https://go.dev/dl/"; exit 1; }
mkdir -p "$BIN" "$OUT"
log "building libkafka_rs (release), the C programs and the Go peers"
cargo build --release --locked --lib --quiet
# The library names itself by its SONAME (build.rs); give the loader that name beside it.
soname=$(readelf -d target/release/libkafka_rs.so | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
ln -sf libkafka_rs.so "target/release/$soname"
CFLAGS=(-O2 -Wall -Wextra -Werror -Wpedantic -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE)
cc "${CFLAGS[@]}" -Iinclude bench/kafka_perf.c -o "$BIN/kafka_perf" -L"$ROOT/target/release" -lkafka_rs \
    -Wl,-rpath,"$ROOT/target/release" -lpthread
cc "${CFLAGS[@]}" bench/rdkafka_perf.c -o "$BIN/rdkafka_perf" -lrdkafka -lpthread
(cd bench/go-peers && go build -o "$BIN/kafkago_perf" ./kafkago && go build -o "$BIN/franz_perf" ./franz)
scripts/kafka-local.sh fetch >&2
RDKAFKA_VERSION=$(dpkg-query -W -f='${Version}' librdkafka-dev 2>/dev/null || echo unknown)
T_BUILT=$(date +%s)

# --- 2. broker -----------------------------------------------------------------------------
started_broker=1
if grep -q '^single .* ready' <<<"$(scripts/kafka-local.sh status 2>/dev/null || true)"; then
    started_broker=0
fi
BROKER=$(scripts/kafka-local.sh start)
if [ "$started_broker" = 1 ]; then
    trap 'scripts/kafka-local.sh stop --single >&2 || true' EXIT
fi
log "broker $BROKER"

# --- 3. cells ------------------------------------------------------------------------------
PERF=$BIN/kafka_perf
RUN_ID=$(date +%s)
echo "kind,size,partitions,acks,codec,reader,client,rep,order,wall_s,user_s,sys_s,max_rss_kb,count,msgs_per_s,mb_per_s,prog_cpu_s,p50_us,p99_us,first_msg_after_s" >"$RAW"

payload_file() { # the payload every client sends, as a file for ProducerPerformance
    local f=$BIN/payload-$1
    [ -f "$f" ] || python3 -c "import sys
n=int(sys.argv[1]); c='abcdefghijklmnopqrstuvwxyz0123456789'
sys.stdout.write(''.join(chr(ord(c[i%36])^(i//36%3)) for i in range(n)))" "$1" >"$f"
    echo "$f"
}
kv() { sed -n "s/.*[ ^]$1=\([^ ]*\).*/\1/p" <<<" $2" | head -1; }

# run <client> <kind> <topic> <size> <count> <partitions> <acks> <codec> <group>
# prints the program's own line, normalised to kafka_perf's keys
run_client() {
    local client=$1 kind=$2 topic=$3 size=$4 count=$5 parts=$6 acks=$7 codec=$8 group=$9
    local -a args
    case $kind in
    produce) args=(-P -t "$topic" -b "$BROKER" -n "$count" -s "$size" -p "$parts" -a "$acks" -z "$codec" -l 5 -B 10000 -I) ;;
    consume) args=(-C -t "$topic" -b "$BROKER" -n "$count")
             [ -n "$group" ] && args+=(-G "$group") ;;
    e2e) args=(-E -t "$topic" -b "$BROKER" -n "$count" -s "$size" -r 10000 -a all -I) ;;
    sync*) args=(-L -t "$topic" -b "$BROKER" -n "$count" -s "$size" -d 3)
           [ "$kind" = sync-b1 ] && args+=(-B 1) ;;
    esac
    case $client in
    kafka_rs) "$PERF" "${args[@]}" ;;
    librdkafka) "$BIN/rdkafka_perf" "${args[@]}" ;;
    kafka-go) "$BIN/kafkago_perf" "${args[@]}" ;;
    franz-go) "$BIN/franz_perf" "${args[@]}" ;;
    java)
        local line
        if [ "$kind" = produce ]; then
            line=$(scripts/kafka-local.sh java-tool org.apache.kafka.tools.ProducerPerformance --topic "$topic" \
                --num-records "$count" --throughput -1 --payload-file "$(payload_file "$size")" \
                --bootstrap-server "$BROKER" --command-property acks="$acks" compression.type="$codec" \
                linger.ms=5 batch.size=1048576 enable.idempotence=false 2>/dev/null | grep 'records sent' | tail -1)
            # "N records sent, X records/sec (Y MB/sec), ..."
            local rate sent
            rate=$(sed -n 's/.* records sent, \([0-9.]*\) records\/sec.*/\1/p' <<<"$line")
            sent=$(sed -n 's/^\([0-9]*\) records sent.*/\1/p' <<<"$line")
            [ "$sent" = "$count" ] || { echo "ProducerPerformance: '$line'" >&2; return 1; }
            echo "count=$count msgs_per_s=$rate mb_per_s=$(python3 -c "print(f'{$rate*$size/1e6:.2f}')")"
        else
            # ConsumerPerformance always joins a group: a fresh one per run in the partition cells too
            local -a grp=(--group "${group:-java-$topic-$(date +%s%N)}")
            line=$(scripts/kafka-local.sh java-tool org.apache.kafka.tools.ConsumerPerformance --topic "$topic" \
                --num-records "$count" --bootstrap-server "$BROKER" "${grp[@]}" --hide-header \
                --command-property auto.commit.interval.ms=1000 auto.offset.reset=earliest 2>/dev/null | tail -1)
            # start, end, MB, MB/s, nMsg, nMsg/s, rebalance ms, fetch ms, fetch MB/s, fetch nMsg/s
            IFS=, read -r _ _ _ _ n rate _ _ _ _ <<<"$line"
            [ "${n// /}" = "$count" ] || { echo "ConsumerPerformance: '$line'" >&2; return 1; }
            echo "count=${n// /} msgs_per_s=${rate// /} mb_per_s=$(python3 -c "print(f'{${rate// /}*$size/1e6:.2f}')")"
        fi ;;
    esac
}

# measure <kind> <size> <parts> <acks> <codec> <reader> <client> <rep> <order> <topic> <count> <group>
measure() {
    local kind=$1 size=$2 parts=$3 acks=$4 codec=$5 reader=$6 client=$7 rep=$8 order=$9 topic=${10} count=${11} group=${12}
    local tf=$BIN/time.txt line
    if ! line=$(/usr/bin/time -f '%e %U %S %M' -o "$tf" bash -c 'run_client "$@"' _ \
        "$client" "$kind" "$topic" "$size" "$count" "$parts" "$acks" "$codec" "$group" | tail -1) || [ -z "$line" ]; then
        log "FAILED: $client $kind size=$size partitions=$parts acks=$acks codec=$codec $reader"
        return 0
    fi
    local wall user sys rss
    read -r wall user sys rss < <(tail -1 "$tf")
    echo "$kind,$size,$parts,$acks,$codec,$reader,$client,$rep,$order,$wall,$user,$sys,$rss,$(kv count "$line"),$(kv msgs_per_s "$line"),$(kv mb_per_s "$line"),$(kv cpu_s "$line"),$(kv p50_us "$line"),$(kv p99_us "$line"),$(kv first_msg_after_s "$line")" >>"$RAW"
}

export -f run_client payload_file
export BIN PERF BROKER
cell=0
# rotated <offset> <clients...>: the clients starting at offset, wrapping around
rotated() { local k=$1; shift; local a=("$@") i; for ((i = 0; i < ${#a[@]}; i++)); do echo "${a[(i + k) % ${#a[@]}]}"; done; }

sizes=(100 1024); partitions=(1 6); ackses=(1 all); codecs=(none lz4 zstd)
if [ "$QUICK" = 1 ]; then sizes=(100); ackses=(1); codecs=(none lz4); fi
count_for() { [ "$1" -ge 1024 ] && echo "$N1K" || echo "$N100"; }

log "produce cells"
for size in "${sizes[@]}"; do for parts in "${partitions[@]}"; do for acks in "${ackses[@]}"; do for codec in "${codecs[@]}"; do
    n=$(count_for "$size")
    for ((rep = 1; rep <= REPS; rep++)); do
        order=0
        for client in $(rotated $((cell + rep)) "${CLIENTS[@]}"); do
            topic=bench-$RUN_ID-p$cell-$rep-$client
            "$PERF" -T -t "$topic" -p "$parts" -b "$BROKER"
            measure produce "$size" "$parts" "$acks" "$codec" - "$client" "$rep" $((order++)) "$topic" "$n" ""
            "$PERF" -X -t "$topic" -b "$BROKER"
        done
    done
    cell=$((cell + 1))
    log "  size=$size partitions=$parts acks=$acks codec=$codec done ($(($(date +%s) - T_START)) s)"
done; done; done; done

log "consume cells"
for size in "${sizes[@]}"; do for reader in partition group; do for codec in "${codecs[@]}"; do
    n=$C100
    [ "$size" -ge 1024 ] && n=$C1K
    parts=1
    [ "$reader" = group ] && parts=6
    topic=bench-$RUN_ID-c$cell
    "$PERF" -T -t "$topic" -p "$parts" -b "$BROKER"
    "$BIN/rdkafka_perf" -P -t "$topic" -b "$BROKER" -n "$n" -s "$size" -a 1 -z "$codec" -l 5 -B 10000 -I >/dev/null
    for ((rep = 1; rep <= REPS; rep++)); do
        order=0
        for client in $(rotated $((cell + rep)) "${CLIENTS[@]}"); do
            group=""
            [ "$reader" = group ] && group=g-$RUN_ID-$cell-$rep-$client
            measure consume "$size" "$parts" - "$codec" "$reader" "$client" "$rep" $((order++)) "$topic" "$n" "$group"
        done
    done
    "$PERF" -X -t "$topic" -b "$BROKER"
    cell=$((cell + 1))
    log "  size=$size $reader codec=$codec done ($(($(date +%s) - T_START)) s)"
done; done; done

log "end-to-end latency at 10000 msgs/s and synchronous single-message writes"
for ((rep = 1; rep <= REPS; rep++)); do
    order=0
    for client in $(rotated $((cell + rep)) "${CLIENTS[@]}"); do
        [ "$client" = java ] && continue # no fixed-rate end-to-end tool in the Java client
        topic=bench-$RUN_ID-e$rep-$client
        "$PERF" -T -t "$topic" -p 1 -b "$BROKER"
        measure e2e 100 1 all none - "$client" "$rep" $((order++)) "$topic" "$E2E_N" ""
        "$PERF" -X -t "$topic" -b "$BROKER"
    done
    order=0
    for client in $(rotated $((cell + rep)) "${CLIENTS[@]}"); do
        [ "$client" = java ] && continue # ProducerPerformance has no synchronous mode
        topic=bench-$RUN_ID-s$rep-$client
        "$PERF" -T -t "$topic" -p 1 -b "$BROKER"
        measure sync 100 1 default none - "$client" "$rep" $((order++)) "$topic" "$SYNC_N" ""
        if [ "$client" = kafka-go ]; then
            measure sync-b1 100 1 all none - "$client" "$rep" $((order++)) "$topic" "$SYNC_N" ""
        fi
        "$PERF" -X -t "$topic" -b "$BROKER"
    done
done
log "  done ($(($(date +%s) - T_START)) s)"

# The Java tools' fixed cost (JVM start-up, class loading, connecting), for reading their CPU
# figures: ProducerPerformance sending one record.
topic=bench-$RUN_ID-jvm
"$PERF" -T -t "$topic" -p 1 -b "$BROKER"
/usr/bin/time -f '%e %U %S %M' -o "$BIN/time.txt" scripts/kafka-local.sh java-tool \
    org.apache.kafka.tools.ProducerPerformance --topic "$topic" --num-records 1 --throughput -1 \
    --record-size 100 --bootstrap-server "$BROKER" >/dev/null 2>&1 || true
"$PERF" -X -t "$topic" -b "$BROKER"
JVM_BASE=$(tail -1 "$BIN/time.txt")

# --- 4. report -----------------------------------------------------------------------------
T_END=$(date +%s)
python3 bench/report.py "$RAW" "$OUT/$STAMP" \
    --machine "$(nproc) CPUs, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(awk '/MemTotal/ {printf "%.1f GB RAM", $2/1048576}' /proc/meminfo), $(uname -sr)" \
    --loadavg "$(cut -d' ' -f1-3 /proc/loadavg)" \
    --versions "libkafka_rs $(git describe --always --dirty 2>/dev/null || echo '?'), librdkafka $RDKAFKA_VERSION, $(cd bench/go-peers && go list -m -f '{{.Path}} {{.Version}}' github.com/segmentio/kafka-go github.com/twmb/franz-go | tr '\n' ',' | sed 's/,$//'), Java client $(sed -n 's/^KAFKA_VERSION=//p' scripts/kafka-local.sh) ($(java -version 2>&1 | head -1))" \
    --jvm-baseline "$JVM_BASE" \
    --durations "$((T_BUILT - T_START)) $((T_END - T_BUILT)) $((T_END - T_START))" \
    --command "bench/run_matrix.sh" --reps "$REPS"
log "wrote $OUT/$STAMP.md, $OUT/$STAMP.csv, $RAW in $((T_END - T_START)) s"
