//! Arbitrary bytes as a Fetch `records` blob: iterate every batch and every record (both
//! iterators), touching keys, values and headers, with a small decompression cap.
//!
//! Inputs whose first byte is odd get their batch CRCs fixed up first, so the fuzzer also
//! reaches the record parser behind the checksums; even ones are parsed as they are.
#![no_main]

use bytes::Bytes;
use kafka_rs::protocol::records::RecordBatches;
use libfuzzer_sys::fuzz_target;

const CAP: usize = 1 << 20;

/// Rewrites the checksum of every complete top-level entry (v2 batch or legacy message).
fn fix_crcs(b: &mut [u8]) {
    let mut pos = 0;
    while b.len() - pos >= 17 {
        let len = i32::from_be_bytes(b[pos + 8..pos + 12].try_into().unwrap());
        if len < 5 || (len as usize) > b.len() - pos - 12 {
            return;
        }
        let end = pos + 12 + len as usize;
        match b[pos + 16] {
            2 if end - pos >= 21 => {
                let crc = crc32c::crc32c(&b[pos + 21..end]);
                b[pos + 17..pos + 21].copy_from_slice(&crc.to_be_bytes());
            }
            0 | 1 => {
                let crc = crc32fast::hash(&b[pos + 16..end]);
                b[pos + 12..pos + 16].copy_from_slice(&crc.to_be_bytes());
            }
            _ => {}
        }
        pos = end;
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let mut blob = rest.to_vec();
    if mode & 1 == 1 {
        fix_crcs(&mut blob);
    }
    let mut touched = 0usize;
    for batch in RecordBatches::with_max_decompressed(Bytes::from(blob), CAP) {
        let Ok(batch) = batch else { break };
        let _ = (batch.base_offset(), batch.last_offset(), batch.timestamp_type(), batch.is_control());
        if let Ok(records) = batch.records(CAP) {
            for r in records {
                let Ok(r) = r else { break };
                touched += r.key.map_or(0, |k| k.len()) + r.value.map_or(0, |v| v.len());
                for (k, v) in &r.headers {
                    touched += k.len() + v.map_or(0, |v| v.len());
                }
            }
        }
        if let Ok(records) = batch.records_ref(CAP) {
            for r in records {
                let Ok(r) = r else { break };
                touched += r.key.map_or(0, <[u8]>::len) + r.value.map_or(0, <[u8]>::len);
                touched += r.headers.iter().count();
            }
        }
    }
    std::hint::black_box(touched);
});
