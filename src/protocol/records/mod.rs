//! Record batches (message format v2, magic 2) and legacy message sets (magic 0 and 1).
//!
//! * [`RecordBatchBuilder`] encodes each record straight into the batch buffer as it is appended
//!   and fills the 61-byte header (compressing the records section first when asked) on
//!   [`RecordBatchBuilder::finish`].
//! * [`RecordBatches`] walks the `records` blob of a Fetch response without copying: it yields one
//!   [`BatchView`] per v2 batch, per legacy message or per legacy compressed wrapper, and each view
//!   yields [`Record`]s whose keys, values and headers are slices of the fetched (or, for a
//!   compressed batch, the once-decompressed) buffer.
//!
//! v2 layout (all integers big-endian):
//!
//! ```text
//!  0 baseOffset int64          27 baseTimestamp int64
//!  8 batchLength int32         35 maxTimestamp int64
//! 12 partitionLeaderEpoch int32 43 producerId int64
//! 16 magic int8 (2)            51 producerEpoch int16
//! 17 crc uint32 (CRC-32C of bytes 21..end)
//! 21 attributes int16          53 baseSequence int32
//! 23 lastOffsetDelta int32     57 recordCount int32
//! 61 records
//! record: length varint, attributes int8, timestampDelta varlong, offsetDelta varint,
//!         keyLength varint, key, valueLength varint, value, headerCount varint,
//!         [headerKeyLength varint, headerKey, headerValueLength varint, headerValue]
//! ```

mod builder;
mod iter;
mod legacy;
mod reader;

#[cfg(test)]
mod tests;

pub use builder::{restamp, BatchOptions, RecordBatchBuilder, RecordHeader};
pub use iter::{
    HeaderIter, HeaderRefIter, Headers, HeadersRef, Record, RecordIter, RecordRef, RecordRefIter,
};
pub use reader::{BatchView, RecordBatches};

/// Size of the v2 batch header that precedes the records.
pub const RECORD_BATCH_OVERHEAD: usize = 61;
/// Bytes before the `batchLength`/`size` field's payload: offset (8) + length (4).
pub const LOG_OVERHEAD: usize = 12;
/// The current message format.
pub const MAGIC_V2: i8 = 2;

/// Default cap on a decompressed legacy (v0/v1) compressed wrapper, which [`RecordBatches`]
/// decompresses while iterating (its first offset and count are inside the compressed payload).
pub const DEFAULT_MAX_DECOMPRESSED: usize = 256 << 20;

/// Attribute bits of a v2 batch (the low three bits are the codec).
pub mod attributes {
    pub const COMPRESSION_MASK: i16 = 0x07;
    pub const TIMESTAMP_TYPE: i16 = 0x08;
    pub const TRANSACTIONAL: i16 = 0x10;
    pub const CONTROL: i16 = 0x20;
    pub const DELETE_HORIZON: i16 = 0x40;
}

pub(crate) mod offsets {
    pub const BASE_OFFSET: usize = 0;
    pub const LENGTH: usize = 8;
    pub const PARTITION_LEADER_EPOCH: usize = 12;
    pub const MAGIC: usize = 16;
    pub const CRC: usize = 17;
    pub const ATTRIBUTES: usize = 21;
    pub const LAST_OFFSET_DELTA: usize = 23;
    pub const BASE_TIMESTAMP: usize = 27;
    pub const MAX_TIMESTAMP: usize = 35;
    pub const PRODUCER_ID: usize = 43;
    pub const PRODUCER_EPOCH: usize = 51;
    pub const BASE_SEQUENCE: usize = 53;
    pub const RECORD_COUNT: usize = 57;
}

/// How a batch's timestamps were assigned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(i8)]
pub enum TimestampType {
    /// Message format v0 has no timestamps (every record's timestamp is -1).
    NoTimestamp = -1,
    CreateTime = 0,
    LogAppendTime = 1,
}

/// What a control record (in a batch with [`BatchView::is_control`]) marks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ControlRecordType {
    Abort,
    Commit,
    /// A type this code does not know (KRaft and future control records).
    Unknown(i16),
}

impl ControlRecordType {
    /// Reads a control record's key: version int16, type int16. `None` if the key is too short.
    pub fn from_key(key: &[u8]) -> Option<ControlRecordType> {
        let t = i16::from_be_bytes([*key.get(2)?, *key.get(3)?]);
        Some(match t {
            0 => ControlRecordType::Abort,
            1 => ControlRecordType::Commit,
            n => ControlRecordType::Unknown(n),
        })
    }
}
