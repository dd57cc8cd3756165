//! isolation.level against a real transactional producer on the real broker. The library has no
//! transactional writer, so the test drives the transaction protocol itself (FindCoordinator,
//! InitProducerId, AddPartitionsToTxn, transactional Produce, EndTxn) and interleaves committed,
//! aborted, open and non-transactional writes on one partition. read_committed must deliver only
//! committed and non-transactional records and stop at the last stable offset while a
//! transaction is open; read_uncommitted delivers every data record; neither ever delivers a
//! transaction marker. Both for the single-partition reader and in a consumer group.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::*;
use kafka_rs::config::Config;
use kafka_rs::error::code;
use kafka_rs::net::BrokerConnection;
use kafka_rs::protocol::compression::Compression;
use kafka_rs::protocol::messages::add_partitions_to_txn_request::AddPartitionsToTxnTopic;
use kafka_rs::protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kafka_rs::protocol::messages::{
    AddPartitionsToTxnRequest, EndTxnRequest, FindCoordinatorRequest, InitProducerIdRequest, ProduceRequest,
};
use kafka_rs::protocol::records::{BatchOptions, RecordBatchBuilder};
use kafka_rs::reader::Reader;

/// Errors a transaction coordinator answers while it loads or finishes a transaction.
const RETRY: [i16; 4] = [14, 15, 16, 51];

/// A transactional producer for one partition, written against the protocol layer.
struct TxnProducer {
    id: String,
    coordinator: Arc<BrokerConnection>,
    leader: Arc<BrokerConnection>,
    topic: String,
    producer_id: i64,
    epoch: i16,
    sequence: i32,
    in_txn: bool,
}

fn connect(addr: &str) -> Arc<BrokerConnection> {
    run(BrokerConnection::connect(addr, &settings().connect)).unwrap()
}

/// Retries `f` while the broker answers a coordinator-loading error.
fn retry<T>(what: &str, mut f: impl FnMut() -> (i16, T)) -> T {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (err, v) = f();
        if err == 0 {
            return v;
        }
        assert!(RETRY.contains(&err) && Instant::now() < deadline, "{what}: error {err}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

impl TxnProducer {
    /// Finds the transaction coordinator and registers `id` (InitProducerId).
    fn new(bootstrap: &str, topic: &str, id: &str) -> TxnProducer {
        let any = connect(bootstrap);
        let coord = retry("FindCoordinator", || {
            let r = run(any.send(&FindCoordinatorRequest {
                key: id.into(),
                key_type: 1,
                coordinator_keys: vec![id.into()],
                ..Default::default()
            }))
            .unwrap();
            match r.coordinators.first() {
                Some(c) => (c.error_code, format!("{}:{}", c.host, c.port)),
                None => (r.error_code, format!("{}:{}", r.host, r.port)),
            }
        });
        let coordinator = connect(&coord);
        let (producer_id, epoch) = retry("InitProducerId", || {
            let r = run(coordinator.send(&InitProducerIdRequest {
                transactional_id: Some(id.into()),
                transaction_timeout_ms: 60_000,
                producer_id: -1,
                producer_epoch: -1,
                ..Default::default()
            }))
            .unwrap();
            (r.error_code, (r.producer_id, r.producer_epoch))
        });
        // The single test broker leads every partition.
        TxnProducer {
            id: id.into(),
            coordinator,
            leader: any,
            topic: topic.into(),
            producer_id,
            epoch,
            sequence: 0,
            in_txn: false,
        }
    }

    /// Writes `values` to partition 0 inside the transaction (begun on first use); returns
    /// their offsets.
    fn send(&mut self, values: &[&str]) -> Vec<i64> {
        if !self.in_txn {
            // The classic (v3) protocol: the client adds the partition to the transaction.
            retry("AddPartitionsToTxn", || {
                let r = run(self.coordinator.send_version(
                    &AddPartitionsToTxnRequest {
                        v3_and_below_transactional_id: self.id.clone(),
                        v3_and_below_producer_id: self.producer_id,
                        v3_and_below_producer_epoch: self.epoch,
                        v3_and_below_topics: vec![AddPartitionsToTxnTopic {
                            name: self.topic.clone(),
                            partitions: vec![0],
                            ..Default::default()
                        }],
                        ..Default::default()
                    },
                    3,
                ))
                .unwrap();
                let err = r
                    .results_by_topic_v3_and_below
                    .iter()
                    .flat_map(|t| t.results_by_partition.iter())
                    .map(|p| p.partition_error_code)
                    .find(|e| *e != 0)
                    .unwrap_or(r.error_code);
                (err, ())
            });
            self.in_txn = true;
        }
        let base =
            produce(&self.leader, &self.topic, values, self.transactional_batch(values), Some(&self.id));
        self.sequence += values.len() as i32;
        (base..base + values.len() as i64).collect()
    }

    fn transactional_batch(&self, values: &[&str]) -> Bytes {
        let mut b = RecordBatchBuilder::new(BatchOptions {
            compression: Compression::None,
            producer_id: self.producer_id,
            producer_epoch: self.epoch,
            base_sequence: self.sequence,
            transactional: true,
        });
        for v in values {
            b.append(kafka_rs::runtime::now_ms(), None, Some(v.as_bytes()), &[]).unwrap();
        }
        b.finish().unwrap()
    }

    /// Commits or aborts the transaction (EndTxn v4: the classic protocol, one epoch).
    fn end(&mut self, commit: bool) {
        retry("EndTxn", || {
            let r = run(self.coordinator.send_version(
                &EndTxnRequest {
                    transactional_id: self.id.clone(),
                    producer_id: self.producer_id,
                    producer_epoch: self.epoch,
                    committed: commit,
                    ..Default::default()
                },
                4,
            ))
            .unwrap();
            (r.error_code, ())
        });
        self.in_txn = false;
    }
}

/// One Produce of `batch` (acks=all, v11: the classic transaction protocol); the base offset.
fn produce(conn: &BrokerConnection, topic: &str, values: &[&str], batch: Bytes, txn: Option<&str>) -> i64 {
    let req = ProduceRequest {
        transactional_id: txn.map(String::from),
        acks: -1,
        timeout_ms: 10_000,
        topic_data: vec![TopicProduceData {
            name: topic.into(),
            partition_data: vec![PartitionProduceData {
                index: 0,
                records: Some(batch),
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    };
    let r = run(conn.send_version(&req, 11)).unwrap();
    let p = &r.responses[0].partition_responses[0];
    assert_eq!(p.error_code, 0, "produce {values:?}");
    p.base_offset
}

fn plain(conn: &BrokerConnection, topic: &str, values: &[&str]) -> Vec<i64> {
    let mut b = RecordBatchBuilder::new(BatchOptions::default());
    for v in values {
        b.append(kafka_rs::runtime::now_ms(), None, Some(v.as_bytes()), &[]).unwrap();
    }
    let base = produce(conn, topic, values, b.finish().unwrap(), None);
    (base..base + values.len() as i64).collect()
}

/// Values long enough that a 1 KiB fetch carries only a batch or two: the aborted-transaction
/// bookkeeping must then hold across fetches.
fn v(name: &str) -> String {
    format!("{name}:{}", "x".repeat(600))
}

fn reader(topic: &str, isolation: &str, extra: &[(&str, &str)]) -> Reader {
    let mut c = Config::new();
    c.set("bootstrap.servers", &single()).unwrap();
    c.set("reader.topic", topic).unwrap();
    c.set("auto.offset.reset", "earliest").unwrap();
    c.set("isolation.level", isolation).unwrap();
    c.set("fetch.wait.max.ms", "100").unwrap();
    for (k, val) in extra {
        c.set(k, val).unwrap();
    }
    Reader::new(&c).unwrap()
}

fn group_reader(topic: &str, isolation: &str) -> Reader {
    let group = topic.replace("txn", "g");
    reader(
        topic,
        isolation,
        &[
            ("group.id", &group),
            ("session.timeout.ms", "6000"),
            ("heartbeat.interval.ms", "500"),
            ("auto.commit.interval.ms", "0"),
        ],
    )
}

const T: Option<Duration> = Some(Duration::from_secs(30));

/// Reads until `n` messages arrived: (offset, value name).
fn read_n(r: &Reader, n: usize) -> Vec<(i64, String)> {
    let mut got = Vec::new();
    while got.len() < n {
        for m in r.read_batch(n - got.len(), T, None).unwrap() {
            let value = String::from_utf8(m.value.unwrap().to_vec()).unwrap();
            got.push((m.offset, value.split(':').next().unwrap().to_string()));
        }
    }
    got
}

/// Nothing more arrives within a while (the end of what the isolation level may see).
fn assert_nothing_more(r: &Reader) {
    let e = r.read(Some(Duration::from_millis(1500)), None).unwrap_err();
    assert_eq!(e.code(), code::TIMED_OUT, "{e}");
}

struct Log {
    committed: Vec<(i64, String)>,
    everything: Vec<(i64, String)>,
}

impl Log {
    fn add(&mut self, offsets: Vec<i64>, names: &[&str], committed: bool) {
        for (o, n) in offsets.into_iter().zip(names) {
            self.everything.push((o, n.to_string()));
            if committed {
                self.committed.push((o, n.to_string()));
            }
        }
    }
    fn sorted(mut self) -> Log {
        self.committed.sort();
        self.everything.sort();
        self
    }
}

/// Writes the interleaving; returns what each isolation level must see.
fn write_mix(topic: &str) -> (Log, TxnProducer, i64) {
    create_topic(topic, 1);
    let mut p1 = TxnProducer::new(&single(), topic, &format!("{topic}-p1"));
    let mut p2 = TxnProducer::new(&single(), topic, &format!("{topic}-p2"));
    let leader = connect(&single());
    let mut log = Log { committed: Vec::new(), everything: Vec::new() };
    let w = |p: &mut TxnProducer, names: &[&str]| {
        let vals: Vec<String> = names.iter().map(|n| v(n)).collect();
        p.send(&vals.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let wp = |names: &[&str]| {
        let vals: Vec<String> = names.iter().map(|n| v(n)).collect();
        plain(&leader, topic, &vals.iter().map(String::as_str).collect::<Vec<_>>())
    };
    // Committed transaction of p1 interleaved with an aborted one of p2.
    log.add(w(&mut p1, &["c1", "c2"]), &["c1", "c2"], true);
    log.add(w(&mut p2, &["x1"]), &["x1"], false);
    log.add(w(&mut p1, &["c3"]), &["c3"], true);
    p1.end(true);
    log.add(wp(&["n1", "n2"]), &["n1", "n2"], true);
    log.add(w(&mut p2, &["x2", "x3"]), &["x2", "x3"], false);
    p2.end(false);
    // Non-transactional, then aborted, then committed, all by p1.
    log.add(wp(&["n3"]), &["n3"], true);
    log.add(w(&mut p1, &["a1", "a2"]), &["a1", "a2"], false);
    p1.end(false);
    log.add(w(&mut p1, &["c4"]), &["c4"], true);
    log.add(w(&mut p1, &["c5"]), &["c5"], true);
    p1.end(true);
    // p2 again after its abort: its new transaction is committed.
    log.add(w(&mut p2, &["c6"]), &["c6"], true);
    p2.end(true);
    log.add(wp(&["n4"]), &["n4"], true);
    // The coordinator writes an ended transaction's markers after EndTxn returns, so the last
    // marker may land after n4: wait until every marker is in (nothing open: the last stable
    // offset is the high watermark), which is then where a reader ends up.
    let deadline = Instant::now() + Duration::from_secs(30);
    let end = loop {
        let lso = run(kafka_rs::cluster::list_offset(&leader, topic, 0, -1, true)).unwrap();
        let hw = run(kafka_rs::cluster::list_offset(&leader, topic, 0, -1, false)).unwrap();
        if lso == hw {
            break hw;
        }
        assert!(Instant::now() < deadline, "transaction markers of {topic} never arrived");
        std::thread::sleep(Duration::from_millis(50));
    };
    (log.sorted(), p1, end)
}

#[test]
fn read_committed_drops_aborted_transactions_and_stops_at_the_last_stable_offset() {
    let t = topic("txn-single");
    let (log, mut p1, end) = write_mix(&t);
    let rc = reader(&t, "read_committed", &[]);
    let rc_small = reader(&t, "read_committed", &[("fetch.max.bytes", "1024")]);
    let ru = reader(&t, "read_uncommitted", &[("fetch.max.bytes", "1024")]);
    assert_eq!(read_n(&rc, log.committed.len()), log.committed);
    assert_eq!(read_n(&rc_small, log.committed.len()), log.committed);
    assert_eq!(read_n(&ru, log.everything.len()), log.everything);
    for r in [&rc, &rc_small, &ru] {
        assert_nothing_more(r);
    }
    // Past every marker (the last one may follow the last record), the lag is zero.
    assert!(end > log.everything.last().unwrap().0);
    assert_eq!(rc.offset(), end);
    assert_eq!(rc.read_lag(T, None).unwrap(), 0);

    // An open transaction holds read_committed back at its first record, even for the
    // non-transactional record written after it; read_uncommitted sees both at once.
    let open = {
        let val = v("o1");
        p1.send(&[&val])
    };
    let leader = connect(&single());
    let after = plain(&leader, &t, &[&v("n5")]);
    assert_eq!(read_n(&ru, 2), vec![(open[0], "o1".to_string()), (after[0], "n5".to_string())]);
    assert_nothing_more(&rc);
    assert_nothing_more(&rc_small);
    // Nothing is readable yet, so read_committed has no lag; read_uncommitted is at the end.
    assert_eq!((rc.lag(), rc.read_lag(T, None).unwrap()), (0, 0));
    assert_eq!(rc.offset(), open[0]);
    assert_eq!((ru.lag(), ru.read_lag(T, None).unwrap(), ru.offset()), (0, 0, after[0] + 1));
    p1.end(true);
    let expect = vec![(open[0], "o1".to_string()), (after[0], "n5".to_string())];
    assert_eq!(read_n(&rc, 2), expect);
    assert_eq!(read_n(&rc_small, 2), expect);

    // An open transaction that is then aborted: read_committed never sees it.
    let aborted = p1.send(&[&v("x9")]);
    let last = plain(&leader, &t, &[&v("n6")]);
    assert_nothing_more(&rc);
    p1.end(false);
    assert_eq!(read_n(&rc, 1), vec![(last[0], "n6".to_string())]);
    assert_eq!(read_n(&ru, 2), vec![(aborted[0], "x9".to_string()), (last[0], "n6".to_string())]);
    for r in [&rc, &rc_small, &ru] {
        r.close(None, None).unwrap();
    }
}

#[test]
fn a_group_reader_with_read_committed_drops_aborted_transactions() {
    let t = topic("txn-group");
    let (log, mut p1, _) = write_mix(&t);
    let rc = group_reader(&t, "read_committed");
    assert_eq!(read_n(&rc, log.committed.len()), log.committed);
    assert_nothing_more(&rc);
    let open = p1.send(&[&v("o1")]);
    assert_nothing_more(&rc);
    p1.end(true);
    assert_eq!(read_n(&rc, 1), vec![(open[0], "o1".to_string())]);
    rc.close(T, None).unwrap();

    // read_uncommitted in a group: every data record, no marker.
    // A new group: it starts at the beginning (auto.offset.reset=earliest).
    let mut all = log.everything.clone();
    all.push((open[0], "o1".to_string()));
    let ru = reader(
        &t,
        "read_uncommitted",
        &[
            ("group.id", &format!("{t}-uncommitted")),
            ("session.timeout.ms", "6000"),
            ("heartbeat.interval.ms", "500"),
            ("auto.commit.interval.ms", "0"),
        ],
    );
    assert_eq!(read_n(&ru, all.len()), all);
    assert_nothing_more(&ru);
    ru.close(T, None).unwrap();
}
