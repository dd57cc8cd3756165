//! The in-process mock cluster (kafka_rs::mock) driven by the library's own clients: the Writer
//! produces and the Reader reads on it, a group of two Readers rebalances on it, and every kind of
//! fault it injects is seen by the client. No real broker is needed; each test takes seconds.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use bytes::Bytes;
use kafka_rs::config::Config;
use kafka_rs::mock::{api_key, errors, Corruption, MockCluster};
use kafka_rs::net::{BrokerConnection, ConnectOptions};
use kafka_rs::protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kafka_rs::protocol::messages::{InitProducerIdRequest, ProduceRequest};
use kafka_rs::protocol::records::{BatchOptions, RecordBatchBuilder};
use kafka_rs::reader::Reader;
use kafka_rs::runtime::block_on;
use kafka_rs::writer::{OutRecord, Writer};

const T: Option<Duration> = Some(Duration::from_secs(10));

fn writer(mock: &MockCluster, topic: &str, extra: &[(&str, &str)]) -> Writer {
    let mut c = Config::new();
    c.set("bootstrap.servers", &mock.bootstrap()).unwrap();
    c.set("writer.topic", topic).unwrap();
    c.set("linger.ms", "1").unwrap();
    c.set("retry.backoff.ms", "20").unwrap();
    c.set("retry.backoff.max.ms", "100").unwrap();
    for (k, v) in extra {
        c.set(k, v).unwrap();
    }
    Writer::new(&c).unwrap()
}

/// Writes `values` to `partition` and returns their offsets; every write must succeed.
fn write(w: &Writer, partition: i32, values: &[String]) -> Vec<i64> {
    let msgs: Vec<OutRecord> = values
        .iter()
        .map(|v| OutRecord { value: Some(v.as_bytes()), partition, ..Default::default() })
        .collect();
    w.write(&msgs, T, None).unwrap().into_iter().map(|r| r.unwrap()).collect()
}

fn values(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}-{i}")).collect()
}

fn partition_reader(mock: &MockCluster, topic: &str, partition: i32) -> Reader {
    let mut c = Config::new();
    c.set("bootstrap.servers", &mock.bootstrap()).unwrap();
    c.set("reader.topic", topic).unwrap();
    c.set("reader.partition", &partition.to_string()).unwrap();
    c.set("auto.offset.reset", "earliest").unwrap();
    c.set("fetch.wait.max.ms", "100").unwrap();
    c.set("retry.backoff.ms", "20").unwrap();
    Reader::new(&c).unwrap()
}

/// Reads `n` messages from the start of a partition: (offset, value).
fn read_n(mock: &MockCluster, topic: &str, partition: i32, n: usize) -> Vec<(i64, String)> {
    let r = partition_reader(mock, topic, partition);
    let mut out = Vec::new();
    while out.len() < n {
        let m = r.read(T, None).unwrap();
        out.push((m.offset, String::from_utf8(m.value.unwrap().to_vec()).unwrap()));
    }
    r.close(T, None).unwrap();
    out
}

#[test]
fn writer_produces_and_reader_reads_back_on_three_brokers() {
    let mock = MockCluster::start(3).unwrap();
    mock.create_topic("rw", 3).unwrap();
    let w = writer(&mock, "rw", &[("acks", "all")]);
    for p in 0..3 {
        let vs = values(&format!("p{p}"), 50);
        assert_eq!(write(&w, p, &vs), (0..50).collect::<Vec<i64>>());
        assert_eq!(mock.high_watermark("rw", p).unwrap(), 50);
    }
    w.close(T, None, &mut |_| {}).unwrap();
    for p in 0..3 {
        let got = read_n(&mock, "rw", p, 50);
        let want: Vec<(i64, String)> =
            values(&format!("p{p}"), 50).into_iter().enumerate().map(|(i, v)| (i as i64, v)).collect();
        assert_eq!(got, want);
    }
    // Each partition's leader served its own produce and fetch requests.
    let leaders: BTreeSet<i32> = (0..3).map(|p| mock.leader("rw", p).unwrap()).collect();
    assert_eq!(leaders.len(), 3);
    for b in 1..=3 {
        assert!(mock.broker_request_count(b, api_key::PRODUCE) >= 1, "broker {b} got no Produce");
        assert!(mock.broker_request_count(b, api_key::FETCH) >= 1, "broker {b} got no Fetch");
    }
}

#[test]
fn acks_zero_and_auto_create() {
    let mock = MockCluster::start(1).unwrap();
    mock.set_auto_create(true, 2);
    let w = writer(
        &mock,
        "auto",
        &[("acks", "0"), ("enable.idempotence", "false"), ("allow.auto.create.topics", "true")],
    );
    let msgs = [OutRecord { value: Some(b"x"), partition: 1, ..Default::default() }];
    let r = w.write(&msgs, T, None).unwrap();
    assert_eq!(r[0].as_ref().unwrap(), &-1);
    let deadline = Instant::now() + Duration::from_secs(5);
    while mock.high_watermark("auto", 1).unwrap() < 1 {
        assert!(Instant::now() < deadline, "the acks=0 message never arrived");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(mock.topic_id("auto").is_some());
    // With auto-create off, an unknown topic is an error for the writer.
    mock.set_auto_create(false, 1);
    let w = writer(&mock, "nope", &[("message.timeout.ms", "1500")]);
    let msgs = [OutRecord { value: Some(b"x"), partition: 0, ..Default::default() }];
    let r = w.write(&msgs, T, None).unwrap();
    assert!(r[0].is_err(), "{r:?}");
    assert!(mock.topic_id("nope").is_none());
}

#[test]
fn pushed_not_leader_errors_are_retried_by_the_writer() {
    let mock = MockCluster::start(3).unwrap();
    mock.create_topic("nl", 1).unwrap();
    let w = writer(&mock, "nl", &[]);
    assert_eq!(write(&w, 0, &values("a", 1)), vec![0]);
    let before = mock.request_count(api_key::PRODUCE);
    mock.push_errors(api_key::PRODUCE, &[errors::NOT_LEADER_OR_FOLLOWER; 2]);
    assert_eq!(write(&w, 0, &values("b", 5)), vec![1, 2, 3, 4, 5]);
    assert!(mock.request_count(api_key::PRODUCE) - before >= 3, "the two failed requests were not retried");
    assert_eq!(mock.high_watermark("nl", 0).unwrap(), 6);
}

#[test]
fn partition_errors_hit_only_their_partition() {
    let mock = MockCluster::start(1).unwrap();
    mock.create_topic("pe", 2).unwrap();
    let w = writer(&mock, "pe", &[]);
    write(&w, 0, &values("a", 1));
    write(&w, 1, &values("a", 1));
    mock.push_partition_errors(api_key::PRODUCE, "pe", 1, &[errors::NOT_ENOUGH_REPLICAS; 3]);
    assert_eq!(write(&w, 0, &values("b", 2)), vec![1, 2]);
    assert_eq!(write(&w, 1, &values("b", 2)), vec![1, 2]);
    // A fetch error on partition 0 is retried by the reader.
    mock.push_partition_errors(api_key::FETCH, "pe", 0, &[errors::NOT_LEADER_OR_FOLLOWER]);
    assert_eq!(read_n(&mock, "pe", 0, 3).len(), 3);
}

#[test]
fn idempotent_writer_lost_ack_is_deduplicated_by_sequence() {
    let mock = MockCluster::start(1).unwrap();
    mock.create_topic("dup", 1).unwrap();
    let w = writer(&mock, "dup", &[("enable.idempotence", "true")]);
    assert_eq!(write(&w, 0, &values("a", 3)), vec![0, 1, 2]);
    // The next Produce is appended but its answer is lost: the writer re-sends the same batch,
    // which the broker recognises by its sequence and answers with the original offsets.
    mock.drop_responses(api_key::PRODUCE, 1);
    assert_eq!(write(&w, 0, &values("b", 4)), vec![3, 4, 5, 6]);
    assert_eq!(mock.duplicate_batches(), 1);
    assert_eq!(mock.high_watermark("dup", 0).unwrap(), 7);
    let got: Vec<String> = read_n(&mock, "dup", 0, 7).into_iter().map(|(_, v)| v).collect();
    assert_eq!(got, [values("a", 3), values("b", 4)].concat());
}

fn idempotent_batch(pid: i64, epoch: i16, seq: i32, n: usize) -> Bytes {
    let mut b = RecordBatchBuilder::new(BatchOptions {
        producer_id: pid,
        producer_epoch: epoch,
        base_sequence: seq,
        ..Default::default()
    });
    for i in 0..n {
        b.append(1_700_000_000_000 + i as i64, None, Some(b"v"), &[]).unwrap();
    }
    b.finish().unwrap()
}

#[test]
fn produce_sequence_checks_over_the_wire() {
    let mock = MockCluster::start(1).unwrap();
    mock.create_topic("seq", 1).unwrap();
    let id = mock.topic_id("seq").unwrap();
    let conn = block_on(
        BrokerConnection::connect(&mock.broker_address(1).unwrap(), &ConnectOptions::default()),
        T,
        None,
    )
    .unwrap();
    let pid = block_on(
        conn.send(&InitProducerIdRequest { producer_id: -1, producer_epoch: -1, ..Default::default() }),
        T,
        None,
    )
    .unwrap();
    assert_eq!(pid.error_code, 0);
    let produce = |records: Bytes| -> (i16, i64) {
        let req = ProduceRequest {
            acks: -1,
            timeout_ms: 5000,
            topic_data: vec![TopicProduceData {
                name: "seq".into(),
                topic_id: id,
                partition_data: vec![PartitionProduceData {
                    index: 0,
                    records: Some(records),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        };
        let resp = block_on(conn.send(&req), T, None).unwrap();
        let p = &resp.responses[0].partition_responses[0];
        (p.error_code, p.base_offset)
    };
    let (p, e) = (pid.producer_id, pid.producer_epoch);
    assert_eq!(produce(idempotent_batch(p, e, 0, 2)), (0, 0));
    assert_eq!(produce(idempotent_batch(p, e, 2, 2)), (0, 2));
    assert_eq!(produce(idempotent_batch(p, e, 0, 2)), (0, 0), "a duplicate gets its original offset");
    assert_eq!(produce(idempotent_batch(p, e, 7, 1)).0, errors::OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert_eq!(produce(idempotent_batch(p, e + 1, 0, 1)), (0, 4), "a new epoch starts at sequence 0");
    assert_eq!(produce(idempotent_batch(p, e, 4, 1)).0, errors::INVALID_PRODUCER_EPOCH);
    assert_eq!(mock.high_watermark("seq", 0).unwrap(), 5);
}

#[test]
fn broker_down_and_set_leader_make_the_writer_fail_over() {
    let mock = MockCluster::start(3).unwrap();
    mock.create_topic("fo", 1).unwrap();
    let old = mock.leader("fo", 0).unwrap();
    let w = writer(&mock, "fo", &[("metadata.max.age.ms", "1000")]);
    assert_eq!(write(&w, 0, &values("a", 2)), vec![0, 1]);
    mock.broker_down(old).unwrap();
    assert!(std::net::TcpStream::connect(mock.broker_address(old).unwrap()).is_err());
    let new = old % 3 + 1;
    mock.set_leader("fo", 0, new).unwrap();
    let started = Instant::now();
    assert_eq!(write(&w, 0, &values("b", 2)), vec![2, 3]);
    assert!(started.elapsed() < Duration::from_secs(8));
    assert!(mock.broker_request_count(new, api_key::PRODUCE) >= 1);
    mock.broker_up(old).unwrap();
    assert_eq!(read_n(&mock, "fo", 0, 4).len(), 4);
}

#[test]
fn moved_leader_answers_not_leader_and_the_writer_follows() {
    let mock = MockCluster::start(2).unwrap();
    mock.create_topic("mv", 1).unwrap();
    let w = writer(&mock, "mv", &[]);
    write(&w, 0, &values("a", 1));
    let old = mock.leader("mv", 0).unwrap();
    let new = 3 - old;
    mock.set_leader("mv", 0, new).unwrap();
    assert_eq!(write(&w, 0, &values("b", 1)), vec![1]);
    assert!(mock.broker_request_count(new, api_key::PRODUCE) >= 1);
}

#[test]
fn swallowed_produce_times_out_and_is_retried() {
    let mock = MockCluster::start(1).unwrap();
    mock.create_topic("sw", 1).unwrap();
    let w = writer(&mock, "sw", &[("request.timeout.ms", "1000"), ("socket.timeout.ms", "1000")]);
    write(&w, 0, &values("a", 1));
    let before = mock.request_count(api_key::PRODUCE);
    mock.swallow(api_key::PRODUCE, 1);
    let msgs = [OutRecord { value: Some(b"b"), partition: 0, ..Default::default() }];
    let started = Instant::now();
    // Whatever the outcome, the writer must time the request out and try again.
    let _ = w.write(&msgs, Some(Duration::from_millis(2500)), None).unwrap();
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert!(mock.request_count(api_key::PRODUCE) - before >= 2, "the swallowed request was not retried");
}

/// A broker answers in order, so a request it never answers holds back everything after it on
/// that connection; a client must give up the connection when a request times out.
#[test]
fn swallowed_produce_recovers_on_a_new_connection() {
    let mock = MockCluster::start(1).unwrap();
    mock.create_topic("sw2", 1).unwrap();
    let w = writer(&mock, "sw2", &[("request.timeout.ms", "1000"), ("socket.timeout.ms", "1000")]);
    write(&w, 0, &values("a", 1));
    mock.swallow(api_key::PRODUCE, 1);
    let started = Instant::now();
    assert_eq!(write(&w, 0, &values("b", 2)), vec![1, 2]);
    assert!(started.elapsed() < Duration::from_secs(8));
}

#[test]
fn dropped_connections_and_delays_are_survived() {
    let mock = MockCluster::start(1).unwrap();
    mock.create_topic("dc", 1).unwrap();
    let w = writer(&mock, "dc", &[]);
    write(&w, 0, &values("a", 1));
    mock.drop_connections(api_key::PRODUCE, 1);
    assert_eq!(write(&w, 0, &values("b", 1)), vec![1]);
    mock.delay(api_key::PRODUCE, 300);
    let started = Instant::now();
    assert_eq!(write(&w, 0, &values("c", 1)), vec![2]);
    assert!(started.elapsed() >= Duration::from_millis(300));
    mock.delay(api_key::PRODUCE, 0);
    mock.set_rtt(1, 200).unwrap();
    let started = Instant::now();
    assert_eq!(write(&w, 0, &values("d", 1)), vec![3]);
    assert!(started.elapsed() >= Duration::from_millis(200));
}

#[test]
fn fetch_long_polls_until_data_arrives() {
    let mock = MockCluster::start(1).unwrap();
    mock.create_topic("lp", 1).unwrap();
    let mut c = Config::new();
    c.set("bootstrap.servers", &mock.bootstrap()).unwrap();
    c.set("reader.topic", "lp").unwrap();
    c.set("fetch.wait.max.ms", "5000").unwrap();
    c.set("auto.offset.reset", "earliest").unwrap();
    let r = Reader::new(&c).unwrap();
    let bootstrap = mock.bootstrap();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        let mut c = Config::new();
        c.set("bootstrap.servers", &bootstrap).unwrap();
        c.set("writer.topic", "lp").unwrap();
        let w = Writer::new(&c).unwrap();
        let msgs = [OutRecord { value: Some(b"late"), partition: 0, ..Default::default() }];
        w.write(&msgs, T, None).unwrap()[0].clone().unwrap()
    });
    let fetches = mock.request_count(api_key::FETCH);
    let m = r.read(T, None).unwrap();
    assert_eq!(m.value.as_deref(), Some(&b"late"[..]));
    assert_eq!(t.join().unwrap(), 0);
    // The message came from a fetch that waited, not from a busy loop of empty fetches.
    assert!(mock.request_count(api_key::FETCH) - fetches < 10);
}

#[test]
fn corrupt_batch_is_reported_to_the_reader() {
    let mock = MockCluster::start(1).unwrap();
    mock.create_topic("bad", 1).unwrap();
    let w = writer(&mock, "bad", &[]);
    write(&w, 0, &values("good", 2));
    let at = mock.append_corrupt_batch("bad", 0, Corruption::Crc, 3).unwrap();
    assert_eq!(at, 2);
    assert_eq!(mock.high_watermark("bad", 0).unwrap(), 5);
    let r = partition_reader(&mock, "bad", 0);
    r.set_offset(at).unwrap();
    let deadline = Instant::now() + Duration::from_secs(8);
    let err = loop {
        match r.read(Some(Duration::from_secs(2)), None) {
            Err(e) => break e,
            Ok(m) => assert!(m.offset < at, "read past the corrupt batch: offset {}", m.offset),
        }
        assert!(Instant::now() < deadline, "the corrupt batch was never reported");
    };
    assert!(!err.message().is_empty());
}

#[test]
fn list_offsets_by_time_and_log_start() {
    let mock = MockCluster::start(1).unwrap();
    mock.create_topic("lo", 1).unwrap();
    let w = writer(&mock, "lo", &[]);
    for (i, ts) in [1_000_000i64, 2_000_000, 3_000_000].iter().enumerate() {
        let v = format!("v{i}");
        let msgs =
            [OutRecord { value: Some(v.as_bytes()), partition: 0, timestamp_ms: *ts, ..Default::default() }];
        w.write(&msgs, T, None).unwrap()[0].clone().unwrap();
    }
    let r = partition_reader(&mock, "lo", 0);
    r.set_offset_at(2_500_000, T, None).unwrap();
    assert_eq!(r.read(T, None).unwrap().offset, 2);
    r.set_offset_at(1_500_000, T, None).unwrap();
    assert_eq!(r.read(T, None).unwrap().offset, 1);
    // Below the log start, the reader resets (auto.offset.reset=earliest).
    mock.truncate_log_start("lo", 0, 1).unwrap();
    r.set_offset(0).unwrap();
    assert_eq!(r.read(T, None).unwrap().offset, 1);
}

fn group_reader(mock: &MockCluster, group: &str, topic: &str) -> Reader {
    let mut c = Config::new();
    c.set("bootstrap.servers", &mock.bootstrap()).unwrap();
    c.set("reader.topic", topic).unwrap();
    c.set("group.id", group).unwrap();
    c.set("auto.offset.reset", "earliest").unwrap();
    c.set("session.timeout.ms", "3000").unwrap();
    c.set("heartbeat.interval.ms", "100").unwrap();
    c.set("max.poll.interval.ms", "3000").unwrap();
    c.set("fetch.wait.max.ms", "100").unwrap();
    Reader::new(&c).unwrap()
}

#[test]
fn group_of_two_readers_rebalances_and_commits() {
    let mock = MockCluster::start(3).unwrap();
    mock.create_topic("g", 4).unwrap();
    let w = writer(&mock, "g", &[]);
    for p in 0..4 {
        write(&w, p, &values(&format!("p{p}"), 10));
    }
    let a = group_reader(&mock, "grp", "g");
    let b = group_reader(&mock, "grp", "g");
    // Read until all 40 were seen, from both members, in a bounded time.
    let mut seen: BTreeMap<(i32, i64), usize> = BTreeMap::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    let (mut from_a, mut from_b) = (0, 0);
    while seen.len() < 40 {
        assert!(Instant::now() < deadline, "only {} of 40 read", seen.len());
        for (i, r) in [&a, &b].into_iter().enumerate() {
            if let Ok(m) = r.fetch(Some(Duration::from_millis(100)), None) {
                *seen.entry((m.partition, m.offset)).or_default() += 1;
                if i == 0 {
                    from_a += 1;
                } else {
                    from_b += 1;
                }
                let _ = r.commit(&[&m], T, None);
            }
        }
    }
    let (generation, members) = mock.group_members("grp").unwrap();
    assert_eq!(members.len(), 2, "{members:?}");
    assert!(generation >= 1);
    assert!(from_a + from_b >= 40);
    // Both were assigned partitions in the end.
    let assigned = |r: &Reader| {
        r.take_rebalances().into_iter().fold(BTreeSet::new(), |mut s, e| {
            match e {
                kafka_rs::reader::Rebalance::Assigned(p) => s.extend(p.values().flat_map(|ps| ps.clone())),
                kafka_rs::reader::Rebalance::Revoked(p) => {
                    for ps in p.values() {
                        for x in ps {
                            s.remove(x);
                        }
                    }
                }
            }
            s
        })
    };
    let (pa, pb) = (assigned(&a), assigned(&b));
    assert!(!pa.is_empty() && !pb.is_empty(), "a {pa:?} b {pb:?}");
    assert_eq!(pa.union(&pb).copied().collect::<BTreeSet<i32>>(), (0..4).collect());
    // One leaves: the other takes every partition in the next generation.
    b.close(T, None).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (g2, m) = mock.group_members("grp").unwrap();
        if m.len() == 1 && g2 > generation {
            break;
        }
        assert!(Instant::now() < deadline, "the group did not rebalance after a member left");
        let _ = a.fetch(Some(Duration::from_millis(100)), None);
    }
    a.close(T, None).unwrap();
    let committed: usize =
        (0..4).filter_map(|p| mock.committed_offset("grp", "g", p)).filter(|o| *o == 10).count();
    assert!(committed >= 1, "no partition committed to its end");
}
