//! `kafka_reader_t`: kafka-go's Reader for C — reads one topic partition with prefetching,
//! seeking by offset or time, lag, and stats. (Consumer groups: the next step of this API.)

use std::ffi::{c_char, CString};
use std::sync::Arc;

use super::cancel::{kafka_cancel_t, token};
use super::config::{config_ref, kafka_config_t};
use super::error::kafka_err_t;
use super::handle::{self, borrow, check_out, Handle};
use super::message::{into_c, kafka_message_t};
use super::panic::{guard, guard_value};
use crate::error::Error;
use crate::reader::Reader;
use crate::runtime::timeout_from_ms;

/// kafka_reader_set_offset(): the partition's first offset.
pub const KAFKA_OFFSET_FIRST: i64 = -2;
/// kafka_reader_set_offset(): the partition's end (only new messages).
pub const KAFKA_OFFSET_LAST: i64 = -1;

/// A Reader of one topic partition (`reader.topic`, `reader.partition`). Fetching runs ahead in
/// the background. Calls may come from any thread; kafka_reader_close() must be the last.
pub struct kafka_reader_t {
    _private: [u8; 0],
}

pub(crate) struct ReaderHandle {
    reader: Reader,
    topic: Arc<CString>,
}

impl Handle for kafka_reader_t {
    type Inner = ReaderHandle;
    const NAME: &'static str = "reader";
}

/// Creates a reader from `cfg` (`bootstrap.servers` and `reader.topic` are required;
/// `reader.partition`, `auto.offset.reset`, `fetch.min.bytes`, `fetch.max.bytes`,
/// `fetch.wait.max.ms`, `isolation.level` are optional). The configuration is validated as a
/// whole (KAFKA_ERR_CONFIG says what is wrong). Reading starts at `auto.offset.reset` (the first
/// offset by default). Close it with kafka_reader_close().
#[no_mangle]
pub extern "C" fn kafka_reader_new(cfg: *const kafka_config_t, out: *mut *mut kafka_reader_t) -> kafka_err_t {
    guard(|| unsafe {
        check_out(out, "out")?;
        let reader = Reader::new(config_ref(cfg)?)?;
        let topic = Arc::new(CString::new(reader.settings().topic.as_str()).unwrap_or_default());
        *out = handle::into_raw::<kafka_reader_t>(ReaderHandle { reader, topic });
        Ok(())
    })
}

/// The next message in `*out` (kafka-go's ReadMessage), waiting up to `timeout_ms` (-1 = no
/// limit); free it with kafka_message_free(). KAFKA_ERR_TIMED_OUT / KAFKA_ERR_CANCELLED when
/// none came in time; a broker error that retrying cannot fix is returned as is.
#[no_mangle]
pub extern "C" fn kafka_reader_read(
    r: *const kafka_reader_t,
    timeout_ms: i32,
    cancel: *const kafka_cancel_t,
    out: *mut *mut kafka_message_t,
) -> kafka_err_t {
    guard(|| unsafe {
        let h = borrow(r)?;
        check_out(out, "out")?;
        let m = h.reader.read(timeout_from_ms(timeout_ms), token(cancel))?;
        *out = into_c(m, h.topic.clone());
        Ok(())
    })
}

/// The same as kafka_reader_read() (kafka-go's FetchMessage); in a consumer group the two will
/// differ in committing.
#[no_mangle]
pub extern "C" fn kafka_reader_fetch(
    r: *const kafka_reader_t,
    timeout_ms: i32,
    cancel: *const kafka_cancel_t,
    out: *mut *mut kafka_message_t,
) -> kafka_err_t {
    kafka_reader_read(r, timeout_ms, cancel, out)
}

/// Up to `max` messages into `msgs[0..*count]` in one call: those already fetched, or waits up
/// to `timeout_ms` for the first. Free each with kafka_message_free().
#[no_mangle]
pub extern "C" fn kafka_reader_read_batch(
    r: *const kafka_reader_t,
    max: usize,
    timeout_ms: i32,
    cancel: *const kafka_cancel_t,
    msgs: *mut *mut kafka_message_t,
    count: *mut usize,
) -> kafka_err_t {
    guard(|| unsafe {
        let h = borrow(r)?;
        check_out(msgs, "msgs")?;
        check_out(count, "count")?;
        let batch = h.reader.read_batch(max, timeout_from_ms(timeout_ms), token(cancel))?;
        *count = batch.len();
        for (i, m) in batch.into_iter().enumerate() {
            *msgs.add(i) = into_c(m, h.topic.clone());
        }
        Ok(())
    })
}

/// Moves the reader to `offset`, or KAFKA_OFFSET_FIRST / KAFKA_OFFSET_LAST. Messages fetched
/// before are dropped: the next read returns the message at `offset`. No I/O.
#[no_mangle]
pub extern "C" fn kafka_reader_set_offset(r: *const kafka_reader_t, offset: i64) -> kafka_err_t {
    guard(|| unsafe { borrow(r)?.reader.set_offset(offset) })
}

/// Moves the reader to the first message whose timestamp is at or after `unix_ms`
/// (milliseconds since the epoch), or to the end if there is none; the offset goes to `*offset`
/// if not NULL.
#[no_mangle]
pub extern "C" fn kafka_reader_set_offset_at(
    r: *const kafka_reader_t,
    unix_ms: i64,
    timeout_ms: i32,
    cancel: *const kafka_cancel_t,
    offset: *mut i64,
) -> kafka_err_t {
    guard(|| unsafe {
        let o = borrow(r)?.reader.set_offset_at(unix_ms, timeout_from_ms(timeout_ms), token(cancel))?;
        if !offset.is_null() {
            *offset = o;
        }
        Ok(())
    })
}

/// The offset of the message the next read returns (KAFKA_OFFSET_FIRST/LAST until known; -3 if
/// `r` is NULL).
#[no_mangle]
pub extern "C" fn kafka_reader_offset(r: *const kafka_reader_t) -> i64 {
    guard_value(-3, || unsafe { borrow(r) }.map_or(-3, |h| h.reader.offset()))
}

/// Messages between the reader's offset and the partition's end as of the last fetch (kafka-go's
/// Lag); -1 before the first fetch or if `r` is NULL. No I/O.
#[no_mangle]
pub extern "C" fn kafka_reader_lag(r: *const kafka_reader_t) -> i64 {
    guard_value(-1, || unsafe { borrow(r) }.map_or(-1, |h| h.reader.lag()))
}

/// Asks the partition's leader for its end and puts the lag to it in `*lag` (kafka-go's ReadLag).
#[no_mangle]
pub extern "C" fn kafka_reader_read_lag(
    r: *const kafka_reader_t,
    timeout_ms: i32,
    cancel: *const kafka_cancel_t,
    lag: *mut i64,
) -> kafka_err_t {
    guard(|| unsafe {
        let h = borrow(r)?;
        check_out(lag, "lag")?;
        *lag = h.reader.read_lag(timeout_from_ms(timeout_ms), token(cancel))?;
        Ok(())
    })
}

/// The reader's statistics as a JSON object (fetches, messages, bytes, errors, reconnects,
/// offset, lag, queued_messages), NUL-terminated, into `buf` of `*size` bytes; `*size` receives
/// the size needed (KAFKA_ERR_BUFFER_TOO_SMALL if `buf` is NULL or too small).
#[no_mangle]
pub extern "C" fn kafka_reader_stats(
    r: *const kafka_reader_t,
    buf: *mut c_char,
    size: *mut usize,
) -> kafka_err_t {
    guard(|| unsafe { handle::copy_to_buffer(&borrow(r)?.reader.stats().to_json(), buf, size) })
}

/// Stops fetching, closes the connections and frees the reader. Returns at once: it never waits
/// on the network. Messages already taken stay valid until freed. NULL is ignored.
#[no_mangle]
pub extern "C" fn kafka_reader_close(r: *mut kafka_reader_t) {
    let _ = guard(|| {
        if let Some(h) = unsafe { handle::free(r) } {
            h.reader.close();
        }
        Ok::<(), Error>(())
    });
}
