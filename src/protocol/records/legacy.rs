//! Legacy message sets (magic 0 and 1), read only.
//!
//! ```text
//! offset int64, size int32, crc uint32 (CRC-32 IEEE of magic..end), magic int8,
//! attributes int8, [timestamp int64 (v1 only)], key bytes (int32 length, -1 = null),
//! value bytes
//! ```
//!
//! A compressed message (attributes & 7 != 0) is a wrapper whose value is a compressed message
//! set. Inner offsets are absolute for v0; for v1 they are relative, the last inner message
//! having the wrapper's offset. A v1 wrapper with LogAppendTime gives every inner message its
//! own timestamp.

use bytes::Bytes;

use super::iter::{RawRecord, Span};
use super::reader::{be_i32, be_i64, invalid};
use super::{attributes, LOG_OVERHEAD};
use crate::protocol::compression::{self, Compression};
use crate::protocol::Result;

/// crc (4) + magic (1) + attributes (1) + key length (4) + value length (4).
pub(super) const V0_MIN_SIZE: usize = 14;
/// v0 plus the timestamp (8).
const V1_MIN_SIZE: usize = 22;

/// One legacy message, with key and value as ranges of the entry it was read from.
struct Message {
    offset: i64,
    magic: i8,
    attributes: i16,
    timestamp: i64,
    key: Option<(usize, usize)>,
    value: Option<(usize, usize)>,
}

/// Reads the message that `entry` (offset and size included) holds entirely.
fn parse_message(entry: &[u8], verify_crc: bool) -> Result<Message> {
    if entry.len() < LOG_OVERHEAD + V0_MIN_SIZE {
        return Err(invalid(format!("legacy message of {} bytes is too short", entry.len())));
    }
    let magic = entry[16] as i8;
    let min = match magic {
        0 => V0_MIN_SIZE,
        1 => V1_MIN_SIZE,
        m => return Err(invalid(format!("unknown legacy message magic {m}"))),
    };
    if entry.len() < LOG_OVERHEAD + min {
        return Err(invalid(format!("v{magic} message of {} bytes is too short", entry.len())));
    }
    if verify_crc {
        let crc = be_i32(entry, 12) as u32;
        let actual = crc32fast::hash(&entry[16..]);
        if crc != actual {
            return Err(invalid(format!(
                "message CRC mismatch: header {crc:#010x}, computed {actual:#010x}"
            )));
        }
    }
    let attributes = i16::from(entry[17]);
    let (timestamp, mut pos) = if magic == 1 { (be_i64(entry, 18), 26) } else { (-1, 18) };
    let field = |pos: &mut usize| -> Result<Option<(usize, usize)>> {
        if entry.len() - *pos < 4 {
            return Err(invalid("legacy message ends inside a length"));
        }
        let len = be_i32(entry, *pos);
        *pos += 4;
        match len {
            -1 => Ok(None),
            n if n < -1 => Err(invalid(format!("negative length {n} in a legacy message"))),
            n if n as usize > entry.len() - *pos => Err(invalid("legacy message field overruns the message")),
            n => {
                let start = *pos;
                *pos += n as usize;
                Ok(Some((start, *pos)))
            }
        }
    };
    let key = field(&mut pos)?;
    let value = field(&mut pos)?;
    if pos != entry.len() {
        return Err(invalid(format!("legacy message has {} bytes after its value", entry.len() - pos)));
    }
    Ok(Message { offset: be_i64(entry, 0), magic, attributes, timestamp, key, value })
}

/// The size of the entry at the front of `b`, which must be all there.
fn entry_len(b: &[u8]) -> Result<usize> {
    if b.len() < LOG_OVERHEAD {
        return Err(invalid("truncated message inside a compressed wrapper"));
    }
    let size = be_i32(b, 8);
    if size < V0_MIN_SIZE as i32 {
        return Err(invalid(format!("legacy message size {size} is too small")));
    }
    let total = LOG_OVERHEAD + size as usize;
    if total > b.len() {
        return Err(invalid("truncated message inside a compressed wrapper"));
    }
    Ok(total)
}

/// A legacy message or wrapper, read for [`super::BatchView`].
pub(super) struct LegacyBatch {
    pub raw: Bytes,
    pub base_offset: i64,
    pub last_offset: i64,
    pub magic: i8,
    pub attributes: i16,
    pub compression: Compression,
    pub base_timestamp: i64,
    pub max_timestamp: i64,
    pub records: LegacySet,
}

/// Reads one top-level entry (`entry` is exactly one message). A compressed wrapper is
/// decompressed (at most `max_decompressed` bytes) and its inner messages checked here, so that
/// the batch's first offset and record count are known.
pub(super) fn parse_entry(entry: Bytes, magic: i8, max_decompressed: usize) -> Result<LegacyBatch> {
    let m = parse_message(&entry, true)?;
    debug_assert_eq!(m.magic, magic);
    let compression = Compression::from_attributes(m.attributes)?;
    if compression == Compression::Zstd {
        return Err(invalid("zstd is not allowed before message format v2"));
    }
    let log_append_time = magic == 1 && m.attributes & attributes::TIMESTAMP_TYPE != 0;

    if compression == Compression::None {
        return Ok(LegacyBatch {
            base_offset: m.offset,
            last_offset: m.offset,
            magic,
            attributes: m.attributes,
            compression,
            base_timestamp: m.timestamp,
            max_timestamp: m.timestamp,
            records: LegacySet { data: entry.clone(), count: 1, offset_shift: 0, log_append_time: None },
            raw: entry,
        });
    }

    let Some((vs, ve)) = m.value else {
        return Err(invalid("compressed legacy message has a null value"));
    };
    let compressed = &entry[vs..ve];
    let inner = if compression == Compression::Lz4 && magic == 0 {
        compression::lz4_decompress(compressed, max_decompressed, true)?
    } else {
        compression::decompress(compression, compressed, max_decompressed)?
    };
    let data = Bytes::from(inner);

    let mut pos = 0;
    let mut count: i32 = 0;
    let (mut first_offset, mut last_offset) = (0i64, 0i64);
    let (mut first_ts, mut max_ts) = (-1i64, -1i64);
    while pos < data.len() {
        let len = entry_len(&data[pos..])?;
        let im = parse_message(&data[pos..pos + len], true)?;
        if im.magic != magic {
            return Err(invalid(format!("v{} message inside a v{magic} wrapper", im.magic)));
        }
        if im.attributes & attributes::COMPRESSION_MASK != 0 {
            return Err(invalid("nested compressed legacy message"));
        }
        if count == 0 {
            first_offset = im.offset;
            first_ts = im.timestamp;
            max_ts = im.timestamp;
        } else {
            max_ts = max_ts.max(im.timestamp);
        }
        last_offset = im.offset;
        count = count.checked_add(1).ok_or_else(|| invalid("too many messages in a wrapper"))?;
        pos += len;
    }
    if count == 0 {
        return Err(invalid("compressed legacy message set holds no messages"));
    }
    let offset_shift = if magic == 1 { m.offset.wrapping_sub(last_offset) } else { 0 };
    let (base_timestamp, max_timestamp) =
        if log_append_time { (m.timestamp, m.timestamp) } else { (first_ts, max_ts) };
    Ok(LegacyBatch {
        raw: entry,
        base_offset: first_offset.wrapping_add(offset_shift),
        last_offset: last_offset.wrapping_add(offset_shift),
        magic,
        attributes: m.attributes,
        compression,
        base_timestamp,
        max_timestamp,
        records: LegacySet {
            data,
            count,
            offset_shift,
            log_append_time: log_append_time.then_some(m.timestamp),
        },
    })
}

/// The messages of one legacy entry (the entry itself, or a wrapper's decompressed set), all
/// checked already by [`parse_entry`].
pub(super) struct LegacySet {
    pub data: Bytes,
    pub count: i32,
    offset_shift: i64,
    log_append_time: Option<i64>,
}

impl LegacySet {
    pub fn cursor(&self) -> LegacyCursor {
        LegacyCursor {
            pos: 0,
            left: self.count as u32,
            offset_shift: self.offset_shift,
            log_append_time: self.log_append_time,
        }
    }
}

#[derive(Clone, Debug)]
pub(super) struct LegacyCursor {
    pos: usize,
    left: u32,
    offset_shift: i64,
    log_append_time: Option<i64>,
}

impl LegacyCursor {
    fn read(&mut self, data: &[u8]) -> Result<RawRecord> {
        let len = entry_len(&data[self.pos..])?;
        let start = self.pos;
        let m = parse_message(&data[start..start + len], false)?;
        self.pos += len;
        let shift = |r: Option<Span>| r.map(|(a, b)| (start + a, start + b));
        Ok(RawRecord {
            offset: m.offset.wrapping_add(self.offset_shift),
            timestamp: self.log_append_time.unwrap_or(m.timestamp),
            key: shift(m.key),
            value: shift(m.value),
            headers: (0, 0),
            header_count: 0,
        })
    }

    pub fn next_raw(&mut self, data: &[u8]) -> Option<Result<RawRecord>> {
        if self.left == 0 {
            return None;
        }
        match self.read(data) {
            Ok(r) => {
                self.left -= 1;
                Some(Ok(r))
            }
            Err(e) => {
                self.left = 0;
                Some(Err(e))
            }
        }
    }

    pub fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left as usize, Some(self.left as usize))
    }
}
