//! The single-partition Reader against the real local brokers.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::*;
use kafka_rs::config::Config;
use kafka_rs::conn::{Conn, OutMessage, TopicSpec};
use kafka_rs::error::code;
use kafka_rs::protocol::compression::Compression;
use kafka_rs::reader::{Reader, LAST_OFFSET};
use kafka_rs::runtime::CancelToken;

fn reader(bootstrap: &str, topic: &str, extra: &[(&str, &str)]) -> Reader {
    let mut c = Config::new();
    c.set("bootstrap.servers", bootstrap).unwrap();
    c.set("reader.topic", topic).unwrap();
    for (k, v) in extra {
        c.set(k, v).unwrap();
    }
    Reader::new(&c).unwrap()
}

/// Writes `values` to partition 0 of `topic` (created if needed) with the given timestamps.
fn fill(bootstrap: &str, topic: &str, values: &[Vec<u8>], timestamps: Option<&[i64]>) {
    let conn = run(Conn::dial_leader(bootstrap, topic, 0, settings())).unwrap();
    for (n, chunk) in values.chunks(100).enumerate() {
        let msgs: Vec<OutMessage> = chunk
            .iter()
            .enumerate()
            .map(|(i, v)| OutMessage {
                value: Some(v),
                timestamp_ms: timestamps.map_or(0, |t| t[n * 100 + i]),
                ..Default::default()
            })
            .collect();
        run(conn.write_messages(&msgs, Compression::Lz4, Duration::from_secs(10))).unwrap();
    }
}

fn values(n: usize) -> Vec<Vec<u8>> {
    (0..n).map(|i| format!("{i:06}").into_bytes()).collect()
}

const T: Option<Duration> = Some(Duration::from_secs(20));

#[test]
fn reads_everything_in_order_from_the_first_offset_and_lag_reaches_zero() {
    let t = topic("r-all");
    let v = values(1000);
    fill(&single(), &t, &v, None);
    let r = reader(&single(), &t, &[("fetch.max.bytes", "4096")]);
    let mut got = Vec::new();
    while got.len() < v.len() {
        for m in r.read_batch(64, T, None).unwrap() {
            assert_eq!(m.offset, got.len() as i64);
            got.push(m.value.unwrap().to_vec());
        }
    }
    assert_eq!(got, v);
    assert_eq!(r.offset(), 1000);
    assert_eq!(r.lag(), 0);
    assert_eq!(r.read_lag(T, None).unwrap(), 0);
    assert!(r.stats().fetches > 1, "small fetches should take several requests");
}

#[test]
fn set_offset_42_reads_from_42_and_never_returns_stale_messages() {
    let t = topic("r-seek");
    let v = values(300);
    fill(&single(), &t, &v, None);
    let r = reader(&single(), &t, &[]);
    r.set_offset(42).unwrap();
    assert_eq!(r.read(T, None).unwrap().offset, 42);
    // Seek back and forth while the fetch task runs ahead: each read starts where asked.
    for target in [7, 250, 0, 299, 100, 100, 3] {
        // Let the fetch task run ahead of the application before seeking.
        std::thread::sleep(Duration::from_millis(30));
        r.set_offset(target).unwrap();
        assert_eq!(r.offset(), target);
        let m = r.read(T, None).unwrap();
        assert_eq!(m.offset, target, "after seeking to {target}");
        assert_eq!(m.value.unwrap().to_vec(), v[target as usize]);
    }
    r.set_offset(LAST_OFFSET).unwrap();
    let e = r.read(Some(Duration::from_millis(300)), None).unwrap_err();
    assert_eq!(e.code(), code::TIMED_OUT);
}

#[test]
fn set_offset_at_lands_on_the_first_message_at_or_after_the_time() {
    let t = topic("r-time");
    let v = values(100);
    let base = 1_700_000_000_000i64;
    let ts: Vec<i64> = (0..100).map(|i| base + i * 10).collect();
    fill(&single(), &t, &v, Some(&ts));
    let r = reader(&single(), &t, &[]);
    assert_eq!(r.set_offset_at(base + 500, T, None).unwrap(), 50);
    let m = r.read(T, None).unwrap();
    assert_eq!((m.offset, m.timestamp_ms), (50, base + 500));
    // Between two messages: the later one.
    assert_eq!(r.set_offset_at(base + 505, T, None).unwrap(), 51);
    assert_eq!(r.read(T, None).unwrap().offset, 51);
    // Earlier than everything: the first message; the first and the last exactly.
    assert_eq!(r.set_offset_at(base - 1_000_000, T, None).unwrap(), 0);
    assert_eq!(r.set_offset_at(base, T, None).unwrap(), 0);
    assert_eq!(r.set_offset_at(base + 990, T, None).unwrap(), 99);
    assert_eq!(r.read(T, None).unwrap().offset, 99);
    // Later than everything: the end.
    assert_eq!(r.set_offset_at(base + 991, T, None).unwrap(), 100);
    assert_eq!(r.set_offset_at(base + 1_000_000, T, None).unwrap(), 100);
    // Reading a time range: from 200 ms to 300 ms.
    r.set_offset_at(base + 200, T, None).unwrap();
    let mut in_range = Vec::new();
    loop {
        let m = r.read(T, None).unwrap();
        if m.timestamp_ms > base + 300 {
            break;
        }
        in_range.push(m.offset);
    }
    assert_eq!(in_range, (20..=30).collect::<Vec<i64>>());
}

#[test]
fn reads_time_out_and_are_cancelled_from_another_thread() {
    let t = topic("r-wait");
    drop(run(Conn::dial_leader(&single(), &t, 0, settings())).unwrap());
    let r = reader(&single(), &t, &[]);
    let start = Instant::now();
    assert_eq!(r.read(Some(Duration::from_millis(300)), None).unwrap_err().code(), code::TIMED_OUT);
    assert!(start.elapsed() < Duration::from_secs(3));
    let token = CancelToken::new();
    let t2 = token.clone();
    let h = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        t2.fire();
    });
    let start = Instant::now();
    assert_eq!(r.read(None, Some(&token)).unwrap_err().code(), code::CANCELLED);
    assert!(start.elapsed() < Duration::from_secs(3));
    h.join().unwrap();
    // New data after the waits is read normally.
    fill(&single(), &t, &values(3), None);
    assert_eq!(r.read(T, None).unwrap().offset, 0);
}

#[test]
fn close_returns_at_once_even_when_no_broker_answers() {
    let r = reader("127.0.0.1:1", "t", &[]);
    assert_eq!(r.read(Some(Duration::from_millis(300)), None).unwrap_err().code(), code::TIMED_OUT);
    let start = Instant::now();
    r.close(None, None).unwrap();
    drop(r);
    assert!(start.elapsed() < Duration::from_millis(500), "{:?}", start.elapsed());
}

#[test]
fn readers_follow_the_partition_to_a_new_leader_after_a_broker_dies() {
    let brokers = cluster();
    let t = topic("r-failover");
    let admin = cluster().iter().find_map(|a| run(Conn::dial(a, settings())).ok()).unwrap();
    let spec = TopicSpec { name: t.clone(), num_partitions: 1, replication_factor: 3, ..Default::default() };
    run(admin.create_topics(&[spec], Duration::from_secs(30))).unwrap();
    let v = values(400);
    fill(&brokers[0], &t, &v[..200], None);
    let r = reader(&brokers.join(","), &t, &[("fetch.max.bytes", "2048")]);
    // A group reader on the same partition, committing every read: its fetches, commits and
    // heartbeats must survive the leader (and maybe the group coordinator) going away too.
    let g = reader(
        &brokers.join(","),
        &t,
        &[
            ("fetch.max.bytes", "2048"),
            ("group.id", &format!("{t}-g")),
            ("session.timeout.ms", "10000"),
            ("heartbeat.interval.ms", "500"),
            ("auto.commit.interval.ms", "0"),
        ],
    );
    let mut got = Vec::new();
    while got.len() < 100 {
        got.extend(r.read_batch(10, T, None).unwrap().into_iter().map(|m| m.offset));
    }
    let mut got_g = Vec::new();
    while got_g.len() < 100 {
        got_g.extend(g.read_batch(10, T, None).unwrap().into_iter().map(|m| m.offset));
    }
    let leader = run(admin.read_partitions(std::slice::from_ref(&t))).unwrap()[0].leader;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/kafka-local.sh");
    assert!(Command::new(script).args(["kill-node", &leader.to_string()]).status().unwrap().success());
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // Write the rest through a surviving broker once a new leader is elected.
        let alive: Vec<String> = brokers
            .iter()
            .enumerate()
            .filter(|(i, _)| *i as i32 + 1 != leader)
            .map(|(_, b)| b.clone())
            .collect();
        let deadline = Instant::now() + Duration::from_secs(60);
        let conn = loop {
            if let Some(c) = alive.iter().find_map(|a| run(Conn::dial_leader(a, &t, 0, settings())).ok()) {
                break c;
            }
            assert!(Instant::now() < deadline, "no new leader");
            std::thread::sleep(Duration::from_millis(200));
        };
        for chunk in v[200..].chunks(100) {
            let msgs: Vec<OutMessage> =
                chunk.iter().map(|x| OutMessage { value: Some(x), ..Default::default() }).collect();
            run(conn.write_messages(&msgs, Compression::None, Duration::from_secs(10))).unwrap();
        }
        let mut got = got.clone();
        while got.len() < 400 {
            got.extend(
                r.read_batch(50, Some(Duration::from_secs(60)), None).unwrap().into_iter().map(|m| m.offset),
            );
        }
        assert_eq!(got, (0..400).collect::<Vec<i64>>());
        assert!(r.stats().reconnects > 0);
        // The group reader: nothing lost; a read whose commit failed hands its messages out
        // again, so what came back from reads is every offset exactly once.
        let deadline = Instant::now() + Duration::from_secs(90);
        while got_g.last().is_none_or(|o| *o < 399) {
            assert!(Instant::now() < deadline, "group reader stuck after {:?}", got_g.last());
            match g.read_batch(50, Some(Duration::from_secs(5)), None) {
                Ok(msgs) => got_g.extend(msgs.into_iter().map(|m| m.offset)),
                Err(e) => eprintln!("group read during the failover: {e}"),
            }
        }
        assert_eq!(got_g, (0..400).collect::<Vec<i64>>());
        g.close(T, None).unwrap();
    }));
    assert!(Command::new(script).args(["restart-node", &leader.to_string()]).status().unwrap().success());
    outcome.unwrap();
}

#[test]
fn the_fetch_task_prefetches_ahead_of_the_application_but_only_a_bounded_amount() {
    let t = topic("r-prefetch");
    let v = values(4000);
    fill(&single(), &t, &v, None);
    let r = reader(&single(), &t, &[("fetch.max.bytes", "1024"), ("auto.offset.reset", "earliest")]);
    assert_eq!(r.read(T, None).unwrap().offset, 0);
    // Without further reads, the fetch task keeps fetching until its queue is full.
    let deadline = Instant::now() + Duration::from_secs(20);
    while r.stats().fetches < 3 {
        assert!(Instant::now() < deadline, "no prefetch: {:?}", r.stats());
        std::thread::sleep(Duration::from_millis(20));
    }
    // ... and then stops: one batch handed out, four queued, one waiting to be queued.
    std::thread::sleep(Duration::from_millis(1000));
    let s = r.stats();
    assert!(s.fetches <= 6, "the fetch task ran ahead without bound: {s:?}");
    assert!(s.messages < 4000, "{s:?}");
    // Everything prefetched is handed out in order, then the rest.
    let mut next = 1;
    while next < 4000 {
        for m in r.read_batch(100, T, None).unwrap() {
            assert_eq!(m.offset, next);
            next += 1;
        }
    }
    let s = r.stats();
    assert_eq!((s.messages, s.offset, s.lag, s.queued_messages), (4000, 4000, 0, 0), "{s:?}");
    assert!(s.bytes > 4000, "{s:?}");
    assert_eq!(s.errors, 0, "{s:?}");
}

#[test]
fn read_lag_asks_the_broker_and_lag_follows_the_reads() {
    let t = topic("r-lag");
    fill(&single(), &t, &values(500), None);
    let r = reader(&single(), &t, &[("auto.offset.reset", "earliest")]);
    // Before any read: the whole partition.
    assert_eq!(r.read_lag(T, None).unwrap(), 500);
    let mut got = 0;
    while got < 200 {
        got += r.read_batch(200 - got, T, None).unwrap().len();
    }
    assert_eq!(r.offset(), 200);
    assert_eq!(r.read_lag(T, None).unwrap(), 300);
    assert_eq!(r.lag(), 300);
    fill(&single(), &t, &values(50), None);
    assert_eq!(r.read_lag(T, None).unwrap(), 350);
}

#[test]
fn close_returns_promptly_while_a_long_poll_is_in_flight() {
    let t = topic("r-close");
    drop(run(Conn::dial_leader(&single(), &t, 0, settings())).unwrap());
    // The broker holds each fetch of the empty partition for 60 s.
    let r = reader(&single(), &t, &[("fetch.wait.max.ms", "60000")]);
    assert_eq!(r.read(Some(Duration::from_millis(1500)), None).unwrap_err().code(), code::TIMED_OUT);
    assert_eq!(r.stats().errors, 0);
    let start = Instant::now();
    r.close(None, None).unwrap();
    drop(r);
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "close waited for the long poll: {:?}",
        start.elapsed()
    );

    // In a group: close commits, leaves the group and stops the fetch in flight.
    fill(&single(), &t, &values(3), None);
    let mut c = Config::new();
    c.set("bootstrap.servers", &single()).unwrap();
    c.set("reader.topic", &t).unwrap();
    c.set("group.id", &format!("{t}-g")).unwrap();
    c.set("auto.offset.reset", "earliest").unwrap();
    c.set("fetch.wait.max.ms", "60000").unwrap();
    c.set("session.timeout.ms", "6000").unwrap();
    c.set("heartbeat.interval.ms", "500").unwrap();
    let g = Reader::new(&c).unwrap();
    let mut got = 0;
    while got < 3 {
        got += g.read_batch(3, T, None).unwrap().len();
    }
    assert_eq!(g.read(Some(Duration::from_millis(1500)), None).unwrap_err().code(), code::TIMED_OUT);
    let start = Instant::now();
    g.close(T, None).unwrap();
    drop(g);
    assert!(start.elapsed() < Duration::from_secs(5), "group close waited: {:?}", start.elapsed());
}

#[test]
fn fetch_min_bytes_holds_the_fetch_until_enough_data_or_the_max_wait() {
    let t = topic("r-minbytes");
    fill(&single(), &t, &values(1), None);
    let hold =
        [("fetch.min.bytes", "1000000"), ("fetch.max.bytes", "4000000"), ("fetch.wait.max.ms", "60000")];
    let held = reader(&single(), &t, &hold);
    let quick = reader(&single(), &t, &[("fetch.min.bytes", "1000000"), ("fetch.wait.max.ms", "300")]);
    // One small message: the broker waits for a megabyte (or 60 s) before answering `held`,
    // but answers `quick` once its 300 ms are up.
    assert_eq!(quick.read(T, None).unwrap().offset, 0);
    assert_eq!(held.read(Some(Duration::from_millis(2000)), None).unwrap_err().code(), code::TIMED_OUT);
    // Incompressible data past the minimum: the held fetch is answered.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let big: Vec<Vec<u8>> = (0..1200)
        .map(|_| {
            (0..1000)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect()
        })
        .collect();
    fill(&single(), &t, &big, None);
    let m = held.read(T, None).unwrap();
    assert_eq!(m.offset, 0);
    assert_eq!(m.value.unwrap().to_vec(), b"000000".to_vec());
    held.close(None, None).unwrap();
    quick.close(None, None).unwrap();
}
