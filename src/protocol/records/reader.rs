//! Zero-copy reading of the `records` blob of a Fetch response.

use std::sync::OnceLock;

use bytes::Bytes;

use super::iter::{RecordIter, RecordRefIter, State, V2Cursor};
use super::legacy::{self, LegacyBatch, LegacySet};
use super::offsets as at;
use super::{
    attributes, TimestampType, DEFAULT_MAX_DECOMPRESSED, LOG_OVERHEAD, MAGIC_V2, RECORD_BATCH_OVERHEAD,
};
use crate::protocol::compression::{self, Compression};
use crate::protocol::{ProtocolError, Result};

pub(super) fn invalid(msg: impl Into<String>) -> ProtocolError {
    ProtocolError::Invalid(msg.into())
}

pub(super) fn be_i16(b: &[u8], at: usize) -> i16 {
    i16::from_be_bytes([b[at], b[at + 1]])
}
pub(super) fn be_i32(b: &[u8], at: usize) -> i32 {
    i32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}
pub(super) fn be_i64(b: &[u8], at: usize) -> i64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    i64::from_be_bytes(a)
}

/// Iterates the batches of a `records` blob: v2 record batches, and legacy v0/v1 messages
/// (each uncompressed message, and each compressed wrapper, is one [`BatchView`]).
///
/// A batch cut short by the end of the blob (brokers send a partial last batch) ends the
/// iteration silently; a corrupt batch (bad CRC, impossible length, unknown magic) yields an
/// error, after which the iteration ends.
#[derive(Clone, Debug)]
pub struct RecordBatches {
    buf: Bytes,
    max_legacy_decompressed: usize,
    done: bool,
}

impl RecordBatches {
    pub fn new(records: Bytes) -> Self {
        Self::with_max_decompressed(records, DEFAULT_MAX_DECOMPRESSED)
    }

    /// Like `new`, with a cap on legacy compressed wrappers, which are decompressed while
    /// iterating. (v2 batches are decompressed only by [`BatchView::records`], with its own cap.)
    pub fn with_max_decompressed(records: Bytes, max_legacy_decompressed: usize) -> Self {
        RecordBatches { buf: records, max_legacy_decompressed, done: false }
    }

    /// Changes the cap on legacy compressed wrappers for the batches still to come.
    pub fn set_max_decompressed(&mut self, max_legacy_decompressed: usize) {
        self.max_legacy_decompressed = max_legacy_decompressed;
    }

    /// The first and last offset the next batch's header claims, read without checking the
    /// batch (for naming a batch that turns out corrupt). For a legacy entry both are its
    /// offset (a wrapper's offset is that of its last inner message). None when too few bytes
    /// are left. After an error it looks at the bytes after the batch that failed (if its
    /// length could be read), which bounds how far that batch reaches.
    pub fn peek_offsets(&self) -> Option<(i64, i64)> {
        let b = &self.buf;
        if b.len() < LOG_OVERHEAD + 5 {
            return None;
        }
        let base = be_i64(b, at::BASE_OFFSET);
        if b[at::MAGIC] as i8 == MAGIC_V2 && b.len() >= at::LAST_OFFSET_DELTA + 4 {
            let delta = be_i32(b, at::LAST_OFFSET_DELTA);
            return Some((base, base.wrapping_add(i64::from(delta.max(0)))));
        }
        Some((base, base))
    }

    /// Bytes not consumed yet. After the iteration ended without an error, a non-zero value is
    /// the size of the partial trailing batch.
    pub fn remaining(&self) -> usize {
        self.buf.len()
    }

    fn next_batch(&mut self) -> Result<Option<BatchView>> {
        let b = &self.buf;
        if b.len() < LOG_OVERHEAD {
            return Ok(None);
        }
        let length = be_i32(b, at::LENGTH);
        // Every format has at least crc/epoch (4) + magic (1) + attributes (1) + two lengths (8).
        if length < legacy::V0_MIN_SIZE as i32 {
            return Err(invalid(format!("record batch length {length} is too small")));
        }
        let total = LOG_OVERHEAD + length as usize;
        if b.len() < total {
            return Ok(None);
        }
        let entry = self.buf.split_to(total);
        let view = match entry[at::MAGIC] as i8 {
            MAGIC_V2 => BatchView::parse_v2(entry)?,
            m @ (0 | 1) => {
                BatchView::from_legacy(legacy::parse_entry(entry, m, self.max_legacy_decompressed)?)
            }
            m => return Err(invalid(format!("unknown record batch magic {m}"))),
        };
        Ok(Some(view))
    }
}

impl Iterator for RecordBatches {
    type Item = Result<BatchView>;

    fn next(&mut self) -> Option<Result<BatchView>> {
        if self.done {
            return None;
        }
        match self.next_batch() {
            Ok(Some(v)) => Some(Ok(v)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

impl std::iter::FusedIterator for RecordBatches {}

enum Body {
    /// `records` is `raw[61..]`, compressed with the codec in the attributes; decompressed at
    /// most once.
    V2 {
        records: Bytes,
        decompressed: OnceLock<Bytes>,
    },
    Legacy(LegacySet),
}

/// One batch: its header fields and, through [`BatchView::records`], its records.
pub struct BatchView {
    raw: Bytes,
    base_offset: i64,
    last_offset: i64,
    partition_leader_epoch: i32,
    magic: i8,
    attributes: i16,
    compression: Compression,
    base_timestamp: i64,
    max_timestamp: i64,
    producer_id: i64,
    producer_epoch: i16,
    base_sequence: i32,
    record_count: i32,
    body: Body,
}

impl std::fmt::Debug for BatchView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchView")
            .field("base_offset", &self.base_offset)
            .field("last_offset", &self.last_offset)
            .field("magic", &self.magic)
            .field("attributes", &format_args!("{:#06x}", self.attributes))
            .field("record_count", &self.record_count)
            .field("size_in_bytes", &self.raw.len())
            .field("base_timestamp", &self.base_timestamp)
            .field("max_timestamp", &self.max_timestamp)
            .field("producer_id", &self.producer_id)
            .field("producer_epoch", &self.producer_epoch)
            .field("base_sequence", &self.base_sequence)
            .field("partition_leader_epoch", &self.partition_leader_epoch)
            .finish_non_exhaustive()
    }
}

impl BatchView {
    fn parse_v2(raw: Bytes) -> Result<BatchView> {
        if raw.len() < RECORD_BATCH_OVERHEAD {
            return Err(invalid(format!(
                "v2 record batch of {} bytes is shorter than its header",
                raw.len()
            )));
        }
        let crc = be_i32(&raw, at::CRC) as u32;
        let actual = crc32c::crc32c(&raw[at::ATTRIBUTES..]);
        if crc != actual {
            return Err(invalid(format!(
                "record batch CRC mismatch: header {crc:#010x}, computed {actual:#010x}"
            )));
        }
        let attributes = be_i16(&raw, at::ATTRIBUTES);
        let compression = Compression::from_attributes(attributes)?;
        let record_count = be_i32(&raw, at::RECORD_COUNT);
        if record_count < 0 {
            return Err(invalid(format!("negative record count {record_count}")));
        }
        let base_offset = be_i64(&raw, at::BASE_OFFSET);
        Ok(BatchView {
            base_offset,
            last_offset: base_offset.wrapping_add(i64::from(be_i32(&raw, at::LAST_OFFSET_DELTA))),
            partition_leader_epoch: be_i32(&raw, at::PARTITION_LEADER_EPOCH),
            magic: MAGIC_V2,
            attributes,
            compression,
            base_timestamp: be_i64(&raw, at::BASE_TIMESTAMP),
            max_timestamp: be_i64(&raw, at::MAX_TIMESTAMP),
            producer_id: be_i64(&raw, at::PRODUCER_ID),
            producer_epoch: be_i16(&raw, at::PRODUCER_EPOCH),
            base_sequence: be_i32(&raw, at::BASE_SEQUENCE),
            record_count,
            body: Body::V2 { records: raw.slice(RECORD_BATCH_OVERHEAD..), decompressed: OnceLock::new() },
            raw,
        })
    }

    fn from_legacy(l: LegacyBatch) -> BatchView {
        BatchView {
            raw: l.raw,
            base_offset: l.base_offset,
            last_offset: l.last_offset,
            partition_leader_epoch: -1,
            magic: l.magic,
            attributes: l.attributes,
            compression: l.compression,
            base_timestamp: l.base_timestamp,
            max_timestamp: l.max_timestamp,
            producer_id: -1,
            producer_epoch: -1,
            base_sequence: -1,
            record_count: l.records.count,
            body: Body::Legacy(l.records),
        }
    }

    /// The batch exactly as received (header included).
    pub fn raw(&self) -> &Bytes {
        &self.raw
    }
    pub fn size_in_bytes(&self) -> usize {
        self.raw.len()
    }
    pub fn base_offset(&self) -> i64 {
        self.base_offset
    }
    /// The offset of the last record; the next fetch starts after it.
    pub fn last_offset(&self) -> i64 {
        self.last_offset
    }
    pub fn next_offset(&self) -> i64 {
        self.last_offset.wrapping_add(1)
    }
    /// -1 for legacy messages and batches written by producers.
    pub fn partition_leader_epoch(&self) -> i32 {
        self.partition_leader_epoch
    }
    pub fn magic(&self) -> i8 {
        self.magic
    }
    pub fn attributes(&self) -> i16 {
        self.attributes
    }
    pub fn compression(&self) -> Compression {
        self.compression
    }
    pub fn timestamp_type(&self) -> TimestampType {
        if self.magic == 0 {
            TimestampType::NoTimestamp
        } else if self.attributes & attributes::TIMESTAMP_TYPE != 0 {
            TimestampType::LogAppendTime
        } else {
            TimestampType::CreateTime
        }
    }
    pub fn is_transactional(&self) -> bool {
        self.magic >= MAGIC_V2 && self.attributes & attributes::TRANSACTIONAL != 0
    }
    pub fn is_control(&self) -> bool {
        self.magic >= MAGIC_V2 && self.attributes & attributes::CONTROL != 0
    }
    /// Whether the base timestamp holds the delete horizon set by the log cleaner (KIP-534).
    pub fn has_delete_horizon(&self) -> bool {
        self.magic >= MAGIC_V2 && self.attributes & attributes::DELETE_HORIZON != 0
    }
    pub fn base_timestamp(&self) -> i64 {
        self.base_timestamp
    }
    pub fn max_timestamp(&self) -> i64 {
        self.max_timestamp
    }
    pub fn producer_id(&self) -> i64 {
        self.producer_id
    }
    pub fn producer_epoch(&self) -> i16 {
        self.producer_epoch
    }
    pub fn base_sequence(&self) -> i32 {
        self.base_sequence
    }
    /// The record count from the header (v2; untrusted until the records are read) or the
    /// number of messages (legacy).
    pub fn record_count(&self) -> i32 {
        self.record_count
    }

    /// How large the decompressed records are: None for an uncompressed batch, or a v2 batch
    /// not decompressed yet.
    pub fn decompressed_len(&self) -> Option<usize> {
        if self.compression == Compression::None {
            return None;
        }
        match &self.body {
            Body::Legacy(l) => Some(l.data.len()),
            Body::V2 { decompressed, .. } => decompressed.get().map(|d| d.len()),
        }
    }

    /// The records section (decompressed, at most once per view: the result is kept) and the
    /// iteration state for it.
    fn records_data(&self, max_decompressed: usize) -> Result<(&Bytes, State)> {
        let too_large = || {
            ProtocolError::Compression(format!(
                "{}: decompressed data is larger than {max_decompressed} bytes",
                self.compression
            ))
        };
        match &self.body {
            Body::Legacy(l) => {
                if self.compression != Compression::None && l.data.len() > max_decompressed {
                    return Err(too_large());
                }
                Ok((&l.data, State::Legacy(l.cursor())))
            }
            Body::V2 { records, decompressed } => {
                let data = match self.compression {
                    Compression::None => records,
                    codec => match decompressed.get() {
                        Some(d) if d.len() > max_decompressed => return Err(too_large()),
                        Some(d) => d,
                        None => {
                            let d = compression::decompress(codec, records, max_decompressed)?;
                            decompressed.get_or_init(|| Bytes::from(d))
                        }
                    },
                };
                let log_append_time =
                    (self.timestamp_type() == TimestampType::LogAppendTime).then_some(self.max_timestamp);
                Ok((
                    data,
                    State::V2(V2Cursor {
                        pos: 0,
                        left: self.record_count as u32,
                        base_offset: self.base_offset,
                        base_timestamp: self.base_timestamp,
                        log_append_time,
                        done: false,
                    }),
                ))
            }
        }
    }

    /// The records as [`super::Record`]s holding `Bytes` slices of the batch, decompressing the
    /// batch first if needed (at most once per view: the result is kept). Fails if the
    /// decompressed records would exceed `max_decompressed` bytes.
    pub fn records(&self, max_decompressed: usize) -> Result<RecordIter> {
        let (data, state) = self.records_data(max_decompressed)?;
        Ok(RecordIter::new(data.clone(), state))
    }

    /// Like [`BatchView::records`], but the records borrow from this view: no reference
    /// counting per record.
    pub fn records_ref(&self, max_decompressed: usize) -> Result<RecordRefIter<'_>> {
        let (data, state) = self.records_data(max_decompressed)?;
        Ok(RecordRefIter::new(data, state))
    }
}
