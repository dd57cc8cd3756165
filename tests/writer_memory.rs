//! The writer's memory bound and its sequence numbers after a refused batch, on the in-process
//! mock cluster (issue 11): `queue.buffering.max.messages` and `queue.buffering.max.kbytes` count
//! a message until the application has its report, and a batch refused with MESSAGE_TOO_LARGE
//! leaves no sequence gap that stalls its partition.

use std::time::{Duration, Instant};

use kafka_rs::config::Config;
use kafka_rs::error::code;
use kafka_rs::mock::{api_key, errors, MockCluster};
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

fn msg(partition: i32, value: &[u8]) -> OutRecord<'_> {
    OutRecord { value: Some(value), partition, ..Default::default() }
}

fn collect(reports: &mut Vec<DeliveryReport>) -> impl FnMut(Event) + '_ {
    move |e| {
        if let Event::Delivery(r) = e {
            reports.extend(r);
        }
    }
}

/// Waits until the writer has no message left to deliver (its reports may still be queued).
fn wait_delivered(w: &Writer) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while w.pending() > 0 {
        assert!(Instant::now() < deadline, "messages were not delivered");
        std::thread::sleep(Duration::from_millis(5));
    }
    // The reports are pushed right after the count drops.
    std::thread::sleep(Duration::from_millis(50));
}

/// A batch refused with MESSAGE_TOO_LARGE fails its messages, and the next batch of the
/// partition goes at once, in order: the refused batch's sequence numbers are not left as a gap
/// the broker answers with OUT_OF_ORDER_SEQUENCE_NUMBER until the producer is reset.
#[test]
fn message_too_large_leaves_no_sequence_gap() {
    let mock = MockCluster::start(1).unwrap();
    mock.create_topic("big", 1).unwrap();
    // The default retry backoff: the old stall (retries until the producer was reset) took
    // seconds with it.
    let w = writer(&mock, "big", &[("retry.backoff.ms", "100"), ("retry.backoff.max.ms", "1000")]);
    assert_eq!(w.write(&[msg(0, b"a")], T, None).unwrap()[0].as_ref().unwrap(), &0);
    mock.push_partition_errors(api_key::PRODUCE, "big", 0, &[errors::MESSAGE_TOO_LARGE]);
    let r = w.write(&[msg(0, b"too"), msg(0, b"large")], T, None).unwrap();
    for r in &r {
        assert_eq!(r.as_ref().unwrap_err().code(), errors::MESSAGE_TOO_LARGE as i32, "{r:?}");
    }
    let produces = mock.request_count(api_key::PRODUCE);
    let started = Instant::now();
    let r = w.write(&[msg(0, b"b"), msg(0, b"c")], T, None).unwrap();
    let took = started.elapsed();
    assert_eq!(
        r.iter().map(|r| r.as_ref().map_err(|e| e.to_string()).cloned()).collect::<Vec<_>>(),
        vec![Ok(1), Ok(2)]
    );
    assert!(took < Duration::from_millis(500), "the partition stalled for {took:?}");
    assert_eq!(mock.request_count(api_key::PRODUCE) - produces, 1, "the next batch was refused first");
    // Later batches, several in flight, keep flowing in order.
    let values: Vec<Vec<u8>> = (0..50).map(|i| format!("m{i}").into_bytes()).collect();
    let msgs: Vec<OutRecord> = values.iter().map(|v| msg(0, v)).collect();
    let r = w.write(&msgs, T, None).unwrap();
    let offsets: Vec<i64> = r.into_iter().map(|r| r.unwrap()).collect();
    assert_eq!(offsets, (3..53).collect::<Vec<i64>>());
    assert_eq!(mock.high_watermark("big", 0).unwrap(), 53);
    w.close(T, None, &mut |_| {}).unwrap();
}

/// queue.buffering.max.messages counts a message until the application polled its report:
/// an application that never polls gets QUEUE_FULL instead of reports piling up without bound.
#[test]
fn unpolled_reports_count_against_the_message_bound() {
    let mock = MockCluster::start(1).unwrap();
    mock.create_topic("mem", 1).unwrap();
    let w = writer(&mock, "mem", &[("queue.buffering.max.messages", "5")]);
    let msgs: Vec<OutRecord> = (0..5).map(|_| msg(0, b"x")).collect();
    w.produce(&msgs, &[1, 2, 3, 4, 5]).unwrap();
    wait_delivered(&w);
    let e = w.produce(&[msg(0, b"y")], &[6]).expect_err("the reports nobody polled were not counted");
    assert_eq!(e.code(), code::QUEUE_FULL, "{e}");
    // write refuses too, and takes nothing.
    let e = w.write(&[msg(0, b"y")], T, None).expect_err("write went past the bound");
    assert_eq!(e.code(), code::QUEUE_FULL, "{e}");
    let mut reports = Vec::new();
    assert_eq!(w.poll(T, None, &mut collect(&mut reports)).unwrap(), 1);
    assert_eq!(reports.len(), 5);
    // Served: room again. A synchronous write's results are the application's once it returns.
    let r = w.write(&msgs, T, None).unwrap();
    assert!(r.iter().all(|r| r.is_ok()), "{r:?}");
    w.produce(&msgs, &[1, 2, 3, 4, 5]).unwrap();
    assert_eq!(w.produce(&[msg(0, b"z")], &[6]).unwrap_err().code(), code::QUEUE_FULL);
    let mut reports = Vec::new();
    w.flush(T, None, &mut collect(&mut reports)).unwrap();
    assert_eq!(reports.len(), 5);
    w.produce(&msgs, &[1, 2, 3, 4, 5]).unwrap();
    let mut reports = Vec::new();
    w.close(T, None, &mut collect(&mut reports)).unwrap();
    assert_eq!(reports.len(), 5);
    assert_eq!(mock.high_watermark("mem", 0).unwrap(), 20);
}

/// queue.buffering.max.kbytes bounds the bytes (key + value + headers) of the messages whose
/// reports the application does not have yet, waiting for delivery or for a poll alike.
#[test]
fn queued_bytes_are_bounded_until_reports_are_served() {
    let mock = MockCluster::start(1).unwrap();
    mock.create_topic("kb", 1).unwrap();
    let w = writer(&mock, "kb", &[("queue.buffering.max.kbytes", "2")]);
    let value = vec![7u8; 600];
    let headers = [kafka_rs::protocol::records::RecordHeader { key: b"hk", value: Some(&[1u8; 98]) }];
    let big = OutRecord { key: Some(b"0123456789"), headers: &headers, ..msg(0, &value) };
    // 710 bytes each: two fit in 2048, a third does not, not even after delivery.
    w.produce(&[big, big], &[1, 2]).unwrap();
    let e = w.produce(&[big], &[3]).expect_err("past queue.buffering.max.kbytes");
    assert_eq!(e.code(), code::QUEUE_FULL, "{e}");
    assert!(e.message().contains("queue.buffering.max.kbytes"), "{e}");
    wait_delivered(&w);
    assert_eq!(w.produce(&[big], &[3]).unwrap_err().code(), code::QUEUE_FULL);
    // Smaller messages still fit in what is left.
    w.produce(&[msg(0, &[1u8; 600])], &[4]).unwrap();
    let mut reports = Vec::new();
    w.flush(T, None, &mut collect(&mut reports)).unwrap();
    assert_eq!(reports.len(), 3);
    w.produce(&[big, big], &[5, 6]).unwrap();
    let mut reports = Vec::new();
    w.close(T, None, &mut collect(&mut reports)).unwrap();
    assert_eq!(reports.len(), 2);
    assert_eq!(mock.high_watermark("kb", 0).unwrap(), 5);
}

/// The same with later batches of the partition already in flight behind the refused one: they
/// cannot take its sequence numbers, so the producer is reset at once and they go again under
/// the new id, in order, without waiting out the retries of OUT_OF_ORDER_SEQUENCE_NUMBER.
#[test]
fn message_too_large_with_later_batches_in_flight_recovers_at_once() {
    let mock = MockCluster::start(1).unwrap();
    mock.create_topic("big2", 1).unwrap();
    let w = writer(
        &mock,
        "big2",
        &[("retry.backoff.ms", "100"), ("retry.backoff.max.ms", "1000"), ("batch.num.messages", "1")],
    );
    assert_eq!(w.write(&[msg(0, b"a")], T, None).unwrap()[0].as_ref().unwrap(), &0);
    mock.push_partition_errors(api_key::PRODUCE, "big2", 0, &[errors::MESSAGE_TOO_LARGE]);
    // Slow answers, so the five one-message batches are in flight together.
    mock.delay(api_key::PRODUCE, 100);
    let values: Vec<Vec<u8>> = (0..5).map(|i| format!("m{i}").into_bytes()).collect();
    let msgs: Vec<OutRecord> = values.iter().map(|v| msg(0, v)).collect();
    let started = Instant::now();
    w.produce(&msgs, &[0, 1, 2, 3, 4]).unwrap();
    let mut reports = Vec::new();
    w.flush(T, None, &mut collect(&mut reports)).unwrap();
    let took = started.elapsed();
    reports.sort_by_key(|r| r.opaque);
    assert_eq!(reports.len(), 5);
    assert_eq!(reports[0].result.as_ref().unwrap_err().code(), errors::MESSAGE_TOO_LARGE as i32);
    let offsets: Vec<i64> = reports[1..].iter().map(|r| *r.result.as_ref().unwrap()).collect();
    assert_eq!(offsets, vec![1, 2, 3, 4], "{reports:?}");
    assert!(took < Duration::from_millis(1500), "the partition stalled: {took:?}");
    mock.clear_faults();
    let r = w.write(&[msg(0, b"z")], T, None).unwrap();
    assert_eq!(r[0].as_ref().map_err(|e| e.to_string()), Ok(&5));
    assert_eq!(mock.high_watermark("big2", 0).unwrap(), 6);
    w.close(T, None, &mut |_| {}).unwrap();
}
