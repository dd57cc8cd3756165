#!/usr/bin/env python3
"""bench/report.py: turns bench/run_matrix.sh's raw CSV (one row per run) into a markdown
report and a CSV of medians with each client's ratio to librdkafka.

usage: report.py RAW.csv OUT_PREFIX [--machine ..] [--versions ..] [--loadavg ..]
                 [--jvm-baseline "wall user sys rss_kb"] [--durations "build matrix total"]
                 [--command ..] [--reps N]
writes OUT_PREFIX.md and OUT_PREFIX.csv."""
import argparse
import csv
import statistics
from collections import defaultdict

CLIENTS = ["kafka_rs", "librdkafka", "kafka-go", "franz-go", "java"]
KEY = ("kind", "size", "partitions", "acks", "codec", "reader")


def num(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def aggregate(rows):
    groups = defaultdict(list)
    for r in rows:
        client = r["client"] + ("(BatchSize=1,acks=all)" if r["kind"] == "sync-b1" else "")
        kind = "sync" if r["kind"] == "sync-b1" else r["kind"]
        groups[(kind, r["size"], r["partitions"], r["acks"] if kind != "sync" else "-", r["codec"], r["reader"], client)].append(r)
    out = {}
    for k, rs in groups.items():
        cpu = []
        for r in rs:
            u, s, n = num(r["user_s"]), num(r["sys_s"]), num(r["count"])
            cpu.append((u + s) / n * 1e6 if None not in (u, s, n) and n > 0 else None)
        rss = [num(r["max_rss_kb"]) / 1024 if num(r["max_rss_kb"]) is not None else None for r in rs]
        out[k] = {
            "runs": len(rs),
            "msgs_per_s": median(num(r["msgs_per_s"]) for r in rs),
            "mb_per_s": median(num(r["mb_per_s"]) for r in rs),
            "cpu_s_per_million": median(cpu),
            "max_rss_mb": median(rss),
            "p50_us": median(num(r["p50_us"]) for r in rs),
            "p99_us": median(num(r["p99_us"]) for r in rs),
            "wall_s": median(num(r["wall_s"]) for r in rs),
            "first_msg_after_s": median(num(r["first_msg_after_s"]) for r in rs),
            "count": median(num(r["count"]) for r in rs),
        }
    return out


def ratio(a, b):
    return a / b if a is not None and b else None


def fmt_rate(x):
    if x is None:
        return "—"
    return f"{x / 1e6:.2f}M" if x >= 1e6 else f"{x / 1e3:.0f}k"


def fmt_ratio(r):
    return f" ({r:.2f}×)" if r is not None else ""


def fmt(x, spec):
    return "—" if x is None else format(x, spec)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("raw")
    ap.add_argument("out")
    for a in ("machine", "versions", "loadavg", "jvm_baseline", "durations", "command", "reps"):
        ap.add_argument("--" + a.replace("_", "-"), default="")
    a = ap.parse_args()
    with open(a.raw, newline="") as f:
        rows = list(csv.DictReader(f))
    agg = aggregate(rows)
    cells = defaultdict(dict)
    for k, v in agg.items():
        cells[k[:6]][k[6]] = v
    order = {"produce": 0, "consume": 1, "e2e": 2, "sync": 3}

    def cell_key(c):
        return (order.get(c[0], 9), int(c[1]), c[5], int(c[2]), c[3], ["none", "lz4", "zstd"].index(c[4]) if c[4] in ("none", "lz4", "zstd") else 9)

    # CSV of medians
    with open(a.out + ".csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(list(KEY) + ["client", "runs", "msgs_per_s", "mb_per_s", "cpu_s_per_million", "max_rss_mb",
                                "p50_us", "p99_us", "wall_s", "first_msg_after_s",
                                "ratio_msgs_per_s_vs_librdkafka", "ratio_cpu_vs_librdkafka", "ratio_rss_vs_librdkafka",
                                "ratio_p50_vs_librdkafka", "ratio_p99_vs_librdkafka"])
        for c in sorted(cells, key=cell_key):
            base = cells[c].get("librdkafka", {})
            for client in sorted(cells[c], key=lambda x: (CLIENTS.index(x.split("(")[0]), x)):
                v = cells[c][client]
                rs = [ratio(v[m], base.get(m)) for m in ("msgs_per_s", "cpu_s_per_million", "max_rss_mb", "p50_us", "p99_us")]
                w.writerow(list(c) + [client, v["runs"]] + [
                    "" if v[m] is None else f"{v[m]:.6g}" for m in
                    ("msgs_per_s", "mb_per_s", "cpu_s_per_million", "max_rss_mb", "p50_us", "p99_us", "wall_s", "first_msg_after_s")
                ] + ["" if r is None else f"{r:.3f}" for r in rs])

    md = []
    md.append(f"Command: `{a.command}` ({a.reps} repetitions per cell, clients alternating cell by cell; medians).  ")
    md.append(f"Machine: {a.machine}; load average at the end {a.loadavg}.  ")
    md.append(f"Clients: {a.versions}.  ")
    if a.durations:
        b, m, t = a.durations.split()
        md.append(f"Duration: {t} s in all ({b} s installing and building, {m} s running the matrix).  ")
    if a.jvm_baseline:
        wall, user, sys_, rss = a.jvm_baseline.split()
        md.append(f"Java tools' fixed cost (ProducerPerformance sending one record: JVM start-up, class loading, "
                  f"connecting): {float(user) + float(sys_):.2f} CPU s, {int(rss) / 1024:.0f} MB peak RSS, {wall} s; "
                  f"the java CPU figures below include it.")
    md.append("")
    md.append("Throughput entries: messages/s, MB/s, (ratio to librdkafka). CPU: user + sys seconds of the whole "
              "client process (from `/usr/bin/time`) per million messages, (ratio to librdkafka). RSS: peak "
              "resident set of the process in MB.")
    present = [c for c in CLIENTS if any(c in cells[k] for k in cells)]

    def table(kind, head, keycols):
        ks = sorted((c for c in cells if c[0] == kind), key=cell_key)
        if not ks:
            return

        def section(title, field, render):
            md.append("")
            md.append(f"### {head}: {title}")
            md.append("")
            md.append("| " + " | ".join(keycols[0] + present) + " |")
            md.append("|" + "---|" * (len(keycols[0]) + len(present)))
            for c in ks:
                base = cells[c].get("librdkafka", {})
                row = keycols[1](c)
                for cl in present:
                    v = cells[c].get(cl)
                    row.append("—" if not v or v[field] is None else render(v, base))
                md.append("| " + " | ".join(row) + " |")

        section("throughput", "msgs_per_s",
                lambda v, base: f"{fmt_rate(v['msgs_per_s'])} · {fmt(v['mb_per_s'], '.1f')} MB/s"
                + fmt_ratio(ratio(v["msgs_per_s"], base.get("msgs_per_s"))))
        section("CPU s per 1M messages · peak RSS MB", "cpu_s_per_million",
                lambda v, base: f"{v['cpu_s_per_million']:.2f}"
                f"{fmt_ratio(ratio(v['cpu_s_per_million'], base.get('cpu_s_per_million')))}"
                f" · {fmt(v['max_rss_mb'], '.0f')}")

    table("produce", "Produce", (["size B", "partitions", "acks", "codec"], lambda c: [c[1], c[2], c[3], c[4]]))
    table("consume", "Consume (from the earliest offset, time from creating the consumer to the last message)",
          (["size B", "reader", "codec"], lambda c: [c[1], "partition 0" if c[5] == "partition" else "group, 6 partitions", c[4]]))

    for kind, head in (("e2e", "End-to-end latency, 100 B at 10,000 messages/s, acks=all, 1 partition"),
                       ("sync", "Synchronous single-message write (100 B), default settings; messages/s = writes/s")):
        ks = [c for c in cells if c[0] == kind]
        if not ks:
            continue
        md.append("")
        md.append(f"### {head}")
        md.append("")
        md.append("| client | p50 µs | p99 µs | messages/s | CPU s per 1M | peak RSS MB |")
        md.append("|---|---|---|---|---|---|")
        for c in ks:
            base = cells[c].get("librdkafka", {})
            for cl in sorted(cells[c], key=lambda x: (CLIENTS.index(x.split("(")[0]), x)):
                v = cells[c][cl]
                md.append(f"| {cl} | {fmt(v['p50_us'], '.0f')}{fmt_ratio(ratio(v['p50_us'], base.get('p50_us')))} | "
                          f"{fmt(v['p99_us'], '.0f')}{fmt_ratio(ratio(v['p99_us'], base.get('p99_us')))} | "
                          f"{fmt(v['msgs_per_s'], '.0f')} | {fmt(v['cpu_s_per_million'], '.1f')} | {fmt(v['max_rss_mb'], '.0f')} |")

    # where kafka_rs is behind librdkafka
    behind = []
    for c, byc in cells.items():
        ours, base = byc.get("kafka_rs"), byc.get("librdkafka")
        if not ours or not base:
            continue
        name = " ".join(x for x in (c[0], c[1] + " B" if c[0] in ("produce", "consume") else "",
                                    f"P={c[2]}" if c[0] == "produce" else "", f"acks={c[3]}" if c[0] == "produce" else "",
                                    c[5] if c[0] == "consume" else "", c[4] if c[0] in ("produce", "consume") else "") if x)
        if c[0] in ("produce", "consume"):
            r = ratio(ours["msgs_per_s"], base["msgs_per_s"])
            if r is not None and r < 0.95:
                behind.append((r, f"{name}: throughput {r:.2f}× librdkafka"))
            rc = ratio(ours["cpu_s_per_million"], base["cpu_s_per_million"])
            if rc is not None and rc > 1.05:
                behind.append((1 / rc, f"{name}: CPU {rc:.2f}× librdkafka"))
        else:
            r = ratio(ours["p50_us"], base["p50_us"])
            if r is not None and r > 1.05:
                behind.append((1 / r, f"{name}: p50 latency {r:.2f}× librdkafka"))
    md.append("")
    md.append("### Where kafka_rs is behind librdkafka (throughput < 0.95×, CPU or p50 latency > 1.05×), worst first")
    md.append("")
    for _, s in sorted(behind):
        md.append(f"- {s}")
    if not behind:
        md.append("- nowhere")
    with open(a.out + ".md", "w") as f:
        f.write("\n".join(md) + "\n")


if __name__ == "__main__":
    main()
