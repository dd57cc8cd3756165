//! The writer under faults, on the in-process mock cluster (issue 11): a leaderless partition
//! must not freeze its topic, message.timeout.ms must hold for messages that were never sent, a
//! request that timed out must not leave its connection in use, and close must give every
//! message exactly one report.

use std::collections::HashMap;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use kafka_rs::config::Config;
use kafka_rs::error::code;
use kafka_rs::mock::{api_key, MockCluster};
use kafka_rs::writer::{DeliveryReport, Event, OutRecord, Writer};

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

fn msg(partition: i32, value: &str) -> OutRecord<'_> {
    OutRecord { value: Some(value.as_bytes()), partition, ..Default::default() }
}

/// Collects delivery reports by opaque value.
fn collect(reports: &mut Vec<DeliveryReport>) -> impl FnMut(Event) + '_ {
    move |e| {
        if let Event::Delivery(r) = e {
            reports.extend(r);
        }
    }
}

/// Polls until `n` reports came or `within` passed.
fn reports_within(w: &Writer, n: usize, within: Duration) -> Vec<DeliveryReport> {
    let deadline = Instant::now() + within;
    let mut got = Vec::new();
    while got.len() < n && Instant::now() < deadline {
        let _ = w.poll(Some(Duration::from_millis(50)), None, &mut collect(&mut got));
    }
    got
}

fn by_opaque(reports: &[DeliveryReport]) -> HashMap<usize, usize> {
    let mut seen = HashMap::new();
    for r in reports {
        *seen.entry(r.opaque).or_insert(0) += 1;
    }
    seen
}

/// Partition 1 has no leader: writes to partition 0 of the same topic keep flowing, and the
/// message for partition 1 waits, then fails with TIMED_OUT once message.timeout.ms passed.
#[test]
fn healthy_partitions_flow_while_another_has_no_leader() {
    let mock = MockCluster::start(2).unwrap();
    mock.create_topic("frozen", 2).unwrap();
    mock.set_leader("frozen", 1, -1).unwrap();
    let w = writer(&mock, "frozen", &[("message.timeout.ms", "2000")]);
    let started = Instant::now();
    w.produce(&[msg(1, "stuck")], &[7]).unwrap();
    let r = w.write(&[msg(0, "a"), msg(0, "b")], Some(Duration::from_secs(3)), None).unwrap();
    assert_eq!(
        r.iter().map(|r| r.as_ref().map_err(|e| e.to_string()).cloned()).collect::<Vec<_>>(),
        vec![Ok(0), Ok(1)],
        "partition 0 froze with partition 1"
    );
    assert!(started.elapsed() < Duration::from_millis(1500), "took {:?}", started.elapsed());
    let got = reports_within(&w, 1, Duration::from_secs(6));
    assert_eq!(got.len(), 1, "no report for the message to the leaderless partition");
    let e = got[0].result.as_ref().unwrap_err();
    assert_eq!(e.code(), code::TIMED_OUT, "{e}");
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(1900) && waited < Duration::from_secs(5), "{waited:?}");
    // The writer kept asking for metadata meanwhile, but not in a busy loop.
    let md = mock.request_count(api_key::METADATA);
    assert!((2..200).contains(&md), "{md} Metadata requests");

    // A leader that comes back in time gets the waiting message delivered.
    w.produce(&[msg(1, "late")], &[8]).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    mock.set_leader("frozen", 1, 2).unwrap();
    let got = reports_within(&w, 1, Duration::from_secs(5));
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].result.as_ref().map_err(|e| e.to_string()), Ok(&0));
    // A partition that loses its leader later does not stop the other either.
    mock.set_leader("frozen", 1, -1).unwrap();
    w.produce(&[msg(1, "lost")], &[9]).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let r = w.write(&[msg(0, "c")], Some(Duration::from_secs(3)), None).unwrap();
    assert_eq!(r[0].as_ref().map_err(|e| e.to_string()), Ok(&2));
    let got = reports_within(&w, 1, Duration::from_secs(6));
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].result.as_ref().unwrap_err().code(), code::TIMED_OUT);
    w.close(T, None, &mut |_| {}).unwrap();
}

/// With the only broker down, messages that were never sent (or never answered) still get
/// their report by message.timeout.ms, so flush and write without a timeout return.
#[test]
fn message_timeout_holds_when_the_broker_is_down() {
    let mock = MockCluster::start(1).unwrap();
    mock.create_topic("down", 1).unwrap();
    let w = writer(
        &mock,
        "down",
        &[("message.timeout.ms", "1500"), ("socket.connection.setup.timeout.ms", "500")],
    );
    assert_eq!(w.write(&[msg(0, "a")], T, None).unwrap()[0].as_ref().unwrap(), &0);
    mock.broker_down(1).unwrap();
    let (tx, rx) = mpsc::channel();
    let started = Instant::now();
    std::thread::spawn(move || {
        let mut reports = Vec::new();
        w.produce(&[msg(0, "b"), msg(0, "c")], &[1, 2]).unwrap();
        let flushed = w.flush(None, None, &mut collect(&mut reports));
        let written = w.write(&[msg(0, "d")], None, None);
        let _ = tx.send((flushed, reports, written));
    });
    let (flushed, reports, written) = rx
        .recv_timeout(Duration::from_secs(8))
        .expect("flush/write with no timeout hung with the broker down");
    flushed.unwrap();
    assert_eq!(by_opaque(&reports), HashMap::from([(1, 1), (2, 1)]));
    for r in &reports {
        assert_eq!(r.result.as_ref().unwrap_err().code(), code::TIMED_OUT, "{:?}", r.result);
    }
    let written = written.unwrap();
    assert_eq!(written[0].as_ref().unwrap_err().code(), code::TIMED_OUT);
    assert!(started.elapsed() >= Duration::from_millis(2900), "{:?}", started.elapsed());
}

/// A partition that loses its leader after the writer knew it: close with no timeout returns
/// once message.timeout.ms failed the waiting message (it used to wait forever).
#[test]
fn close_without_timeout_returns_when_a_leader_is_lost() {
    let mock = MockCluster::start(2).unwrap();
    mock.create_topic("lost", 2).unwrap();
    let w = writer(&mock, "lost", &[("message.timeout.ms", "1500")]);
    assert_eq!(w.write(&[msg(0, "a")], T, None).unwrap()[0].as_ref().unwrap(), &0);
    mock.set_leader("lost", 0, -1).unwrap();
    w.produce(&[msg(0, "b")], &[1]).unwrap();
    let (tx, rx) = mpsc::channel();
    let started = Instant::now();
    std::thread::spawn(move || {
        let mut reports = Vec::new();
        let closed = w.close(None, None, &mut collect(&mut reports));
        let _ = tx.send((closed, reports));
    });
    let (closed, reports) = rx
        .recv_timeout(Duration::from_secs(8))
        .expect("close with no timeout hung on a leaderless partition");
    assert!(started.elapsed() < Duration::from_secs(4), "{:?}", started.elapsed());
    closed.unwrap();
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert_eq!(reports[0].result.as_ref().unwrap_err().code(), code::TIMED_OUT);
}

/// A Produce the broker never answers: once it times out, its connection is closed and the
/// retry goes over a new one (a broker answers in order, so the old one would stay silent).
#[test]
fn timed_out_produce_is_retried_on_a_new_connection() {
    let mock = MockCluster::start(1).unwrap();
    mock.create_topic("sw", 1).unwrap();
    let w = writer(&mock, "sw", &[("request.timeout.ms", "800"), ("socket.timeout.ms", "800")]);
    assert_eq!(w.write(&[msg(0, "a")], T, None).unwrap()[0].as_ref().unwrap(), &0);
    mock.swallow(api_key::PRODUCE, 1);
    let started = Instant::now();
    let r = w.write(&[msg(0, "b")], T, None).unwrap();
    assert_eq!(r[0].as_ref().map_err(|e| e.to_string()), Ok(&1));
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    // Later writes are quick: the writer is not stuck on the silent connection.
    let started = Instant::now();
    let r = w.write(&[msg(0, "c")], T, None).unwrap();
    assert_eq!(r[0].as_ref().map_err(|e| e.to_string()), Ok(&2));
    assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
    assert_eq!(mock.high_watermark("sw", 0).unwrap(), 3);
    w.close(T, None, &mut |_| {}).unwrap();
}

/// The same with socket.timeout.ms left at its default (60 s) above request.timeout.ms: the
/// writer's own wait for the answer (request.timeout.ms + 5 s) ends first, and must close the
/// connection too, or the retry waits behind the unanswered request.
#[test]
fn produce_given_up_by_the_writer_closes_its_connection() {
    let mock = MockCluster::start(1).unwrap();
    mock.create_topic("sw3", 1).unwrap();
    let w = writer(&mock, "sw3", &[("request.timeout.ms", "300")]);
    assert_eq!(w.write(&[msg(0, "a")], T, None).unwrap()[0].as_ref().unwrap(), &0);
    mock.swallow(api_key::PRODUCE, 1);
    let started = Instant::now();
    let r = w.write(&[msg(0, "b")], Some(Duration::from_secs(15)), None).unwrap();
    assert_eq!(r[0].as_ref().map_err(|e| e.to_string()), Ok(&1));
    assert!(started.elapsed() < Duration::from_secs(9), "{:?}", started.elapsed());
    w.close(T, None, &mut |_| {}).unwrap();
}

/// Close while a Produce request is in flight and unanswered: every message gets exactly one
/// report, the in-flight ones an error saying their fate is unknown, and close fails.
#[test]
fn close_reports_in_flight_messages_it_could_not_confirm() {
    let mock = MockCluster::start(1).unwrap();
    mock.create_topic("cl", 2).unwrap();
    let w = writer(&mock, "cl", &[]);
    assert_eq!(w.write(&[msg(0, "a")], T, None).unwrap()[0].as_ref().unwrap(), &0);
    mock.delay(api_key::PRODUCE, 3000);
    w.produce(&[msg(0, "b"), msg(0, "c"), msg(1, "d")], &[1, 2, 3]).unwrap();
    // Let the request go out.
    let deadline = Instant::now() + Duration::from_secs(3);
    while mock.request_count(api_key::PRODUCE) < 2 {
        assert!(Instant::now() < deadline, "the produce request was not sent");
        std::thread::sleep(Duration::from_millis(5));
    }
    let mut reports = Vec::new();
    let started = Instant::now();
    let closed = w.close(Some(Duration::from_millis(500)), None, &mut collect(&mut reports));
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    let e = closed.expect_err("close returned OK although 3 messages were not confirmed");
    assert!(e.message().contains('3'), "{e}");
    assert_eq!(by_opaque(&reports), HashMap::from([(1, 1), (2, 1), (3, 1)]), "{reports:?}");
    for r in &reports {
        let e = r.result.as_ref().unwrap_err();
        assert_eq!(e.code(), code::TIMED_OUT, "{e}");
        assert!(e.message().contains("not confirmed"), "{e}");
    }
    // Nothing more comes later.
    let mut late = Vec::new();
    let _ = w.poll(Some(Duration::from_millis(200)), None, &mut collect(&mut late));
    assert!(late.is_empty(), "{late:?}");
}

/// Close with time enough waits for the in-flight request and reports its success.
#[test]
fn close_waits_for_in_flight_requests() {
    let mock = MockCluster::start(1).unwrap();
    mock.create_topic("cw", 1).unwrap();
    let w = writer(&mock, "cw", &[]);
    mock.delay(api_key::PRODUCE, 500);
    w.produce(&[msg(0, "a"), msg(0, "b")], &[1, 2]).unwrap();
    let mut reports = Vec::new();
    w.close(Some(Duration::from_secs(5)), None, &mut collect(&mut reports)).unwrap();
    let mut offsets: Vec<(usize, i64)> =
        reports.iter().map(|r| (r.opaque, *r.result.as_ref().unwrap())).collect();
    offsets.sort();
    assert_eq!(offsets, vec![(1, 0), (2, 1)]);
    assert_eq!(mock.high_watermark("cw", 0).unwrap(), 2);
}
