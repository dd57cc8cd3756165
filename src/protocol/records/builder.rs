//! The v2 record batch writer.

use bytes::Bytes;

use super::offsets as at;
use super::{attributes, LOG_OVERHEAD, MAGIC_V2, RECORD_BATCH_OVERHEAD};
use crate::protocol::compression::{self, Compression};
use crate::protocol::wire::{put_varint, put_varlong, varint_len, varlong_len};
use crate::protocol::{ProtocolError, Result};

/// One record header to write. Kafka requires the key to be UTF-8.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordHeader<'a> {
    pub key: &'a [u8],
    pub value: Option<&'a [u8]>,
}

/// Batch-level settings of a [`RecordBatchBuilder`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchOptions {
    pub compression: Compression,
    /// -1 unless idempotent or transactional.
    pub producer_id: i64,
    pub producer_epoch: i16,
    /// Sequence number of the first record; -1 unless idempotent.
    pub base_sequence: i32,
    pub transactional: bool,
}

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions {
            compression: Compression::None,
            producer_id: -1,
            producer_epoch: -1,
            base_sequence: -1,
            transactional: false,
        }
    }
}

/// Builds one v2 record batch, encoding every record into the batch buffer as it is appended.
///
/// Base offset is 0 (the broker assigns offsets), partition leader epoch -1, timestamps are
/// `CreateTime` with deltas relative to the first record's timestamp.
pub struct RecordBatchBuilder {
    opts: BatchOptions,
    /// The 61 header bytes (zero until `finish`) followed by the encoded records.
    buf: Vec<u8>,
    count: i32,
    base_timestamp: i64,
    max_timestamp: i64,
}

impl std::fmt::Debug for RecordBatchBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordBatchBuilder")
            .field("opts", &self.opts)
            .field("records", &self.count)
            .field("size_in_bytes", &self.buf.len())
            .field("base_timestamp", &self.base_timestamp)
            .field("max_timestamp", &self.max_timestamp)
            .finish()
    }
}

/// The varint written for an optional byte string's length (-1 for null).
fn nullable_len(b: Option<&[u8]>, what: &str) -> Result<i32> {
    match b {
        None => Ok(-1),
        Some(b) => i32::try_from(b.len())
            .map_err(|_| ProtocolError::Encode(format!("{what} of {} bytes is too long", b.len()))),
    }
}

impl RecordBatchBuilder {
    pub fn new(opts: BatchOptions) -> Self {
        Self::with_capacity(opts, 0)
    }

    /// A builder whose buffer starts with room for `bytes` bytes of records.
    pub fn with_capacity(opts: BatchOptions, bytes: usize) -> Self {
        let mut buf = Vec::with_capacity(RECORD_BATCH_OVERHEAD + bytes);
        buf.resize(RECORD_BATCH_OVERHEAD, 0);
        RecordBatchBuilder { opts, buf, count: 0, base_timestamp: 0, max_timestamp: 0 }
    }

    pub fn options(&self) -> &BatchOptions {
        &self.opts
    }

    /// Sets the idempotence fields, which may be known only when the batch is about to be sent.
    pub fn set_producer_state(&mut self, producer_id: i64, producer_epoch: i16, base_sequence: i32) {
        self.opts.producer_id = producer_id;
        self.opts.producer_epoch = producer_epoch;
        self.opts.base_sequence = base_sequence;
    }

    /// Number of records appended.
    pub fn len(&self) -> usize {
        self.count as usize
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The current encoded size (header + uncompressed records): what the batch would take on
    /// the wire without compression.
    pub fn size_in_bytes(&self) -> usize {
        self.buf.len()
    }

    /// Encoded size of a record with these fields if it were appended now, without appending
    /// it (for "does it still fit" decisions). Errors are those `append` would return.
    pub fn record_size(
        &self,
        timestamp_ms: i64,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        headers: &[RecordHeader<'_>],
    ) -> Result<usize> {
        let ts_delta = if self.count == 0 { 0 } else { timestamp_ms.wrapping_sub(self.base_timestamp) };
        let body = Self::body_size(ts_delta, self.count, key, value, headers)?;
        Ok(varint_len(body) + body as usize)
    }

    fn body_size(
        ts_delta: i64,
        offset_delta: i32,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        headers: &[RecordHeader<'_>],
    ) -> Result<i32> {
        let key_len = nullable_len(key, "key")?;
        let value_len = nullable_len(value, "value")?;
        let header_count = i32::try_from(headers.len())
            .map_err(|_| ProtocolError::Encode(format!("{} headers are too many", headers.len())))?;
        // attributes + deltas + key + value + header count
        let mut size = 1
            + varlong_len(ts_delta)
            + varint_len(offset_delta)
            + varint_len(key_len)
            + key.map_or(0, <[u8]>::len)
            + varint_len(value_len)
            + value.map_or(0, <[u8]>::len)
            + varint_len(header_count);
        for h in headers {
            if std::str::from_utf8(h.key).is_err() {
                return Err(ProtocolError::Encode("record header key is not valid UTF-8".into()));
            }
            let hk = nullable_len(Some(h.key), "header key")?;
            let hv = nullable_len(h.value, "header value")?;
            size += varint_len(hk) + h.key.len() + varint_len(hv) + h.value.map_or(0, <[u8]>::len);
        }
        i32::try_from(size).map_err(|_| ProtocolError::Encode(format!("record of {size} bytes is too large")))
    }

    /// Appends one record. On error nothing is appended.
    pub fn append(
        &mut self,
        timestamp_ms: i64,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        headers: &[RecordHeader<'_>],
    ) -> Result<()> {
        self.append_within(timestamp_ms, key, value, headers, usize::MAX).map(drop)
    }

    /// Appends one record if the batch then stays within `max_bytes` ([`Self::size_in_bytes`]);
    /// `Ok(false)` (and nothing appended) when it would not. The record's size is worked out
    /// once, for the check and the append. On error nothing is appended.
    pub fn append_within(
        &mut self,
        timestamp_ms: i64,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        headers: &[RecordHeader<'_>],
        max_bytes: usize,
    ) -> Result<bool> {
        let offset_delta = self.count;
        if offset_delta == i32::MAX {
            return Err(ProtocolError::Encode("record batch is full".into()));
        }
        let ts_delta = if offset_delta == 0 { 0 } else { timestamp_ms.wrapping_sub(self.base_timestamp) };
        let body = Self::body_size(ts_delta, offset_delta, key, value, headers)?;
        let total = varint_len(body) + body as usize;
        if self.buf.len().saturating_add(total) > max_bytes {
            return Ok(false);
        }
        if self.buf.len() - LOG_OVERHEAD + total > i32::MAX as usize {
            return Err(ProtocolError::Encode("record batch would exceed 2 GiB".into()));
        }

        let buf = &mut self.buf;
        buf.reserve(total);
        put_varint(buf, body);
        buf.push(0); // record attributes: unused
        put_varlong(buf, ts_delta);
        put_varint(buf, offset_delta);
        match key {
            None => put_varint(buf, -1),
            Some(k) => {
                put_varint(buf, k.len() as i32);
                buf.extend_from_slice(k);
            }
        }
        match value {
            None => put_varint(buf, -1),
            Some(v) => {
                put_varint(buf, v.len() as i32);
                buf.extend_from_slice(v);
            }
        }
        put_varint(buf, headers.len() as i32);
        for h in headers {
            put_varint(buf, h.key.len() as i32);
            buf.extend_from_slice(h.key);
            match h.value {
                None => put_varint(buf, -1),
                Some(v) => {
                    put_varint(buf, v.len() as i32);
                    buf.extend_from_slice(v);
                }
            }
        }

        if offset_delta == 0 {
            self.base_timestamp = timestamp_ms;
            self.max_timestamp = timestamp_ms;
        } else if timestamp_ms > self.max_timestamp {
            self.max_timestamp = timestamp_ms;
        }
        self.count += 1;
        Ok(true)
    }

    /// Seals the batch: compresses the records section if a codec is set and fills the header.
    /// A batch must hold at least one record.
    pub fn finish(self) -> Result<Bytes> {
        if self.count == 0 {
            return Err(ProtocolError::Encode("a record batch needs at least one record".into()));
        }
        let codec = self.opts.compression;
        let mut buf = match codec {
            Compression::None => self.buf,
            c => {
                let records = &self.buf[RECORD_BATCH_OVERHEAD..];
                let mut out = Vec::with_capacity(RECORD_BATCH_OVERHEAD + records.len() / 2 + 64);
                out.resize(RECORD_BATCH_OVERHEAD, 0);
                compression::compress(c, records, &mut out)?;
                out
            }
        };
        let batch_len = i32::try_from(buf.len() - LOG_OVERHEAD).map_err(|_| {
            ProtocolError::Encode(format!("record batch of {} bytes is too large", buf.len()))
        })?;

        let mut attrs = codec.attribute_bits();
        if self.opts.transactional {
            attrs |= attributes::TRANSACTIONAL;
        }
        let h = &mut buf[..RECORD_BATCH_OVERHEAD];
        h[at::BASE_OFFSET..at::LENGTH].copy_from_slice(&0i64.to_be_bytes());
        h[at::LENGTH..at::PARTITION_LEADER_EPOCH].copy_from_slice(&batch_len.to_be_bytes());
        h[at::PARTITION_LEADER_EPOCH..at::MAGIC].copy_from_slice(&(-1i32).to_be_bytes());
        h[at::MAGIC] = MAGIC_V2 as u8;
        h[at::ATTRIBUTES..at::LAST_OFFSET_DELTA].copy_from_slice(&attrs.to_be_bytes());
        h[at::LAST_OFFSET_DELTA..at::BASE_TIMESTAMP].copy_from_slice(&(self.count - 1).to_be_bytes());
        h[at::BASE_TIMESTAMP..at::MAX_TIMESTAMP].copy_from_slice(&self.base_timestamp.to_be_bytes());
        h[at::MAX_TIMESTAMP..at::PRODUCER_ID].copy_from_slice(&self.max_timestamp.to_be_bytes());
        h[at::PRODUCER_ID..at::PRODUCER_EPOCH].copy_from_slice(&self.opts.producer_id.to_be_bytes());
        h[at::PRODUCER_EPOCH..at::BASE_SEQUENCE].copy_from_slice(&self.opts.producer_epoch.to_be_bytes());
        h[at::BASE_SEQUENCE..at::RECORD_COUNT].copy_from_slice(&self.opts.base_sequence.to_be_bytes());
        h[at::RECORD_COUNT..RECORD_BATCH_OVERHEAD].copy_from_slice(&self.count.to_be_bytes());
        let crc = crc32c::crc32c(&buf[at::ATTRIBUTES..]);
        buf[at::CRC..at::ATTRIBUTES].copy_from_slice(&crc.to_be_bytes());
        Ok(Bytes::from(buf))
    }
}

/// A copy of a finished v2 batch with new producer id, epoch and base sequence (and a new
/// CRC): how an idempotent producer re-sends unacknowledged batches under a new epoch.
pub fn restamp(batch: &[u8], producer_id: i64, producer_epoch: i16, base_sequence: i32) -> Result<Bytes> {
    if batch.len() < RECORD_BATCH_OVERHEAD || batch[at::MAGIC] != MAGIC_V2 as u8 {
        return Err(ProtocolError::Invalid("not a v2 record batch".into()));
    }
    let mut b = batch.to_vec();
    b[at::PRODUCER_ID..at::PRODUCER_ID + 8].copy_from_slice(&producer_id.to_be_bytes());
    b[at::PRODUCER_EPOCH..at::PRODUCER_EPOCH + 2].copy_from_slice(&producer_epoch.to_be_bytes());
    b[at::BASE_SEQUENCE..at::BASE_SEQUENCE + 4].copy_from_slice(&base_sequence.to_be_bytes());
    let crc = crc32c::crc32c(&b[at::ATTRIBUTES..]);
    b[at::CRC..at::CRC + 4].copy_from_slice(&crc.to_be_bytes());
    Ok(Bytes::from(b))
}

#[cfg(test)]
mod restamp_tests {
    use super::*;
    use crate::protocol::records::RecordBatches;

    #[test]
    fn a_restamped_batch_reads_back_with_the_new_stamp_and_a_valid_crc() {
        let mut b = RecordBatchBuilder::new(BatchOptions {
            producer_id: 1,
            producer_epoch: 0,
            base_sequence: 0,
            ..Default::default()
        });
        b.append(1, Some(b"k"), Some(b"v"), &[]).unwrap();
        b.append(2, None, Some(b"w"), &[]).unwrap();
        let original = b.finish().unwrap();
        let again = restamp(&original, 77, 3, 500).unwrap();
        let batch = RecordBatches::new(again).next().unwrap().unwrap();
        assert_eq!((batch.producer_id(), batch.producer_epoch(), batch.base_sequence()), (77, 3, 500));
        let values: Vec<_> = batch.records(1 << 20).unwrap().map(|r| r.unwrap().value.unwrap()).collect();
        assert_eq!(values, vec![Bytes::from_static(b"v"), Bytes::from_static(b"w")]);
        assert!(restamp(&original[..10], 1, 1, 1).is_err());
    }
}
