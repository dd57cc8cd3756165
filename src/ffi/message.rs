//! Messages: `kafka_msg_t` (input, borrowed for the duration of a call) and `kafka_message_t`
//! (output, owned by the caller, a zero-copy view into the fetch buffer).

use std::ffi::{c_char, c_void, CString};
use std::sync::Arc;

use super::error::kafka_err_t;
use super::handle::{self, borrow, c_bytes_named, Handle};
use super::panic::{guard, guard_value, guard_void};
use crate::conn::{Message, OutMessage};
use crate::error::{code, Error, Result};
use crate::protocol::records::RecordHeader;

/// `kafka_msg_t.flags`: `partition` is set. Without this flag the writer's balancer chooses the
/// partition (so a zero-initialised message goes through the balancer, as kafka-go's zero-value
/// Message does); with it, `partition` is used as given (KAFKA_PARTITION_ANY still means "the
/// balancer chooses").
pub const KAFKA_MSG_F_PARTITION: u32 = 1;

/// `kafka_msg_t.partition` (with KAFKA_MSG_F_PARTITION): let the balancer choose.
pub const KAFKA_PARTITION_ANY: i32 = -1;

/// Every flag this version knows; any other bit is KAFKA_ERR_INVALID_ARG.
const KNOWN_FLAGS: u32 = KAFKA_MSG_F_PARTITION;

/// A message header for input. `key` is UTF-8 of `key_len` bytes (no NUL needed); `value` NULL
/// (with `value_len` 0) means a null value, otherwise `value_len` bytes.
///
/// `size`: 0 or `sizeof(kafka_header_t)` (see kafka_msg_t.size; the same rule applies to each
/// message's header array).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct kafka_header_t {
    pub size: usize,
    pub key: *const c_char,
    pub key_len: usize,
    pub value: *const u8,
    pub value_len: usize,
}

/// A message to produce. The library copies every byte during the call, so the caller may free
/// or reuse the memory as soon as the call returns. A zero-initialised message (`= {0}`,
/// `memset`, `KAFKA_MSG_INIT`) is valid: no topic, null key and value, the balancer's partition.
///
/// - `size`: `sizeof(kafka_msg_t)` (KAFKA_MSG_INIT sets it), or 0, which always means this
///   first layout: later versions may add fields at the end and read an array with the stride
///   `size` gives, so programs built against this header keep working. Every element of an
///   array must have the same `size`.
/// - `flags`: KAFKA_MSG_F_* bits; unknown bits are KAFKA_ERR_INVALID_ARG.
/// - `partition`: used only with KAFKA_MSG_F_PARTITION (then KAFKA_PARTITION_ANY, -1, lets the
///   balancer choose); without the flag it must be 0 or -1 (anything else is
///   KAFKA_ERR_INVALID_ARG, so a forgotten flag is reported, not misrouted). Below -1 is always
///   KAFKA_ERR_INVALID_ARG. Ignored by Conn, which is bound to one partition.
/// - `topic`: NUL-terminated topic name, or NULL where the call already knows the topic (Conn).
/// - `key`/`value`: NULL with length 0 means null (a null value is a tombstone); non-NULL with
///   length 0 is an empty byte string; NULL with a length above 0 is KAFKA_ERR_INVALID_ARG.
/// - `headers`: `header_count` headers, or NULL when `header_count` is 0.
/// - `timestamp_ms`: milliseconds since the epoch; 0 means "now".
/// - `opaque`: echoed back in delivery reports; never dereferenced.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct kafka_msg_t {
    pub size: usize,
    pub flags: u32,
    pub partition: i32,
    pub topic: *const c_char,
    pub key: *const u8,
    pub key_len: usize,
    pub value: *const u8,
    pub value_len: usize,
    pub headers: *const kafka_header_t,
    pub header_count: usize,
    pub timestamp_ms: i64,
    pub opaque: *mut c_void,
}

/// A C struct with a leading `size_t size` field.
pub(crate) trait SizedStruct: Copy {
    /// The size of the first layout, which `size` 0 stands for.
    const V1_SIZE: usize;
}

impl SizedStruct for kafka_msg_t {
    const V1_SIZE: usize = std::mem::size_of::<kafka_msg_t>();
}

impl SizedStruct for kafka_header_t {
    const V1_SIZE: usize = std::mem::size_of::<kafka_header_t>();
}

/// Copies `count` elements of a C array whose elements carry their own `size` (the stride):
/// every element must give the same `size`; 0 means the first layout. A size the library does
/// not know (smaller than the first layout, or larger than this version's struct: a program built
/// against a newer header) is INVALID_ARG. Fields past a shorter layout read as zero.
///
/// # Safety
/// `p` must be valid for `count` elements of the stride their `size` gives.
pub(crate) unsafe fn sized_array<T: SizedStruct>(
    p: *const T,
    count: usize,
    what: impl Fn() -> String,
    count_name: &str,
) -> Result<Vec<T>> {
    if count == 0 {
        return Ok(Vec::new());
    }
    if p.is_null() {
        return Err(Error::invalid_arg(format!("{} is NULL with {count_name} {count}", what())));
    }
    let first = p.cast::<usize>().read_unaligned();
    let stride = if first == 0 { T::V1_SIZE } else { first };
    if stride < T::V1_SIZE || stride > std::mem::size_of::<T>() {
        return Err(Error::invalid_arg(format!(
            "{}[0].size is {first}: use 0 or sizeof (this library knows {}; a larger one means a newer header)",
            what(),
            std::mem::size_of::<T>()
        )));
    }
    if count > isize::MAX as usize / stride {
        return Err(Error::invalid_arg(format!("count {count} is too large for {}", what())));
    }
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let e = p.cast::<u8>().add(i * stride);
        let size = e.cast::<usize>().read_unaligned();
        if size != first {
            return Err(Error::invalid_arg(format!(
                "{}[{i}].size is {size} but {}[0].size is {first}: every element must give the same size",
                what(),
                what()
            )));
        }
        let mut v = std::mem::MaybeUninit::<T>::zeroed();
        std::ptr::copy_nonoverlapping(e, v.as_mut_ptr().cast::<u8>(), stride);
        out.push(v.assume_init());
    }
    Ok(out)
}

/// A (pointer, length) field of an input message: NULL with length 0 is a null value, NULL with
/// a length above 0 is INVALID_ARG (never silently a tombstone).
unsafe fn nullable_bytes<'a>(
    p: *const u8,
    len: usize,
    what: impl FnOnce() -> String,
) -> Result<Option<&'a [u8]>> {
    if p.is_null() {
        if len == 0 {
            return Ok(None);
        }
        return Err(Error::invalid_arg(format!("{} is NULL but its length is {len}", what())));
    }
    c_bytes_named(p, len, what).map(Some)
}

/// A message's key and value as borrowed from C (None: null).
type KeyValue<'a> = (Option<&'a [u8]>, Option<&'a [u8]>);

/// Borrowed headers of every input message, flattened, with each message's range.
pub(crate) struct BorrowedBatch<'a> {
    headers: Vec<RecordHeader<'a>>,
    ranges: Vec<(usize, usize)>,
    msgs: Vec<kafka_msg_t>,
    /// Each message's key and value (None: null).
    bytes: Vec<KeyValue<'a>>,
}

impl<'a> BorrowedBatch<'a> {
    /// Validates and borrows `n` messages from C; nothing is sent unless every one is valid.
    pub(crate) unsafe fn new(msgs: *const kafka_msg_t, n: usize) -> Result<Self> {
        if n == 0 {
            return Err(Error::invalid_arg("count is 0: msgs must hold at least one element"));
        }
        let msgs = sized_array(msgs, n, || "msgs".to_string(), "count")?;
        let mut headers = Vec::new();
        let mut ranges = Vec::with_capacity(n);
        let mut bytes = Vec::with_capacity(n);
        for (i, m) in msgs.iter().enumerate() {
            if m.flags & !KNOWN_FLAGS != 0 {
                return Err(Error::invalid_arg(format!(
                    "msgs[{i}].flags is {:#x}: only KAFKA_MSG_F_* bits are allowed",
                    m.flags
                )));
            }
            if m.partition < KAFKA_PARTITION_ANY {
                return Err(Error::invalid_arg(format!(
                    "msgs[{i}].partition is {}: use a partition id or KAFKA_PARTITION_ANY (-1)",
                    m.partition
                )));
            }
            let key = nullable_bytes(m.key, m.key_len, || format!("msgs[{i}].key"))?;
            let value = nullable_bytes(m.value, m.value_len, || format!("msgs[{i}].value"))?;
            bytes.push((key, value));
            let start = headers.len();
            let hs = sized_array(m.headers, m.header_count, || format!("msgs[{i}].headers"), "header_count")?;
            for (j, h) in hs.iter().enumerate() {
                let key = c_bytes_named(h.key.cast(), h.key_len, || format!("msgs[{i}].headers[{j}].key"))?;
                if std::str::from_utf8(key).is_err() {
                    return Err(Error::invalid_arg(format!("msgs[{i}].headers[{j}].key is not UTF-8")));
                }
                let value = nullable_bytes(h.value, h.value_len, || format!("msgs[{i}].headers[{j}].value"))?;
                headers.push(RecordHeader { key, value });
            }
            ranges.push((start, headers.len()));
        }
        Ok(BorrowedBatch { headers, ranges, msgs, bytes })
    }

    pub(crate) fn len(&self) -> usize {
        self.msgs.len()
    }

    /// The validated copies of the C messages.
    pub(crate) fn msgs(&self) -> &[kafka_msg_t] {
        &self.msgs
    }

    /// The partition the writer should use for message `i`: an id, or -1 for the balancer.
    pub(crate) fn partition(&self, i: usize) -> Result<i32> {
        let m = &self.msgs[i];
        if m.flags & KAFKA_MSG_F_PARTITION != 0 {
            return Ok(m.partition);
        }
        match m.partition {
            0 | KAFKA_PARTITION_ANY => Ok(KAFKA_PARTITION_ANY),
            p => Err(Error::invalid_arg(format!(
                "msgs[{i}].partition is {p} but msgs[{i}].flags lacks KAFKA_MSG_F_PARTITION: set the flag to \
                 write to that partition (without it the balancer chooses)"
            ))),
        }
    }

    pub(crate) fn get(&self, i: usize) -> OutMessage<'_> {
        let m = &self.msgs[i];
        let (a, b) = self.ranges[i];
        let (key, value) = self.bytes[i];
        OutMessage { key, value, headers: &self.headers[a..b], timestamp_ms: m.timestamp_ms }
    }

    pub(crate) fn all(&self) -> Vec<OutMessage<'_>> {
        (0..self.len()).map(|i| self.get(i)).collect()
    }
}

/// A message read from Kafka. Owned by the caller until kafka_message_free(); the pointers its
/// accessors return stay valid until then (they point into the fetch buffer, which lives while
/// any message from it lives). A message may be read from any thread, one thread at a time.
pub struct kafka_message_t {
    _private: [u8; 0],
}

pub(crate) struct OwnedMessage {
    pub(crate) msg: Message,
    pub(crate) topic: Arc<CString>,
}

impl Handle for kafka_message_t {
    type Inner = OwnedMessage;
    const ARG: &'static str = "msg";
    const NAME: &'static str = "message";
}

fn with_msg<T: Copy>(msg: *const kafka_message_t, fallback: T, f: impl FnOnce(&OwnedMessage) -> T) -> T {
    guard_value(fallback, || unsafe { borrow(msg) }.map_or(fallback, f))
}

fn bytes_out(b: Option<&bytes::Bytes>, len: *mut usize) -> *const u8 {
    let (p, n) = match b {
        Some(b) => (b.as_ptr(), b.len()),
        None => (std::ptr::null(), 0),
    };
    if !len.is_null() {
        unsafe { *len = n };
    }
    p
}

/// The topic name (NUL-terminated). NULL if `msg` is NULL.
///
/// Ownership: owned by the message; valid until kafka_message_free().
#[no_mangle]
pub extern "C" fn kafka_message_topic(msg: *const kafka_message_t) -> *const c_char {
    with_msg(msg, std::ptr::null(), |m| m.topic.as_ptr())
}

/// The partition, or -1 if `msg` is NULL.
#[no_mangle]
pub extern "C" fn kafka_message_partition(msg: *const kafka_message_t) -> i32 {
    with_msg(msg, -1, |m| m.msg.partition)
}

/// The offset, or -1 if `msg` is NULL.
#[no_mangle]
pub extern "C" fn kafka_message_offset(msg: *const kafka_message_t) -> i64 {
    with_msg(msg, -1, |m| m.msg.offset)
}

/// The partition's high watermark when the message was fetched, or -1 if `msg` is NULL.
#[no_mangle]
pub extern "C" fn kafka_message_high_water_mark(msg: *const kafka_message_t) -> i64 {
    with_msg(msg, -1, |m| m.msg.high_water_mark)
}

/// The timestamp in milliseconds since the epoch, or -1 if `msg` is NULL.
#[no_mangle]
pub extern "C" fn kafka_message_timestamp(msg: *const kafka_message_t) -> i64 {
    with_msg(msg, -1, |m| m.msg.timestamp_ms)
}

/// The key: a pointer to its bytes and, if `len` is not NULL, its length in `*len`. Returns NULL
/// (and length 0) for a null key. Not NUL-terminated.
///
/// Ownership: a zero-copy view into the fetch buffer, owned by the message; valid until
/// kafka_message_free().
#[no_mangle]
pub extern "C" fn kafka_message_key(msg: *const kafka_message_t, len: *mut usize) -> *const u8 {
    with_msg(msg, std::ptr::null(), |m| bytes_out(m.msg.key.as_ref(), len))
}

/// The value: a pointer to its bytes and, if `len` is not NULL, its length in `*len`. Returns NULL
/// (and length 0) for a null value (a tombstone). Not NUL-terminated.
///
/// Ownership: a zero-copy view into the fetch buffer, owned by the message; valid until
/// kafka_message_free().
#[no_mangle]
pub extern "C" fn kafka_message_value(msg: *const kafka_message_t, len: *mut usize) -> *const u8 {
    with_msg(msg, std::ptr::null(), |m| bytes_out(m.msg.value.as_ref(), len))
}

/// The number of headers (0 if `msg` is NULL).
#[no_mangle]
pub extern "C" fn kafka_message_header_count(msg: *const kafka_message_t) -> usize {
    with_msg(msg, 0, |m| m.msg.headers.len())
}

/// Header `index` (in the order they were written; keys may repeat): the key's UTF-8 bytes and
/// length (not NUL-terminated), and the value (NULL for a null value) and its length. Any of the
/// output pointers may be NULL.
///
/// Returns: KAFKA_ERR_NOT_FOUND if `index` is past the end.
///
/// Ownership: the key and value are owned by the message; valid until kafka_message_free().
#[no_mangle]
pub extern "C" fn kafka_message_header(
    msg: *const kafka_message_t,
    index: usize,
    key: *mut *const c_char,
    key_len: *mut usize,
    value: *mut *const u8,
    value_len: *mut usize,
) -> kafka_err_t {
    guard("kafka_message_header", || unsafe {
        let m = borrow(msg)?;
        let (k, v) = m.msg.headers.get(index).ok_or_else(|| {
            Error::new(code::NOT_FOUND, format!("header {index} of {}", m.msg.headers.len()))
        })?;
        if !key.is_null() {
            *key = k.as_ptr().cast();
        }
        if !key_len.is_null() {
            *key_len = k.len();
        }
        let vp = bytes_out(v.as_ref(), value_len);
        if !value.is_null() {
            *value = vp;
        }
        Ok(())
    })
}

/// Frees a message. NULL is ignored.
///
/// Ownership: every pointer its accessors returned becomes invalid. Other messages of the same
/// fetch are not affected.
#[no_mangle]
pub extern "C" fn kafka_message_free(msg: *mut kafka_message_t) {
    guard_void(|| {
        unsafe { handle::free(msg) }?;
        Ok(())
    });
}

pub(crate) fn into_c(msg: Message, topic: Arc<CString>) -> *mut kafka_message_t {
    handle::into_raw::<kafka_message_t>(OwnedMessage { msg, topic })
}
