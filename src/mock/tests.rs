use super::state::{check_sequence, parse_produced, remember_batch, PartitionState};
use super::*;
use crate::protocol::records::{BatchOptions, RecordBatchBuilder, RecordBatches};

fn batch(pid: i64, epoch: i16, seq: i32, n: usize) -> Bytes {
    let mut b = RecordBatchBuilder::new(BatchOptions {
        producer_id: pid,
        producer_epoch: epoch,
        base_sequence: seq,
        ..Default::default()
    });
    for i in 0..n {
        b.append(1000 + i as i64, None, Some(b"v"), &[]).unwrap();
    }
    b.finish().unwrap()
}

/// Runs the produce path's checks and append for one batch: Ok(base offset) or the error.
fn produce(p: &mut PartitionState, raw: Bytes) -> std::result::Result<i64, i16> {
    let parsed = parse_produced(&raw)?;
    let (h, bytes) = &parsed[0];
    match check_sequence(p, h)? {
        Some(off) => Ok(off),
        None => {
            let base = p.append_raw(bytes, i64::from(h.last_offset_delta) + 1, h.max_ts);
            remember_batch(p, h, base);
            Ok(base)
        }
    }
}

#[test]
fn sequences_are_checked_as_the_broker_does() {
    let mut p = PartitionState::new(1, vec![1]);
    assert_eq!(produce(&mut p, batch(7, 0, 0, 3)), Ok(0));
    assert_eq!(produce(&mut p, batch(7, 0, 3, 2)), Ok(3));
    // A duplicate of a remembered batch gets its original offset and is not appended.
    assert_eq!(produce(&mut p, batch(7, 0, 0, 3)), Ok(0));
    assert_eq!(p.high_watermark, 5);
    // A gap, a stale epoch, a new epoch not starting at 0, an unknown producer not at 0.
    assert_eq!(produce(&mut p, batch(7, 0, 9, 1)), Err(errors::OUT_OF_ORDER_SEQUENCE_NUMBER));
    assert_eq!(produce(&mut p, batch(8, 0, 4, 1)), Err(errors::OUT_OF_ORDER_SEQUENCE_NUMBER));
    assert_eq!(produce(&mut p, batch(7, 1, 5, 1)), Err(errors::OUT_OF_ORDER_SEQUENCE_NUMBER));
    assert_eq!(produce(&mut p, batch(7, 1, 0, 1)), Ok(5));
    assert_eq!(produce(&mut p, batch(7, 0, 5, 1)), Err(errors::INVALID_PRODUCER_EPOCH));
    // Only the last 5 batches are remembered.
    for i in 1..=6 {
        assert_eq!(produce(&mut p, batch(7, 1, i, 1)), Ok(5 + i64::from(i)));
    }
    assert_eq!(produce(&mut p, batch(7, 1, 2, 1)), Ok(7));
    assert_eq!(produce(&mut p, batch(7, 1, 1, 1)), Err(errors::OUT_OF_ORDER_SEQUENCE_NUMBER));
    // Non-idempotent batches are not checked.
    assert_eq!(produce(&mut p, batch(-1, -1, -1, 2)), Ok(12));
    // Stored batches carry their assigned offsets.
    let view = RecordBatches::new(p.log.last().unwrap().bytes.clone()).next().unwrap().unwrap();
    assert_eq!((view.base_offset(), view.last_offset()), (12, 13));
}

#[test]
fn corrupt_batches_fail_where_they_say() {
    let crc = RecordBatches::new(Bytes::from(corrupt_batch(Corruption::Crc, 2))).next().unwrap();
    assert!(crc.is_err());
    for kind in [Corruption::Compression, Corruption::Records] {
        let v = RecordBatches::new(Bytes::from(corrupt_batch(kind, 2))).next().unwrap().unwrap();
        assert_eq!(v.record_count(), 2);
        let recs = v.records(1 << 20);
        let failed = match recs {
            Err(_) => true,
            Ok(mut it) => it.any(|r| r.is_err()),
        };
        assert!(failed, "{kind:?} decoded");
    }
    assert_eq!(
        parse_produced(&Bytes::from(corrupt_batch(Corruption::Crc, 1))).err(),
        Some(errors::CORRUPT_MESSAGE)
    );
}

#[test]
fn starts_and_stops_on_ephemeral_loopback_ports() {
    let mut m = MockCluster::start(3).unwrap();
    let b = m.bootstrap();
    assert_eq!(b.split(',').count(), 3);
    assert!(b.split(',').all(|a| a.starts_with("127.0.0.1:")));
    let a1 = m.broker_address(1).unwrap();
    assert!(std::net::TcpStream::connect(&a1).is_ok());
    m.broker_down(1).unwrap();
    assert!(std::net::TcpStream::connect(&a1).is_err());
    m.broker_up(1).unwrap();
    assert!(std::net::TcpStream::connect(&a1).is_ok());
    m.stop();
    assert!(std::net::TcpStream::connect(&a1).is_err());
}
