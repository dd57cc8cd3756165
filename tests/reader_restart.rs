//! Readers across a full broker restart. The test runs its OWN single-node broker (own run dir and
//! ports, so the shared test brokers are never disturbed), restarts it on the same data with
//! `scripts/kafka-local.sh restart`, and checks that
//! * a group reader that stays open resumes from its committed offset: no message lost, none
//!   delivered twice (every delivered message was committed before it was returned);
//! * a new group reader created after the restart starts exactly at the group's committed offset;
//! * a group reader committing periodically loses nothing (at-least-once) and flushes on close;
//! * a single-partition reader reconnects and continues at its own position.
//!
//! Ports: KAFKA_RESTART_PORT / KAFKA_RESTART_CONTROLLER_PORT (default 9492 / 9493) and
//! KAFKA_RESTART_SASL_PORT / _SSL_PORT / _SASL_SSL_PORT (9494 / 9495 / 9496); run dir
//! `$KAFKA_RS_RUN-restart` (default /tmp/libkafka_rs-kafka-restart).

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::*;
use kafka_rs::config::Config;
use kafka_rs::conn::{Conn, OutMessage, TopicSpec};
use kafka_rs::protocol::compression::Compression;
use kafka_rs::reader::Reader;

/// The private broker; stopped when dropped, also when the test fails.
struct Broker {
    env: Vec<(&'static str, String)>,
    bootstrap: String,
}

fn var_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.into())
}

impl Broker {
    fn script(&self, args: &[&str]) {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/kafka-local.sh");
        let mut cmd = Command::new(script);
        cmd.args(args).stdout(std::process::Stdio::null());
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        assert!(cmd.status().unwrap().success(), "kafka-local.sh {args:?}");
    }

    fn start() -> Broker {
        let port = var_or("KAFKA_RESTART_PORT", "9492");
        let cport = var_or("KAFKA_RESTART_CONTROLLER_PORT", "9493");
        let run = format!("{}-restart", var_or("KAFKA_RS_RUN", "/tmp/libkafka_rs-kafka"));
        let b = Broker {
            env: vec![
                ("KAFKA_RS_RUN", run),
                ("KAFKA_RS_PORT", port.clone()),
                ("KAFKA_RS_CONTROLLER_PORT", cport),
                // The single node also opens SASL and TLS listeners: keep them off the shared
                // broker's ports.
                ("KAFKA_RS_SASL_PORT", var_or("KAFKA_RESTART_SASL_PORT", "9494")),
                ("KAFKA_RS_SSL_PORT", var_or("KAFKA_RESTART_SSL_PORT", "9495")),
                ("KAFKA_RS_SASL_SSL_PORT", var_or("KAFKA_RESTART_SASL_SSL_PORT", "9496")),
                ("KAFKA_RS_HEAP", "384m".into()),
            ],
            bootstrap: format!("127.0.0.1:{port}"),
        };
        b.script(&["start"]);
        b
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.script(&["stop"]);
    }
}

/// Writes `range` (values are their offsets). Right after a restart the broker may still be
/// taking its partitions back: a failed write is retried on a new connection. (Had the broker
/// kept a write that failed, the value check in `read_until` would report the duplicate.)
fn write(bootstrap: &str, topic: &str, range: std::ops::Range<usize>) {
    let values: Vec<Vec<u8>> = range.map(|i| i.to_string().into_bytes()).collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut conn = None;
    for chunk in values.chunks(100) {
        let msgs: Vec<OutMessage> =
            chunk.iter().map(|v| OutMessage { value: Some(v), ..Default::default() }).collect();
        loop {
            let c = match conn.take() {
                Some(c) => c,
                None => match run(Conn::dial_leader(bootstrap, topic, 0, settings())) {
                    Ok(c) => c,
                    Err(e) => {
                        assert!(Instant::now() < deadline, "no leader: {e}");
                        std::thread::sleep(Duration::from_millis(200));
                        continue;
                    }
                },
            };
            match run(c.write_messages(&msgs, Compression::None, Duration::from_secs(10))) {
                Ok(_) => {
                    conn = Some(c);
                    break;
                }
                Err(e) => {
                    assert!(Instant::now() < deadline, "write: {e}");
                    eprintln!("write after the restart: {e}");
                    std::thread::sleep(Duration::from_millis(200));
                }
            }
        }
    }
}

fn reader(bootstrap: &str, topic: &str, group: Option<&str>) -> Reader {
    reader_with(bootstrap, topic, group, "0")
}

fn reader_with(bootstrap: &str, topic: &str, group: Option<&str>, commit_interval_ms: &str) -> Reader {
    let mut c = Config::new();
    c.set("bootstrap.servers", bootstrap).unwrap();
    c.set("reader.topic", topic).unwrap();
    c.set("auto.offset.reset", "earliest").unwrap();
    c.set("fetch.wait.max.ms", "200").unwrap();
    c.set("fetch.max.bytes", "2048").unwrap();
    c.set("retry.backoff.ms", "100").unwrap();
    c.set("retry.backoff.max.ms", "1000").unwrap();
    if let Some(g) = group {
        c.set("group.id", g).unwrap();
        c.set("session.timeout.ms", "10000").unwrap();
        c.set("heartbeat.interval.ms", "500").unwrap();
        // 0: every read commits before it returns; else periodic commits.
        c.set("auto.commit.interval.ms", commit_interval_ms).unwrap();
    }
    Reader::new(&c).unwrap()
}

/// Reads until offset `until` was delivered; errors while the broker is away are retried (a
/// group read whose commit fails returns an error and hands the messages out again later).
fn read_until(r: &Reader, until: i64, got: &mut Vec<i64>) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while got.last().is_none_or(|o| *o < until) {
        assert!(Instant::now() < deadline, "stuck after {:?}", got.last());
        let want = (until - got.last().map_or(-1, |o| *o)) as usize;
        match r.read_batch(want.min(50), Some(Duration::from_secs(5)), None) {
            Ok(msgs) => {
                for m in msgs {
                    assert_eq!(m.value.unwrap().to_vec(), m.offset.to_string().into_bytes());
                    got.push(m.offset);
                }
            }
            Err(e) => eprintln!("read during the restart: {e}"),
        }
    }
}

#[test]
fn readers_resume_from_their_committed_offsets_after_the_broker_restarts() {
    let broker = Broker::start();
    let b = broker.bootstrap.as_str();
    let t = topic("restart");
    let admin = run(Conn::dial(b, settings())).unwrap();
    let spec = TopicSpec { name: t.clone(), num_partitions: 1, replication_factor: 1, ..Default::default() };
    run(admin.create_topics(&[spec], Duration::from_secs(30))).unwrap();
    drop(admin);
    write(b, &t, 0..1000);

    // Group g1: its reader stays open through the restart, with messages fetched but not
    // delivered. Group g2: its reader commits 300 and closes; a new one comes after the restart.
    // p: a single-partition reader.
    let g1 = reader(b, &t, Some(&format!("{t}-g1")));
    let g2 = reader(b, &t, Some(&format!("{t}-g2")));
    let p = reader(b, &t, None);
    // Group g3 commits periodically (every 200 ms), so at-least-once: nothing may be lost, and
    // only what was delivered but not yet committed may come again.
    let g3 = reader_with(b, &t, Some(&format!("{t}-g3")), "200");
    let (mut got1, mut got2, mut gotp, mut got3) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    read_until(&g1, 299, &mut got1);
    read_until(&g3, 299, &mut got3);
    // The next read after the interval commits what came before it (offsets up to 299).
    std::thread::sleep(Duration::from_millis(300));
    read_until(&g3, 300, &mut got3);
    read_until(&g2, 299, &mut got2);
    // The partition reader is caught up: its long-poll is in flight when the broker goes down.
    read_until(&p, 999, &mut gotp);
    g2.close(Some(Duration::from_secs(10)), None).unwrap();
    drop(g2);

    broker.script(&["restart"]);
    write(b, &t, 1000..1200);

    read_until(&g1, 1199, &mut got1);
    assert_eq!(got1, (0..1200).collect::<Vec<i64>>(), "the open group reader lost or repeated messages");
    read_until(&p, 1199, &mut gotp);
    assert_eq!(gotp, (0..1200).collect::<Vec<i64>>(), "the partition reader lost or repeated messages");
    assert!(p.stats().reconnects > 0, "the partition reader should have reconnected");
    read_until(&g3, 1199, &mut got3);
    let mut seen = got3.clone();
    seen.sort();
    seen.dedup();
    assert_eq!(seen, (0..1200).collect::<Vec<i64>>(), "the periodically committing reader lost messages");
    // Only offset 300 was delivered and not committed when the broker went down.
    assert!(got3.len() - seen.len() <= 1, "more repeats than uncommitted messages: {got3:?}");
    g3.close(Some(Duration::from_secs(10)), None).unwrap();
    drop(g3);

    // The new member of g2 starts exactly where the group committed.
    let g2 = reader(b, &t, Some(&format!("{t}-g2")));
    let first = g2.read(Some(Duration::from_secs(60)), None).unwrap();
    assert_eq!(first.offset, 300);
    g2.close(Some(Duration::from_secs(10)), None).unwrap();

    // And g1's commits survived too: a new member of g1 (after g1 closes) has nothing left.
    g1.close(Some(Duration::from_secs(10)), None).unwrap();
    drop(g1);
    write(b, &t, 1200..1201);
    let g1 = reader(b, &t, Some(&format!("{t}-g1")));
    assert_eq!(g1.read(Some(Duration::from_secs(60)), None).unwrap().offset, 1200);
    g1.close(Some(Duration::from_secs(10)), None).unwrap();
    // g3 flushed its periodic commits when it closed.
    let g3 = reader(b, &t, Some(&format!("{t}-g3")));
    assert_eq!(g3.read(Some(Duration::from_secs(60)), None).unwrap().offset, 1200);
    g3.close(Some(Duration::from_secs(10)), None).unwrap();
    p.close(None, None).unwrap();
}
