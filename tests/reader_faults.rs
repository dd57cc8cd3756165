//! Reader fault paths on the in-process mock cluster: a batch that does not decode is reported
//! once, for its partition and offset, after the good messages before it, and can be skipped;
//! other partitions keep flowing; non-retriable per-partition fetch errors reach the application
//! of a group reader instead of being dropped.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use kafka_rs::config::Config;
use kafka_rs::error::code;
use kafka_rs::mock::{api_key, Corruption, MockCluster};
use kafka_rs::reader::Reader;
use kafka_rs::writer::{OutRecord, Writer};

const T: Option<Duration> = Some(Duration::from_secs(10));
const SHORT: Option<Duration> = Some(Duration::from_millis(300));

fn writer(mock: &MockCluster, topic: &str) -> Writer {
    let mut c = Config::new();
    c.set("bootstrap.servers", &mock.bootstrap()).unwrap();
    c.set("writer.topic", topic).unwrap();
    c.set("linger.ms", "1").unwrap();
    Writer::new(&c).unwrap()
}

fn write(w: &Writer, partition: i32, prefix: &str, n: usize) {
    let values: Vec<String> = (0..n).map(|i| format!("{prefix}-{i}")).collect();
    let msgs: Vec<OutRecord> = values
        .iter()
        .map(|v| OutRecord { value: Some(v.as_bytes()), partition, ..Default::default() })
        .collect();
    for r in w.write(&msgs, T, None).unwrap() {
        r.unwrap();
    }
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
    c.set("retry.backoff.ms", "20").unwrap();
    Reader::new(&c).unwrap()
}

/// Partition reader: offsets 0-2 good, 3-4 a corrupt batch, 5-6 good. The good messages come
/// first, then one error naming the partition and offset 3, then nothing until the application
/// moves past the batch with set_offset, after which 5 and 6 come.
fn partition_reader_case(kind: Corruption) {
    let mock = MockCluster::start(1).unwrap();
    mock.create_topic("bad", 1).unwrap();
    let w = writer(&mock, "bad");
    write(&w, 0, "a", 3);
    assert_eq!(mock.append_corrupt_batch("bad", 0, kind, 2).unwrap(), 3);
    write(&w, 0, "b", 2);
    let r = partition_reader(&mock, "bad", 0);
    for want in 0..3 {
        let m = r.read(T, None).unwrap_or_else(|e| panic!("{kind:?}: offset {want} not delivered: {e}"));
        assert_eq!(m.offset, want, "{kind:?}");
    }
    let e = r.read(T, None).expect_err("the corrupt batch must be reported");
    assert!([code::MALFORMED, code::COMPRESSION].contains(&e.code()), "{kind:?}: {e}");
    assert!(e.message().contains("bad/0"), "{kind:?}: {e}");
    assert!(e.message().contains("offset 3"), "{kind:?}: {e}");
    // Reported once: the reader waits for the application instead of repeating it.
    for _ in 0..3 {
        let again = r.read(SHORT, None).expect_err("nothing is readable before the skip");
        assert_eq!(again.code(), code::TIMED_OUT, "{kind:?}: repeated: {again}");
    }
    assert_eq!(r.offset(), 3, "{kind:?}");
    r.set_offset(5).unwrap();
    assert_eq!(r.read(T, None).unwrap().offset, 5);
    assert_eq!(r.read(T, None).unwrap().offset, 6);
    r.close(T, None).unwrap();
}

#[test]
fn partition_reader_delivers_good_messages_then_reports_a_crc_corrupt_batch_once() {
    partition_reader_case(Corruption::Crc);
}

#[test]
fn partition_reader_delivers_good_messages_then_reports_an_undecompressable_batch_once() {
    partition_reader_case(Corruption::Compression);
}

#[test]
fn partition_reader_delivers_good_messages_then_reports_undecodable_records_once() {
    partition_reader_case(Corruption::Records);
}

/// Reads from a group reader until `want` messages were seen or the deadline; returns the
/// (partition, offset) pairs and the errors.
fn read_group(r: &Reader, want: usize, secs: u64) -> (BTreeSet<(i32, i64)>, Vec<kafka_rs::error::Error>) {
    let mut seen = BTreeSet::new();
    let mut errors = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(secs);
    while seen.len() < want && Instant::now() < deadline {
        match r.fetch(SHORT, None) {
            Ok(m) => {
                assert!(seen.insert((m.partition, m.offset)), "duplicate {}/{}", m.partition, m.offset);
            }
            Err(e) if e.code() == code::TIMED_OUT => {}
            Err(e) => errors.push(e),
        }
    }
    (seen, errors)
}

#[test]
fn group_reader_reports_a_corrupt_batch_once_moves_past_it_and_other_partitions_flow() {
    for kind in [Corruption::Crc, Corruption::Compression, Corruption::Records] {
        let mock = MockCluster::start(1).unwrap();
        mock.create_topic("gbad", 2).unwrap();
        let w = writer(&mock, "gbad");
        write(&w, 0, "a", 3);
        assert_eq!(mock.append_corrupt_batch("gbad", 0, kind, 2).unwrap(), 3);
        write(&w, 0, "b", 2);
        write(&w, 1, "c", 5);
        let r = group_reader(&mock, &format!("g-{kind:?}"), "gbad");
        let (mut seen, mut errors) = read_group(&r, 10, 15);
        // Partition 1 keeps flowing after the corrupt batch of partition 0 was reported.
        write(&w, 1, "d", 3);
        let (more, more_errors) = read_group(&r, 3, 10);
        seen.extend(more);
        errors.extend(more_errors);
        let want: BTreeSet<(i32, i64)> =
            [0, 1, 2, 5, 6].map(|o| (0, o)).into_iter().chain((0..8).map(|o| (1, o))).collect();
        assert_eq!(seen, want, "{kind:?}: errors {errors:?}");
        assert_eq!(errors.len(), 1, "{kind:?}: reported once: {errors:?}");
        let e = &errors[0];
        assert!([code::MALFORMED, code::COMPRESSION].contains(&e.code()), "{kind:?}: {e}");
        assert!(e.message().contains("gbad/0") && e.message().contains("offset 3"), "{kind:?}: {e}");
        r.close(T, None).unwrap();
    }
}

#[test]
fn group_reader_surfaces_a_non_retriable_partition_error_and_keeps_reading() {
    let mock = MockCluster::start(1).unwrap();
    mock.create_topic("auth", 2).unwrap();
    let w = writer(&mock, "auth");
    write(&w, 0, "a", 4);
    write(&w, 1, "b", 4);
    // TOPIC_AUTHORIZATION_FAILED for partition 0 in the next two fetches.
    mock.push_partition_errors(api_key::FETCH, "auth", 0, &[29, 29]);
    let r = group_reader(&mock, "g-auth", "auth");
    let (seen, errors) = read_group(&r, 8, 15);
    let want: BTreeSet<(i32, i64)> = (0..2).flat_map(|p| (0..4).map(move |o| (p, o))).collect();
    assert_eq!(seen, want, "errors {errors:?}");
    assert!(!errors.is_empty(), "TOPIC_AUTHORIZATION_FAILED was dropped silently");
    for e in &errors {
        assert_eq!(e.code(), 29, "{e}");
        assert!(e.message().contains("auth/0"), "{e}");
    }
    r.close(T, None).unwrap();
}
