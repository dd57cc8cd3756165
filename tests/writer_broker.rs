//! The Writer against the real local brokers.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::*;
use kafka_rs::config::Config;
use kafka_rs::conn::Conn;
use kafka_rs::error::code;
use kafka_rs::writer::{Event, OutRecord, Writer};

fn writer(pairs: &[(&str, &str)]) -> Writer {
    let mut c = Config::new();
    c.set("bootstrap.servers", &single()).unwrap();
    for (k, v) in pairs {
        c.set(k, v).unwrap();
    }
    Writer::new(&c).unwrap()
}

/// Reads every message of every partition: partition -> values in offset order.
fn read_topic(topic: &str, partitions: i32) -> HashMap<i32, Vec<Vec<u8>>> {
    let mut out = HashMap::new();
    for p in 0..partitions {
        let conn = run(Conn::dial_leader(&single(), topic, p, settings())).unwrap();
        let last = run(conn.read_last_offset()).unwrap();
        let mut values = Vec::new();
        while (values.len() as i64) < last {
            for m in run(conn.read_batch(1, 8 << 20, Duration::from_millis(200), false)).unwrap() {
                values.push(m.unwrap().value.unwrap_or_default().to_vec());
            }
        }
        out.insert(p, values);
    }
    out
}

#[test]
fn a_synchronous_write_returns_offsets_in_order() {
    let t = topic("w-sync");
    create_topic(&t, 1);
    let w = writer(&[("writer.topic", &t)]);
    for round in 0..3 {
        let msgs = [
            OutRecord { value: Some(b"a"), partition: -1, ..Default::default() },
            OutRecord { value: Some(b"b"), partition: -1, ..Default::default() },
        ];
        let r = w.write(&msgs, Some(Duration::from_secs(20)), None).unwrap();
        assert_eq!(
            r.iter().map(|r| *r.as_ref().unwrap()).collect::<Vec<_>>(),
            vec![round * 2, round * 2 + 1]
        );
    }
    let s = w.stats();
    assert_eq!(s.messages_delivered, 6);
    w.close(Some(Duration::from_secs(10)), None, &mut |_| {}).unwrap();
}

#[test]
fn async_produce_over_six_partitions_delivers_everything_in_order() {
    let t = topic("w-async");
    create_topic(&t, 6);
    let w = writer(&[("writer.topic", &t), ("compression.type", "lz4"), ("balancer", "murmur2")]);
    let n = 20_000usize;
    let values: Vec<Vec<u8>> = (0..n).map(|i| format!("{i:08}").into_bytes()).collect();
    let keys: Vec<Vec<u8>> = (0..n).map(|i| format!("k{}", i % 97).into_bytes()).collect();
    let mut delivered: HashMap<usize, (i32, i64)> = HashMap::new();
    let mut sink = |e: Event| {
        if let Event::Delivery(reports) = e {
            for r in reports {
                delivered.insert(r.opaque, (r.partition, *r.result.as_ref().unwrap()));
            }
        }
    };
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        let msgs: Vec<OutRecord> = chunk
            .iter()
            .map(|&i| OutRecord {
                key: Some(&keys[i]),
                value: Some(&values[i]),
                partition: -1,
                ..Default::default()
            })
            .collect();
        w.produce(&msgs, chunk).unwrap();
        let _ = w.poll(Some(Duration::ZERO), None, &mut sink);
    }
    w.flush(Some(Duration::from_secs(60)), None, &mut sink).unwrap();
    w.close(Some(Duration::from_secs(10)), None, &mut sink).unwrap();
    assert_eq!(delivered.len(), n);
    let stats = w.stats();
    assert!(stats.batches < n as u64 / 10, "batches did not fill: {stats:?}");
    // One Produce request carries the batches of several partitions.
    assert!(stats.requests < stats.batches, "one request per batch: {stats:?}");

    let got = read_topic(&t, 6);
    assert_eq!(got.values().map(Vec::len).sum::<usize>(), n);
    for (i, (p, off)) in &delivered {
        assert_eq!(got[p][*off as usize], values[*i], "message {i} at {p}/{off}");
    }
    // Same key, same partition, in produce order.
    for p in got.values() {
        let mut last: HashMap<Vec<u8>, usize> = HashMap::new();
        for v in p {
            let i: usize = std::str::from_utf8(v).unwrap().parse().unwrap();
            if let Some(prev) = last.insert(keys[i].clone(), i) {
                assert!(prev < i, "order broken for key {:?}", keys[i]);
            }
        }
    }
}

#[test]
fn topic_must_be_named_exactly_once() {
    let w = writer(&[("writer.topic", "x")]);
    let e =
        w.produce(&[OutRecord { topic: Some("y"), partition: -1, ..Default::default() }], &[0]).unwrap_err();
    assert_eq!(e.code(), code::INVALID_ARG);
    let w = writer(&[]);
    let e = w.produce(&[OutRecord { partition: -1, ..Default::default() }], &[0]).unwrap_err();
    assert_eq!(e.code(), code::INVALID_ARG);
    assert!(e.message().contains("no topic"), "{e}");
}

#[test]
fn a_missing_topic_fails_without_auto_create_and_is_created_when_allowed() {
    let brokers = cluster().join(",");
    let t = topic("w-missing");
    let mut c = Config::new();
    c.set("bootstrap.servers", &brokers).unwrap();
    c.set("writer.topic", &t).unwrap();
    let w = Writer::new(&c).unwrap();
    let r = w
        .write(
            &[OutRecord { value: Some(b"x"), partition: -1, ..Default::default() }],
            Some(Duration::from_secs(30)),
            None,
        )
        .unwrap();
    assert_eq!(r[0].as_ref().unwrap_err().code(), 3, "{:?}", r[0]);
    c.set("allow.auto.create.topics", "true").unwrap();
    let w = Writer::new(&c).unwrap();
    let r = w
        .write(
            &[OutRecord { value: Some(b"x"), partition: -1, ..Default::default() }],
            Some(Duration::from_secs(30)),
            None,
        )
        .unwrap();
    assert_eq!(*r[0].as_ref().unwrap(), 0);
}

#[test]
fn messages_may_name_their_topics() {
    let (a, b) = (topic("w-multi-a"), topic("w-multi-b"));
    create_topic(&a, 1);
    create_topic(&b, 2);
    let w = writer(&[("acks", "1")]);
    let msgs = [
        OutRecord { topic: Some(&a), value: Some(b"1"), partition: -1, ..Default::default() },
        OutRecord { topic: Some(&b), value: Some(b"2"), partition: 1, ..Default::default() },
        OutRecord { topic: Some(&a), value: Some(b"3"), partition: -1, ..Default::default() },
    ];
    let r = w.write(&msgs, Some(Duration::from_secs(20)), None).unwrap();
    assert_eq!(r.iter().map(|r| *r.as_ref().unwrap()).collect::<Vec<_>>(), vec![0, 0, 1]);
    assert_eq!(read_topic(&b, 2)[&1], vec![b"2".to_vec()]);
}

#[test]
fn close_delivers_everything_still_queued() {
    let t = topic("w-close");
    create_topic(&t, 3);
    let w = writer(&[("writer.topic", &t), ("linger.ms", "60000")]);
    let values: Vec<Vec<u8>> = (0..5000).map(|i| format!("{i}").into_bytes()).collect();
    let msgs: Vec<OutRecord> =
        values.iter().map(|v| OutRecord { value: Some(v), partition: -1, ..Default::default() }).collect();
    let opaques: Vec<usize> = (0..msgs.len()).collect();
    w.produce(&msgs, &opaques).unwrap();
    // A 60 s linger would hold the batches; close sends them at once and reports each.
    let mut ok = 0;
    w.close(Some(Duration::from_secs(30)), None, &mut |e| {
        if let Event::Delivery(r) = e {
            ok += r.iter().filter(|r| r.result.is_ok()).count();
        }
    })
    .unwrap();
    assert_eq!(ok, 5000);
    assert_eq!(read_topic(&t, 3).values().map(Vec::len).sum::<usize>(), 5000);
}

#[test]
fn an_unreachable_cluster_fails_each_message_after_the_delivery_timeout() {
    let mut c = Config::new();
    c.set("bootstrap.servers", "127.0.0.1:1").unwrap();
    c.set("writer.topic", "t").unwrap();
    c.set("message.timeout.ms", "1500").unwrap();
    let w = Writer::new(&c).unwrap();
    let msgs = [OutRecord { value: Some(b"x"), partition: -1, ..Default::default() }; 3];
    let start = std::time::Instant::now();
    let r = w.write(&msgs, Some(Duration::from_secs(30)), None).unwrap();
    assert_eq!(r.len(), 3);
    for x in &r {
        let e = x.as_ref().unwrap_err();
        assert!(matches!(e.code(), code::TRANSPORT | code::TIMED_OUT), "{e}");
    }
    assert!(start.elapsed() < Duration::from_secs(15), "{:?}", start.elapsed());
}

#[test]
fn a_full_queue_refuses_more_until_polled() {
    let t = topic("w-queue");
    create_topic(&t, 1);
    let w = writer(&[("writer.topic", &t), ("queue.buffering.max.messages", "10")]);
    let msgs = [OutRecord { value: Some(b"x"), partition: -1, ..Default::default() }; 10];
    w.produce(&msgs, &[0; 10]).unwrap();
    let e = w.produce(&msgs[..1], &[0]).unwrap_err();
    assert_eq!(e.code(), code::QUEUE_FULL);
    w.flush(Some(Duration::from_secs(20)), None, &mut |_| {}).unwrap();
    w.produce(&msgs[..1], &[0]).unwrap();
    w.close(Some(Duration::from_secs(20)), None, &mut |_| {}).unwrap();
}

#[test]
fn every_acks_mode_delivers_and_reports_offsets_when_it_can() {
    for (acks, expect_offsets) in [("0", false), ("1", true), ("all", true)] {
        let t = topic(&format!("w-acks{acks}"));
        create_topic(&t, 1);
        let w = writer(&[("writer.topic", &t), ("acks", acks)]);
        let msgs = [OutRecord { value: Some(b"a"), partition: -1, ..Default::default() }; 5];
        let r = w.write(&msgs, Some(Duration::from_secs(20)), None).unwrap();
        let offsets: Vec<i64> = r.into_iter().map(|r| r.unwrap()).collect();
        if expect_offsets {
            assert_eq!(offsets, vec![0, 1, 2, 3, 4], "acks={acks}");
        } else {
            assert_eq!(offsets, vec![-1; 5], "acks=0 cannot know offsets");
        }
        w.close(Some(Duration::from_secs(10)), None, &mut |_| {}).unwrap();
        // acks=0 returns before the broker wrote anything: wait for the data to show.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let n = read_topic(&t, 1)[&0].len();
            if n == 5 {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "acks={acks}: {n} of 5 arrived");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

#[test]
fn a_message_for_a_partition_that_does_not_exist_fails_alone() {
    let t = topic("w-nopart");
    create_topic(&t, 2);
    let w = writer(&[("writer.topic", &t)]);
    let msgs = [
        OutRecord { value: Some(b"ok"), partition: 1, ..Default::default() },
        OutRecord { value: Some(b"bad"), partition: 7, ..Default::default() },
        OutRecord { value: Some(b"ok"), partition: 0, ..Default::default() },
    ];
    let r = w.write(&msgs, Some(Duration::from_secs(20)), None).unwrap();
    assert_eq!(*r[0].as_ref().unwrap(), 0);
    assert_eq!(r[1].as_ref().unwrap_err().code(), 3, "{:?}", r[1]);
    assert_eq!(*r[2].as_ref().unwrap(), 0);
}
