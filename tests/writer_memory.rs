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
