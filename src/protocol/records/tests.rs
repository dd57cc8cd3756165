use bytes::Bytes;

use super::*;
use crate::protocol::compression::{self, Compression};
use crate::protocol::ProtocolError;

const CAP: usize = 64 << 20;

/// An owned record for comparisons.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Rec {
    timestamp: i64,
    key: Option<Vec<u8>>,
    value: Option<Vec<u8>>,
    headers: Vec<(Vec<u8>, Option<Vec<u8>>)>,
}

fn build(opts: BatchOptions, recs: &[Rec]) -> Bytes {
    let mut b = RecordBatchBuilder::new(opts);
    for r in recs {
        let hs: Vec<RecordHeader<'_>> =
            r.headers.iter().map(|(k, v)| RecordHeader { key: k, value: v.as_deref() }).collect();
        let before = b.size_in_bytes();
        let predicted = b.record_size(r.timestamp, r.key.as_deref(), r.value.as_deref(), &hs).unwrap();
        b.append(r.timestamp, r.key.as_deref(), r.value.as_deref(), &hs).unwrap();
        assert_eq!(b.size_in_bytes() - before, predicted);
    }
    assert_eq!(b.len(), recs.len());
    b.finish().unwrap()
}

fn read_all(blob: Bytes) -> Vec<(i64, Rec)> {
    let mut out = Vec::new();
    for batch in RecordBatches::new(blob) {
        let batch = batch.unwrap();
        for r in batch.records(CAP).unwrap() {
            let r = r.unwrap();
            out.push((
                r.offset,
                Rec {
                    timestamp: r.timestamp,
                    key: r.key.map(|b| b.to_vec()),
                    value: r.value.map(|b| b.to_vec()),
                    headers: r.headers.iter().map(|(k, v)| (k.to_vec(), v.map(|v| v.to_vec()))).collect(),
                },
            ));
        }
    }
    out
}

fn varied(n: usize) -> Vec<Rec> {
    (0..n)
        .map(|i| {
            let timestamp = match i % 5 {
                0 => 1_700_000_000_000 + i as i64,
                1 => -1,
                2 => i64::MAX - i as i64,
                3 => i64::MIN + i as i64,
                _ => 0,
            };
            let key = match i % 3 {
                0 => None,
                1 => Some(format!("key-{i}").into_bytes()),
                _ => Some(Vec::new()),
            };
            let value = match i % 4 {
                0 => None,
                1 => Some(Vec::new()),
                2 => Some(vec![i as u8; i % 300]),
                _ => Some(format!("value number {i} with some text").into_bytes()),
            };
            let headers = match i % 6 {
                0 => vec![],
                1 => vec![(b"h".to_vec(), Some(b"1".to_vec()))],
                // Duplicates, order, null and empty values.
                2 => vec![
                    (b"dup".to_vec(), Some(b"a".to_vec())),
                    (b"other".to_vec(), None),
                    (b"dup".to_vec(), Some(b"b".to_vec())),
                    (b"".to_vec(), Some(b"".to_vec())),
                ],
                _ => vec![("ключ".as_bytes().to_vec(), Some(vec![0xff; i % 40]))],
            };
            Rec { timestamp, key, value, headers }
        })
        .collect()
}

#[test]
fn builder_reader_round_trip_for_every_codec() {
    for codec in Compression::ALL {
        for n in [1, 2, 10_000] {
            let recs = varied(n);
            let opts = BatchOptions { compression: codec, ..Default::default() };
            let blob = build(opts, &recs);
            let batches: Vec<_> = RecordBatches::new(blob.clone()).collect::<Result<_, _>>().unwrap();
            assert_eq!(batches.len(), 1);
            let b = &batches[0];
            assert_eq!(b.compression(), codec);
            assert_eq!(b.record_count(), n as i32);
            assert_eq!(b.base_offset(), 0);
            assert_eq!(b.last_offset(), n as i64 - 1);
            assert_eq!(b.base_timestamp(), recs[0].timestamp);
            assert_eq!(b.max_timestamp(), recs.iter().map(|r| r.timestamp).max().unwrap());
            assert_eq!(b.timestamp_type(), TimestampType::CreateTime);
            // The borrowing iterator sees exactly the same records.
            let owned: Vec<Record> = b.records(CAP).unwrap().map(|r| r.unwrap()).collect();
            let borrowed: Vec<RecordRef<'_>> = b.records_ref(CAP).unwrap().map(|r| r.unwrap()).collect();
            assert_eq!(owned.len(), borrowed.len());
            for (o, r) in owned.iter().zip(&borrowed) {
                assert_eq!((o.offset, o.timestamp), (r.offset, r.timestamp));
                assert_eq!(o.key.as_deref(), r.key);
                assert_eq!(o.value.as_deref(), r.value);
                assert_eq!(o.headers.len(), r.headers.len());
                assert!(o
                    .headers
                    .iter()
                    .zip(r.headers)
                    .all(|((k1, v1), (k2, v2))| k1 == k2 && v1.as_deref() == v2));
            }
            let got = read_all(blob);
            assert_eq!(got.len(), n, "{codec}");
            for (i, (off, r)) in got.into_iter().enumerate() {
                assert_eq!(off, i as i64);
                assert_eq!(r, recs[i], "{codec} record {i}");
            }
        }
    }
}

#[test]
fn batch_options_are_written() {
    let opts = BatchOptions {
        compression: Compression::Lz4,
        producer_id: 0x0102_0304_0506,
        producer_epoch: 7,
        base_sequence: 42,
        transactional: true,
    };
    let blob = build(opts, &varied(3));
    let b = RecordBatches::new(blob).next().unwrap().unwrap();
    assert_eq!(b.producer_id(), 0x0102_0304_0506);
    assert_eq!(b.producer_epoch(), 7);
    assert_eq!(b.base_sequence(), 42);
    assert!(b.is_transactional());
    assert!(!b.is_control());
    assert_eq!(b.partition_leader_epoch(), -1);
    assert_eq!(b.magic(), 2);
    assert_eq!(b.attributes(), 0x10 | 3);

    let mut builder = RecordBatchBuilder::new(BatchOptions::default());
    builder.append(1, None, Some(b"x"), &[]).unwrap();
    builder.set_producer_state(9, 1, 100);
    let b = RecordBatches::new(builder.finish().unwrap()).next().unwrap().unwrap();
    assert_eq!((b.producer_id(), b.producer_epoch(), b.base_sequence()), (9, 1, 100));
    assert!(!b.is_transactional());
}

/// CRC-32C computed bit by bit, independent of the crc32c crate.
fn slow_crc32c(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0x82F6_3B78 } else { crc >> 1 };
        }
    }
    !crc
}

#[test]
fn hand_checked_v2_layout() {
    assert_eq!(slow_crc32c(b"123456789"), 0xE306_9283);
    let ts: i64 = 1_700_000_000_123;
    let mut b = RecordBatchBuilder::new(BatchOptions::default());
    b.append(ts, Some(b"k"), Some(b"v"), &[]).unwrap();
    assert_eq!(b.size_in_bytes(), 61 + 9);
    let blob = b.finish().unwrap();
    let mut want: Vec<u8> = Vec::new();
    want.extend_from_slice(&0i64.to_be_bytes()); // base offset
    want.extend_from_slice(&58i32.to_be_bytes()); // length: 70 - 12
    want.extend_from_slice(&(-1i32).to_be_bytes()); // partition leader epoch
    want.push(2); // magic
    want.extend_from_slice(&[0; 4]); // crc, checked below
    want.extend_from_slice(&0i16.to_be_bytes()); // attributes
    want.extend_from_slice(&0i32.to_be_bytes()); // last offset delta
    want.extend_from_slice(&ts.to_be_bytes()); // base timestamp
    want.extend_from_slice(&ts.to_be_bytes()); // max timestamp
    want.extend_from_slice(&(-1i64).to_be_bytes()); // producer id
    want.extend_from_slice(&(-1i16).to_be_bytes()); // producer epoch
    want.extend_from_slice(&(-1i32).to_be_bytes()); // base sequence
    want.extend_from_slice(&1i32.to_be_bytes()); // record count
    assert_eq!(want.len(), 61);
    // length 8 (zig-zag 0x10), attributes, ts delta 0, offset delta 0, key len 1 (0x02) "k",
    // value len 1 "v", no headers.
    want.extend_from_slice(&[0x10, 0x00, 0x00, 0x00, 0x02, b'k', 0x02, b'v', 0x00]);
    let crc = slow_crc32c(&want[21..]);
    want[17..21].copy_from_slice(&crc.to_be_bytes());
    assert_eq!(&blob[..], &want[..]);
    assert_eq!(&blob[17..21], &crc.to_be_bytes());
}

#[test]
fn timestamp_deltas_are_relative_to_the_first_record() {
    let mut b = RecordBatchBuilder::new(BatchOptions::default());
    b.append(1000, None, None, &[]).unwrap();
    b.append(900, None, None, &[]).unwrap();
    b.append(1300, None, None, &[]).unwrap();
    let blob = b.finish().unwrap();
    let batch = RecordBatches::new(blob.clone()).next().unwrap().unwrap();
    assert_eq!((batch.base_timestamp(), batch.max_timestamp()), (1000, 1300));
    let ts: Vec<i64> = batch.records(CAP).unwrap().map(|r| r.unwrap().timestamp).collect();
    assert_eq!(ts, [1000, 900, 1300]);
    // Second record: ts delta -100 (zig-zag 199 = 0xc7 0x01), offset delta 1.
    let second = &blob[61 + 7..];
    assert_eq!(&second[..6], &[0x0e, 0x00, 0xc7, 0x01, 0x02, 0x01]);
}

#[test]
fn log_append_time_overrides_record_timestamps() {
    let mut blob = build(BatchOptions::default(), &varied(4)).to_vec();
    let attrs = i16::from_be_bytes([blob[21], blob[22]]) | attributes::TIMESTAMP_TYPE;
    blob[21..23].copy_from_slice(&attrs.to_be_bytes());
    blob[35..43].copy_from_slice(&777i64.to_be_bytes());
    let crc = crc32c::crc32c(&blob[21..]);
    blob[17..21].copy_from_slice(&crc.to_be_bytes());
    let batch = RecordBatches::new(Bytes::from(blob)).next().unwrap().unwrap();
    assert_eq!(batch.timestamp_type(), TimestampType::LogAppendTime);
    assert!(batch.records(CAP).unwrap().all(|r| r.unwrap().timestamp == 777));
}

#[test]
fn builder_rejects_bad_input_and_empty_batches() {
    assert!(matches!(
        RecordBatchBuilder::new(BatchOptions::default()).finish(),
        Err(ProtocolError::Encode(_))
    ));
    let mut b = RecordBatchBuilder::new(BatchOptions::default());
    b.append(5, Some(b"a"), Some(b"b"), &[]).unwrap();
    let size = b.size_in_bytes();
    let bad = [RecordHeader { key: &[0xff, 0xfe], value: None }];
    assert!(matches!(b.append(6, None, None, &bad), Err(ProtocolError::Encode(_))));
    assert!(b.record_size(6, None, None, &bad).is_err());
    assert_eq!((b.len(), b.size_in_bytes()), (1, size), "a failed append leaves the builder as it was");
    assert_eq!(read_all(b.finish().unwrap()).len(), 1);
}

#[test]
fn several_batches_and_a_partial_trailer() {
    let a = build(BatchOptions::default(), &varied(3));
    let b = build(BatchOptions { compression: Compression::Zstd, ..Default::default() }, &varied(5));
    let mut blob = [&a[..], &b[..]].concat();
    // Second batch: pretend the broker put it at offsets 100..
    blob[a.len()..a.len() + 8].copy_from_slice(&100i64.to_be_bytes());
    let full = blob.clone();
    blob.extend_from_slice(&a[..a.len() - 3]);
    let mut it = RecordBatches::new(Bytes::from(blob));
    let offsets: Vec<i64> = it
        .by_ref()
        .map(|b| b.unwrap())
        .flat_map(|b| b.records(CAP).unwrap().map(|r| r.unwrap().offset).collect::<Vec<_>>())
        .collect();
    assert_eq!(offsets, [0, 1, 2, 100, 101, 102, 103, 104]);
    assert_eq!(it.remaining(), a.len() - 3);
    assert!(it.next().is_none());
    assert_eq!(read_all(Bytes::from(full)).len(), 8);
}

fn reseal(blob: &mut [u8]) {
    let crc = crc32c::crc32c(&blob[21..]);
    blob[17..21].copy_from_slice(&crc.to_be_bytes());
}

#[test]
fn corrupt_batches_are_errors() {
    let good = build(BatchOptions::default(), &varied(10)).to_vec();

    let mut bad_crc = good.clone();
    bad_crc[70] ^= 1;
    let mut it = RecordBatches::new(Bytes::from(bad_crc));
    assert!(matches!(it.next(), Some(Err(ProtocolError::Invalid(m))) if m.contains("CRC")));
    assert!(it.next().is_none(), "iteration ends after an error");

    let mut bad_magic = good.clone();
    bad_magic[16] = 3;
    assert!(RecordBatches::new(Bytes::from(bad_magic)).next().unwrap().is_err());

    let mut short = good.clone();
    short[8..12].copy_from_slice(&5i32.to_be_bytes());
    assert!(RecordBatches::new(Bytes::from(short)).next().unwrap().is_err());

    let mut negative = good.clone();
    negative[8..12].copy_from_slice(&(-1i32).to_be_bytes());
    assert!(RecordBatches::new(Bytes::from(negative)).next().unwrap().is_err());

    let mut codec = good.clone();
    codec[22] |= 7;
    reseal(&mut codec);
    assert!(RecordBatches::new(Bytes::from(codec)).next().unwrap().is_err());

    let mut count = good.clone();
    count[57..61].copy_from_slice(&(-5i32).to_be_bytes());
    reseal(&mut count);
    assert!(RecordBatches::new(Bytes::from(count)).next().unwrap().is_err());

    // Fewer records than announced, and more bytes than the announced records take.
    for n in [11, 9] {
        let mut c = good.clone();
        c[57..61].copy_from_slice(&(n as i32).to_be_bytes());
        reseal(&mut c);
        let batch = RecordBatches::new(Bytes::from(c)).next().unwrap().unwrap();
        let results: Vec<_> = batch.records(CAP).unwrap().collect();
        assert_eq!(results.len(), n.min(10) + 1, "{n}: the records there are, then one error");
        assert!(results[..n.min(10)].iter().all(|r| r.is_ok()));
        assert!(results.last().unwrap().is_err());
    }

    // A compressed batch whose payload is garbage.
    let mut garbage =
        build(BatchOptions { compression: Compression::Gzip, ..Default::default() }, &varied(10)).to_vec();
    let n = garbage.len();
    garbage[n - 8] ^= 0xff; // the gzip trailer's CRC-32
    reseal(&mut garbage);
    let batch = RecordBatches::new(Bytes::from(garbage)).next().unwrap().unwrap();
    assert!(batch.records(CAP).is_err());
}

#[test]
fn every_truncation_ends_or_errors_without_panicking() {
    for codec in Compression::ALL {
        let one = build(BatchOptions { compression: codec, ..Default::default() }, &varied(20));
        let blob = [&one[..], &one[..]].concat();
        for cut in 0..blob.len() {
            let batches: Vec<_> = RecordBatches::new(Bytes::copy_from_slice(&blob[..cut])).collect();
            let want = cut / one.len();
            assert_eq!(batches.len(), want, "{codec} cut {cut}");
            for b in batches {
                assert_eq!(b.unwrap().records(CAP).unwrap().filter(|r| r.is_err()).count(), 0);
            }
        }
    }
}

#[test]
fn damaged_records_never_panic() {
    // Any byte of the records section changed (CRC fixed up so the damage reaches the parser).
    let good = build(BatchOptions::default(), &varied(12)).to_vec();
    for i in 61..good.len() {
        for x in [0x01, 0x80, 0xff, 0x7f] {
            let mut c = good.clone();
            c[i] ^= x;
            reseal(&mut c);
            let batch = RecordBatches::new(Bytes::from(c)).next().unwrap().unwrap();
            for r in batch.records(CAP).unwrap().flatten() {
                let _ = r.headers.iter().count();
            }
            for r in batch.records_ref(CAP).unwrap().flatten() {
                let _ = r.headers.iter().count();
            }
        }
    }
    // And a damaged header length field inside the records of a compressed batch.
    let zs = build(BatchOptions { compression: Compression::Snappy, ..Default::default() }, &varied(12));
    let batch = RecordBatches::new(zs.clone()).next().unwrap().unwrap();
    let plain = compression::decompress(Compression::Snappy, &zs[61..], CAP).unwrap();
    drop(batch);
    for i in (0..plain.len()).step_by(3) {
        let mut p = plain.clone();
        p[i] = 0x7f;
        let mut c = zs[..61].to_vec();
        compression::compress(Compression::Snappy, &p, &mut c).unwrap();
        let len = (c.len() - 12) as i32;
        c[8..12].copy_from_slice(&len.to_be_bytes());
        reseal(&mut c);
        let batch = RecordBatches::new(Bytes::from(c)).next().unwrap().unwrap();
        let _ = batch.records(CAP).unwrap().count();
    }
}

#[test]
fn lying_record_count_does_not_allocate() {
    let mut c = build(BatchOptions::default(), &varied(1)).to_vec();
    c[57..61].copy_from_slice(&i32::MAX.to_be_bytes());
    reseal(&mut c);
    let batch = RecordBatches::new(Bytes::from(c)).next().unwrap().unwrap();
    assert_eq!(batch.record_count(), i32::MAX);
    let it = batch.records(CAP).unwrap();
    let (lo, hi) = it.size_hint();
    assert_eq!(lo, 0);
    assert!(hi.unwrap() <= 2, "size_hint is bounded by the bytes, not the count: {hi:?}");
    // Collecting would abort on a 2^31-element reservation if the count sized anything.
    let all: Vec<_> = it.collect();
    assert_eq!(all.len(), 2);
    assert!(all[0].is_ok() && all[1].is_err());
    let all: Vec<_> = batch.records_ref(CAP).unwrap().collect();
    assert_eq!(all.len(), 2);
    assert!(all[0].is_ok() && all[1].is_err());
}

#[test]
fn empty_batches_from_the_log_cleaner_are_readable() {
    let mut c = build(BatchOptions::default(), &varied(1))[..61].to_vec();
    c[8..12].copy_from_slice(&49i32.to_be_bytes());
    c[57..61].copy_from_slice(&0i32.to_be_bytes());
    reseal(&mut c);
    let batch = RecordBatches::new(Bytes::from(c)).next().unwrap().unwrap();
    assert_eq!(batch.record_count(), 0);
    assert_eq!(batch.records(CAP).unwrap().count(), 0);
}

#[test]
fn compressed_records_are_decompressed_once_and_capped() {
    let blob = build(BatchOptions { compression: Compression::Zstd, ..Default::default() }, &varied(100));
    let batch = RecordBatches::new(blob).next().unwrap().unwrap();
    assert!(matches!(batch.records(100), Err(ProtocolError::Compression(_))));
    let a: Vec<_> = batch.records(CAP).unwrap().map(|r| r.unwrap()).collect();
    let b: Vec<_> = batch.records(CAP).unwrap().map(|r| r.unwrap()).collect();
    assert_eq!(a, b);
    // Both iterations slice the same decompressed buffer.
    let v1 = a.iter().find_map(|r| r.value.clone().filter(|v| !v.is_empty())).unwrap();
    let v2 = b.iter().find_map(|r| r.value.clone().filter(|v| !v.is_empty())).unwrap();
    assert_eq!(v1.as_ptr(), v2.as_ptr());
    assert!(batch.records(100).is_err(), "the cap also applies to the kept buffer");
}

#[test]
fn uncompressed_keys_and_values_are_zero_copy() {
    let blob = build(BatchOptions::default(), &varied(10));
    let range = blob.as_ptr_range();
    for b in RecordBatches::new(blob.clone()) {
        for r in b.unwrap().records(CAP).unwrap() {
            let r = r.unwrap();
            for s in r.key.iter().chain(r.value.iter()).filter(|s| !s.is_empty()) {
                assert!(range.contains(&s.as_ptr()));
            }
        }
    }
}

#[test]
fn control_records() {
    let mut b =
        RecordBatchBuilder::new(BatchOptions { transactional: true, producer_id: 5, ..Default::default() });
    b.append(10, Some(&[0, 0, 0, 1]), Some(&[0, 0, 0, 0, 0, 0]), &[]).unwrap();
    let mut c = b.finish().unwrap().to_vec();
    c[22] |= attributes::CONTROL as u8;
    reseal(&mut c);
    let batch = RecordBatches::new(Bytes::from(c)).next().unwrap().unwrap();
    assert!(batch.is_control() && batch.is_transactional());
    let r = batch.records(CAP).unwrap().next().unwrap().unwrap();
    assert_eq!(ControlRecordType::from_key(&r.key.unwrap()), Some(ControlRecordType::Commit));
    assert_eq!(ControlRecordType::from_key(&[0, 0, 0, 0]), Some(ControlRecordType::Abort));
    assert_eq!(ControlRecordType::from_key(&[0, 0]), None);
}

// ---------------------------------------------------------------------------------------------
// Legacy message sets

/// One legacy message: offset, size, crc, magic, attributes, [timestamp], key, value.
fn legacy_msg(
    offset: i64,
    magic: u8,
    attrs: u8,
    ts: i64,
    key: Option<&[u8]>,
    value: Option<&[u8]>,
) -> Vec<u8> {
    let mut body = vec![magic, attrs];
    if magic == 1 {
        body.extend_from_slice(&ts.to_be_bytes());
    }
    for f in [key, value] {
        match f {
            None => body.extend_from_slice(&(-1i32).to_be_bytes()),
            Some(b) => {
                body.extend_from_slice(&(b.len() as i32).to_be_bytes());
                body.extend_from_slice(b);
            }
        }
    }
    let mut out = offset.to_be_bytes().to_vec();
    out.extend_from_slice(&(4 + body.len() as i32).to_be_bytes());
    out.extend_from_slice(&crc32fast::hash(&body).to_be_bytes());
    out.extend_from_slice(&body);
    out
}

fn legacy_wrapper(
    codec: Compression,
    offset: i64,
    magic: u8,
    extra_attrs: u8,
    ts: i64,
    inner: &[u8],
) -> Vec<u8> {
    let mut z = Vec::new();
    if codec == Compression::Snappy {
        compression::snappy_compress_xerial(inner, 32 * 1024, &mut z).unwrap();
    } else {
        compression::compress(codec, inner, &mut z).unwrap();
    }
    legacy_msg(offset, magic, codec as u8 | extra_attrs, ts, None, Some(&z))
}

/// (offset, timestamp, key, value)
type Flat = (i64, i64, Option<Vec<u8>>, Option<Vec<u8>>);

fn records_of(blob: Vec<u8>) -> Vec<Flat> {
    let mut out = Vec::new();
    for b in RecordBatches::new(Bytes::from(blob)) {
        for r in b.unwrap().records(CAP).unwrap() {
            let r = r.unwrap();
            out.push((r.offset, r.timestamp, r.key.map(|k| k.to_vec()), r.value.map(|v| v.to_vec())));
        }
    }
    out
}

#[test]
fn legacy_uncompressed_v0_and_v1() {
    let one = RecordBatches::new(Bytes::from(legacy_msg(1, 1, 0, 0, Some(b"k"), Some(b"v")))).next();
    let r = one.unwrap().unwrap().records(CAP).unwrap().next().unwrap().unwrap();
    assert!(r.headers.is_empty() && r.headers.iter().next().is_none());
    let mut blob = legacy_msg(10, 0, 0, 0, Some(b"k0"), Some(b"v0"));
    blob.extend(legacy_msg(11, 0, 0, 0, None, Some(b"")));
    blob.extend(legacy_msg(12, 1, 0, 5000, Some(b"k1"), None));
    let batches: Vec<_> = RecordBatches::new(Bytes::from(blob.clone())).map(|b| b.unwrap()).collect();
    assert_eq!(batches.len(), 3);
    assert_eq!(batches[0].magic(), 0);
    assert_eq!(batches[0].timestamp_type(), TimestampType::NoTimestamp);
    assert_eq!(batches[2].timestamp_type(), TimestampType::CreateTime);
    assert_eq!((batches[2].base_offset(), batches[2].last_offset(), batches[2].record_count()), (12, 12, 1));
    assert_eq!(batches[2].max_timestamp(), 5000);
    assert_eq!(
        records_of(blob),
        vec![
            (10, -1, Some(b"k0".to_vec()), Some(b"v0".to_vec())),
            (11, -1, None, Some(vec![])),
            (12, 5000, Some(b"k1".to_vec()), None),
        ]
    );
}

#[test]
fn legacy_compressed_wrappers() {
    for codec in [Compression::Gzip, Compression::Snappy, Compression::Lz4] {
        // v0: inner offsets are absolute; the wrapper carries the last one.
        let inner: Vec<u8> =
            [legacy_msg(100, 0, 0, 0, Some(b"a"), Some(b"1")), legacy_msg(101, 0, 0, 0, None, Some(b"2"))]
                .concat();
        let blob = legacy_wrapper(codec, 101, 0, 0, 0, &inner);
        let b = RecordBatches::new(Bytes::from(blob.clone())).next().unwrap().unwrap();
        assert_eq!(
            (b.base_offset(), b.last_offset(), b.record_count(), b.compression()),
            (100, 101, 2, codec)
        );
        assert_eq!(
            records_of(blob),
            vec![(100, -1, Some(b"a".to_vec()), Some(b"1".to_vec())), (101, -1, None, Some(b"2".to_vec()))]
        );

        // v1: inner offsets are relative, the last inner message has the wrapper's offset.
        let inner: Vec<u8> = [
            legacy_msg(0, 1, 0, 1000, Some(b"x"), Some(b"10")),
            legacy_msg(1, 1, 0, 3000, Some(b"y"), Some(b"11")),
            legacy_msg(2, 1, 0, 2000, None, None),
        ]
        .concat();
        let blob = legacy_wrapper(codec, 52, 1, 0, 3000, &inner);
        let b = RecordBatches::new(Bytes::from(blob.clone())).next().unwrap().unwrap();
        assert_eq!((b.base_offset(), b.last_offset(), b.record_count()), (50, 52, 3));
        assert_eq!((b.base_timestamp(), b.max_timestamp()), (1000, 3000));
        assert_eq!(
            records_of(blob),
            vec![
                (50, 1000, Some(b"x".to_vec()), Some(b"10".to_vec())),
                (51, 3000, Some(b"y".to_vec()), Some(b"11".to_vec())),
                (52, 2000, None, None),
            ]
        );

        // v1 with LogAppendTime: the wrapper's timestamp applies to every message.
        let blob = legacy_wrapper(codec, 52, 1, 0x08, 9999, &inner);
        let b = RecordBatches::new(Bytes::from(blob.clone())).next().unwrap().unwrap();
        assert_eq!(b.timestamp_type(), TimestampType::LogAppendTime);
        assert!(records_of(blob).iter().all(|r| r.1 == 9999));
    }
}

#[test]
fn legacy_v0_lz4_with_the_old_broken_header_checksum() {
    let inner = legacy_msg(7, 0, 0, 0, Some(b"k"), Some(b"v"));
    let mut z = Vec::new();
    compression::compress(Compression::Lz4, &inner, &mut z).unwrap();
    z[6] = (compression::xxh32(&z[..6], 0) >> 8) as u8;
    let blob = legacy_msg(7, 0, Compression::Lz4 as u8, 0, None, Some(&z));
    assert_eq!(records_of(blob), vec![(7, -1, Some(b"k".to_vec()), Some(b"v".to_vec()))]);
}

#[test]
fn legacy_corruption_is_an_error() {
    let good = legacy_msg(1, 1, 0, 5, Some(b"key"), Some(b"value"));
    let mut bad = good.clone();
    bad[30] ^= 1;
    assert!(RecordBatches::new(Bytes::from(bad)).next().unwrap().is_err());

    // Nested compression, empty wrapper, null wrapper value, zstd in v1, mismatched magic.
    let nested = legacy_wrapper(Compression::Gzip, 0, 1, 0, 0, &good);
    let cases = [
        legacy_wrapper(Compression::Gzip, 0, 1, 0, 0, &nested),
        legacy_wrapper(Compression::Gzip, 0, 1, 0, 0, &[]),
        legacy_msg(0, 1, 1, 0, None, None),
        legacy_msg(0, 1, 4, 0, None, Some(b"x")),
        legacy_wrapper(Compression::Gzip, 0, 0, 0, 0, &good),
        legacy_wrapper(Compression::Gzip, 0, 1, 0, 0, &good[..good.len() - 1]),
    ];
    for (i, c) in cases.into_iter().enumerate() {
        assert!(RecordBatches::new(Bytes::from(c)).next().unwrap().is_err(), "case {i}");
    }

    // Legacy wrappers honour the iterator's decompression cap.
    let big: Vec<u8> = (0..100).flat_map(|i| legacy_msg(i, 1, 0, 0, None, Some(&[0; 1000]))).collect();
    let blob = Bytes::from(legacy_wrapper(Compression::Gzip, 99, 1, 0, 0, &big));
    assert!(RecordBatches::with_max_decompressed(blob.clone(), 10_000).next().unwrap().is_err());
    let b = RecordBatches::new(blob).next().unwrap().unwrap();
    assert_eq!(b.record_count(), 100);
    assert!(b.records(10_000).is_err());

    // Every truncation of a legacy set ends the iteration or errors.
    let blob = [good.clone(), legacy_wrapper(Compression::Snappy, 9, 1, 0, 0, &good)].concat();
    for cut in 0..blob.len() {
        for b in RecordBatches::new(Bytes::copy_from_slice(&blob[..cut])) {
            let _ = b.map(|b| b.records(CAP).map(|r| r.count()));
        }
    }
}

#[test]
fn mixed_legacy_and_v2_in_one_blob() {
    let mut blob = legacy_msg(0, 1, 0, 5, Some(b"old"), Some(b"1"));
    let mut v2 = build(BatchOptions::default(), &varied(2)).to_vec();
    v2[..8].copy_from_slice(&1i64.to_be_bytes());
    blob.extend_from_slice(&v2);
    let offsets: Vec<i64> = records_of(blob).into_iter().map(|r| r.0).collect();
    assert_eq!(offsets, [0, 1, 2]);
}

#[test]
fn types_cross_threads_and_debug_is_compact() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<RecordBatchBuilder>();
    send_sync::<RecordBatches>();
    send_sync::<BatchView>();
    send_sync::<RecordIter>();
    send_sync::<Record>();
    send_sync::<RecordRefIter<'_>>();

    let mut b = RecordBatchBuilder::new(BatchOptions::default());
    b.append(0, None, Some(&[7; 10_000]), &[]).unwrap();
    assert!(format!("{b:?}").len() < 300);
    let batch = RecordBatches::new(b.finish().unwrap()).next().unwrap().unwrap();
    let dbg = format!("{batch:?}");
    assert!(dbg.len() < 400 && dbg.contains("record_count: 1"), "{dbg}");
}

#[test]
fn append_within_appends_only_what_fits() {
    let mut b = RecordBatchBuilder::new(BatchOptions::default());
    b.append(1, Some(b"k"), Some(b"v"), &[]).unwrap();
    let size = b.record_size(2, None, Some(b"0123456789"), &[]).unwrap();
    let limit = b.size_in_bytes() + size;
    assert!(!b.append_within(2, None, Some(b"0123456789"), &[], limit - 1).unwrap());
    assert_eq!(b.len(), 1, "a record that does not fit is not appended");
    assert!(b.append_within(2, None, Some(b"0123456789"), &[], limit).unwrap());
    assert_eq!((b.len(), b.size_in_bytes()), (2, limit));
    assert_eq!(read_all(b.finish().unwrap()).len(), 2);
}

#[test]
fn legacy_wrappers_are_capped_while_inflating_and_the_cap_can_change_between_batches() {
    // A wrapper holding one 8 MiB message of zeros: tiny compressed, 8 MiB inflated.
    let big = legacy_msg(0, 1, 0, 5, None, Some(&vec![0u8; 8 << 20]));
    let small = legacy_msg(0, 1, 0, 5, None, Some(b"x"));
    let blob = [
        legacy_wrapper(Compression::Lz4, 0, 1, 0, 5, &small),
        legacy_wrapper(Compression::Lz4, 1, 1, 0, 5, &big),
        legacy_wrapper(Compression::Lz4, 2, 1, 0, 5, &big),
    ]
    .concat();
    let mut batches = RecordBatches::with_max_decompressed(Bytes::from(blob), 1 << 20);
    assert_eq!(batches.peek_offsets(), Some((0, 0)));
    let first = batches.next().unwrap().unwrap();
    assert_eq!(first.decompressed_len(), Some(small.len()));
    // The cap stops the decoder: the error says so, at the cap, not after inflating 8 MiB.
    let mut two = batches.clone();
    match two.next().unwrap() {
        Err(ProtocolError::Compression(m)) => assert!(m.contains("larger than 1048576"), "{m}"),
        other => panic!("the 8 MiB wrapper passed a 1 MiB cap: {other:?}"),
    }
    assert!(two.next().is_none(), "an error ends the iteration");
    // Raised for the batches still to come, the same wrapper reads.
    assert_eq!(batches.peek_offsets(), Some((1, 1)));
    batches.set_max_decompressed(16 << 20);
    let second = batches.next().unwrap().unwrap();
    assert_eq!(second.decompressed_len(), Some(big.len()));
    // The cap given to records() applies to the kept buffer as well.
    assert!(second.records(1 << 20).is_err());
    assert_eq!(second.records(16 << 20).unwrap().count(), 1);
}

#[test]
fn peek_offsets_names_the_next_batch_even_when_it_is_corrupt() {
    let good = build(BatchOptions::default(), &varied(3));
    let mut bad = build(BatchOptions::default(), &varied(4)).to_vec();
    bad[..8].copy_from_slice(&3i64.to_be_bytes());
    bad[30] ^= 0xff; // inside the CRC-covered part
    let mut batches = RecordBatches::new(Bytes::from([good.to_vec(), bad].concat()));
    assert_eq!(batches.peek_offsets(), Some((0, 2)));
    assert!(batches.next().unwrap().is_ok());
    assert_eq!(batches.peek_offsets(), Some((3, 6)));
    assert!(batches.next().unwrap().is_err());
    assert_eq!(batches.peek_offsets(), None);
    // An uncompressed batch has no decompressed size.
    let b = RecordBatches::new(good).next().unwrap().unwrap();
    assert_eq!(b.decompressed_len(), None);
}
