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

/// A message header for input. `key` is UTF-8 of `key_len` bytes (no NUL needed); `value` NULL
/// means a null value, otherwise `value_len` bytes.
#[repr(C)]
pub struct kafka_header_t {
    pub key: *const c_char,
    pub key_len: usize,
    pub value: *const u8,
    pub value_len: usize,
}

/// A message to produce. The library copies every byte during the call, so the caller may free
/// or reuse the memory as soon as the call returns.
///
/// - `topic`: NUL-terminated topic name, or NULL where the call already knows the topic (Conn).
/// - `partition`: the partition, or -1 to let the caller's balancer choose (ignored by Conn).
/// - `key`/`value`: NULL means null (a null value is a tombstone); non-NULL with length 0 is an
///   empty byte string.
/// - `headers`: `header_count` headers, or NULL when `header_count` is 0.
/// - `timestamp_ms`: milliseconds since the epoch; 0 means "now".
/// - `opaque`: echoed back in delivery reports; never dereferenced.
#[repr(C)]
pub struct kafka_msg_t {
    pub topic: *const c_char,
    pub partition: i32,
    pub key: *const u8,
    pub key_len: usize,
    pub value: *const u8,
    pub value_len: usize,
    pub headers: *const kafka_header_t,
    pub header_count: usize,
    pub timestamp_ms: i64,
    pub opaque: *mut c_void,
}

/// Borrowed headers of every input message, flattened, with each message's range.
pub(crate) struct BorrowedBatch<'a> {
    headers: Vec<RecordHeader<'a>>,
    ranges: Vec<(usize, usize)>,
    msgs: &'a [kafka_msg_t],
}

impl<'a> BorrowedBatch<'a> {
    /// Validates and borrows `n` messages from C.
    pub(crate) unsafe fn new(msgs: *const kafka_msg_t, n: usize) -> Result<Self> {
        let msgs = handle::c_array(msgs, n, "msgs")?;
        let mut headers = Vec::new();
        let mut ranges = Vec::with_capacity(n);
        for (i, m) in msgs.iter().enumerate() {
            let start = headers.len();
            if m.header_count > 0 {
                if m.headers.is_null() {
                    return Err(Error::invalid_arg(format!(
                        "msgs[{i}].headers is NULL with header_count {}",
                        m.header_count
                    )));
                }
                for (j, h) in std::slice::from_raw_parts(m.headers, m.header_count).iter().enumerate() {
                    let key =
                        c_bytes_named(h.key.cast(), h.key_len, || format!("msgs[{i}].headers[{j}].key"))?;
                    if std::str::from_utf8(key).is_err() {
                        return Err(Error::invalid_arg(format!("msgs[{i}].headers[{j}].key is not UTF-8")));
                    }
                    let value = if h.value.is_null() {
                        None
                    } else {
                        Some(c_bytes_named(h.value, h.value_len, || format!("msgs[{i}].headers[{j}].value"))?)
                    };
                    headers.push(RecordHeader { key, value });
                }
            }
            ranges.push((start, headers.len()));
        }
        Ok(BorrowedBatch { headers, ranges, msgs })
    }

    pub(crate) fn len(&self) -> usize {
        self.msgs.len()
    }

    pub(crate) fn get(&self, i: usize) -> Result<OutMessage<'_>> {
        let m = &self.msgs[i];
        let (a, b) = self.ranges[i];
        unsafe {
            Ok(OutMessage {
                key: if m.key.is_null() {
                    None
                } else {
                    Some(c_bytes_named(m.key, m.key_len, || format!("msgs[{i}].key"))?)
                },
                value: if m.value.is_null() {
                    None
                } else {
                    Some(c_bytes_named(m.value, m.value_len, || format!("msgs[{i}].value"))?)
                },
                headers: &self.headers[a..b],
                timestamp_ms: m.timestamp_ms,
            })
        }
    }

    pub(crate) fn all(&self) -> Result<Vec<OutMessage<'_>>> {
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

/// The topic name (NUL-terminated, owned by the message). NULL if `msg` is NULL.
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
#[no_mangle]
pub extern "C" fn kafka_message_key(msg: *const kafka_message_t, len: *mut usize) -> *const u8 {
    with_msg(msg, std::ptr::null(), |m| bytes_out(m.msg.key.as_ref(), len))
}

/// The value: a pointer to its bytes and, if `len` is not NULL, its length in `*len`. Returns
/// NULL (and length 0) for a null value (a tombstone). Not NUL-terminated.
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
/// output pointers may be NULL. KAFKA_ERR_NOT_FOUND if `index` is past the end.
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
