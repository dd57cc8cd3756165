//! `kafka_reader_t`: kafka-go's Reader for C — one topic partition with prefetching, seeking by
//! offset or time, lag and stats; or, with `group.id`, the partitions a consumer group assigns,
//! with commits and rebalance callbacks.
//!
//! The rebalance callback runs only on the application's thread, inside kafka_reader_read*,
//! kafka_reader_fetch*, kafka_reader_poll and kafka_reader_close. It may call any kafka_reader_*
//! function of its reader except kafka_reader_close() (KAFKA_ERR_STATE). Readers live in the
//! registry of `live.rs`: close is safe while other threads are blocked in the reader.

use std::collections::HashMap;
use std::ffi::{c_char, c_void, CString};
use std::sync::{Arc, Mutex};

use super::cancel::{kafka_cancel_t, token};
use super::config::{config_ref, kafka_config_t};
use super::error::kafka_err_t;
use super::handle::{self, borrow, check_out, Handle};
use super::live::{self, Call};
use super::message::{into_c, kafka_message_t};
use super::panic::{guard, guard_value};
use super::partition_list::{self, kafka_topic_partition_list_t};
use crate::error::Error;
use crate::reader::{Reader, Rebalance};
use crate::runtime::timeout_from_ms;

/// kafka_reader_set_offset(): the partition's first offset.
pub const KAFKA_OFFSET_FIRST: i64 = -2;
/// kafka_reader_set_offset(): the partition's end (only new messages).
pub const KAFKA_OFFSET_LAST: i64 = -1;

/// A Reader of one topic partition (`reader.topic`, `reader.partition`), or of a group's
/// partitions. Fetching runs ahead in the background. Calls may come from any thread.
/// kafka_reader_close() may be called while other threads are blocked in the reader (they return
/// KAFKA_ERR_WOKEN); no call may start after it (such a call is KAFKA_ERR_INVALID_ARG as long as
/// the pointer has not been reused by a new reader).
pub struct kafka_reader_t {
    _private: [u8; 0],
}

/// The rebalance callback's `event`: partitions given to this member. With the eager assignors
/// that is the whole new assignment; with cooperative-sticky only the partitions added (possibly
/// none: a rebalance that changed nothing here).
pub const KAFKA_REBALANCE_ASSIGNED: i32 = 1;
/// The rebalance callback's `event`: partitions taken away (no message of them is delivered
/// after this). Eager assignors revoke everything at each rebalance; cooperative-sticky only
/// the partitions that move to another member.
pub const KAFKA_REBALANCE_REVOKED: i32 = 2;

/// Receives a rebalance: `event` is KAFKA_REBALANCE_ASSIGNED or KAFKA_REBALANCE_REVOKED, with
/// the partitions as a list owned by the library and valid only during the call (read it with
/// kafka_topic_partition_list_count() and kafka_topic_partition_list_get(); never free it). The
/// list is opaque so that later versions can add offsets and leader epochs through new
/// accessors. Runs on the application's thread inside the
/// reading calls, kafka_reader_poll() and kafka_reader_close(); it may call any kafka_reader_*
/// function of its reader (kafka_reader_commit() on REVOKED, also during close, commits while
/// the member still owns the partitions) except kafka_reader_close(), which returns
/// KAFKA_ERR_STATE there. `userdata` must stay valid until kafka_reader_close() returns.
pub type kafka_rebalance_cb = Option<
    unsafe extern "C" fn(userdata: *mut c_void, event: i32, partitions: *const kafka_topic_partition_list_t),
>;

pub(crate) struct ReaderHandle {
    reader: Reader,
    topic: Arc<CString>,
    topics: Mutex<HashMap<String, Arc<CString>>>,
    rebalance: Mutex<(kafka_rebalance_cb, usize)>,
}

impl ReaderHandle {
    /// The C string of a topic name, made once per topic (no allocation per message).
    fn topic_c(&self, name: &str) -> Arc<CString> {
        let mut topics = self.topics.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(t) = topics.get(name) {
            return t.clone();
        }
        let t = Arc::new(CString::new(name).unwrap_or_default());
        topics.insert(name.to_string(), t.clone());
        t
    }

    /// Calls the rebalance callback for every rebalance since the last call, on this thread.
    fn serve_rebalances(call: &Call<ReaderHandle>) -> usize {
        call.serve_rebalances_inner(call)
    }

    fn serve_rebalances_inner(&self, call: &Call<ReaderHandle>) -> usize {
        let (cb, ud) = *self.rebalance.lock().unwrap_or_else(|p| p.into_inner());
        let events = self.reader.take_rebalances();
        let n = events.len();
        let Some(cb) = cb else { return n };
        for e in events {
            let (kind, parts) = match e {
                Rebalance::Assigned(p) => (KAFKA_REBALANCE_ASSIGNED, p),
                Rebalance::Revoked(p) => (KAFKA_REBALANCE_REVOKED, p),
            };
            let names: Vec<(Arc<CString>, i32)> = parts
                .iter()
                .flat_map(|(t, ps)| ps.iter().map(move |p| (t, *p)))
                .map(|(t, p)| (self.topic_c(t), p))
                .collect();
            let list = partition_list::topic_partitions_into_c(names);
            call.in_callback(|| unsafe { cb(ud as *mut c_void, kind, list) });
            partition_list::topic_partitions_free(list);
        }
        n
    }

    fn message(&self, m: crate::cluster::fetch::Message) -> *mut kafka_message_t {
        let topic = if *m.topic == *self.reader.settings().topic {
            self.topic.clone()
        } else {
            self.topic_c(&m.topic)
        };
        into_c(m, topic)
    }
}

impl Handle for kafka_reader_t {
    type Inner = ReaderHandle;
    const ARG: &'static str = "r";
    const NAME: &'static str = "reader";
}

/// Creates a reader from `cfg` (`bootstrap.servers` and `reader.topic` are required;
/// `reader.partition`, `group.id`, `auto.offset.reset`, `fetch.min.bytes`, `fetch.max.bytes`,
/// `fetch.wait.max.ms`, `isolation.level` are optional). The configuration is validated as a whole.
/// Reading starts at `auto.offset.reset` (the first offset by default).
///
/// Returns: KAFKA_ERR_CONFIG (the message says which key is wrong and why).
///
/// Ownership: `*out` belongs to the caller until kafka_reader_close(). `cfg` is copied: free or
/// reuse it at once.
///
/// Threads: the reader may be used from any number of threads.
#[no_mangle]
pub extern "C" fn kafka_reader_new(cfg: *const kafka_config_t, out: *mut *mut kafka_reader_t) -> kafka_err_t {
    guard("kafka_reader_new", || unsafe {
        check_out(out, "out")?;
        let reader = Reader::new(config_ref(cfg)?)?;
        let topic = Arc::new(CString::new(reader.settings().topic.as_str()).unwrap_or_default());
        *out = live::register::<kafka_reader_t>(ReaderHandle {
            reader,
            topic,
            topics: Mutex::default(),
            rebalance: Mutex::new((None, 0)),
        });
        Ok(())
    })
}

/// The next message in `*out` (kafka-go's ReadMessage), waiting up to `timeout_ms` (-1 = no limit).
/// In a group its offset is committed as kafka_reader_commit() would.
///
/// A batch that cannot be read (bad CRC, does not decompress, records do not decode) is returned
/// once, after the messages before it, as KAFKA_ERR_MALFORMED or KAFKA_ERR_COMPRESSION with a
/// message naming topic/partition, the batch's offsets and the offset after it. Without a group the
/// reader then waits at that batch: kafka_reader_set_offset() to the offset named skips it. In a
/// group the error is reported for that partition and the reader goes on after the batch (as
/// librdkafka does with a corrupt message set); a partition's non-retriable fetch error (e.g. 29
/// TOPIC_AUTHORIZATION_FAILED) is returned once the same way. Other partitions keep flowing in both
/// cases.
///
/// Returns: KAFKA_ERR_TIMED_OUT / KAFKA_ERR_CANCELLED when none came in time; KAFKA_ERR_WOKEN after
/// kafka_reader_wakeup() or when another thread closes the reader; KAFKA_ERR_MALFORMED /
/// KAFKA_ERR_COMPRESSION as above; a broker error that retrying cannot fix, as is.
///
/// Ownership: `*out` belongs to the caller until kafka_message_free(); it is a zero-copy view into
/// the fetch buffer and stays valid after the reader is closed.
///
/// Threads: blocks; the rebalance callback runs on the calling thread, inside this call.
#[no_mangle]
pub extern "C" fn kafka_reader_read(
    r: *const kafka_reader_t,
    timeout_ms: i32,
    cancel: *const kafka_cancel_t,
    out: *mut *mut kafka_message_t,
) -> kafka_err_t {
    guard("kafka_reader_read", || unsafe {
        let h = live::enter(r)?;
        check_out(out, "out")?;
        let b = h.block("kafka_reader_read", token(cancel)?)?;
        let m = b.finish(h.reader.read(timeout_from_ms(timeout_ms), b.token()));
        ReaderHandle::serve_rebalances(&h);
        *out = h.message(m?);
        Ok(())
    })
}

/// As kafka_reader_read() but without committing in a group (kafka-go's FetchMessage): commit with
/// kafka_reader_commit(). Outside a group the two are the same.
///
/// Returns, Ownership, Threads: as kafka_reader_read().
#[no_mangle]
pub extern "C" fn kafka_reader_fetch(
    r: *const kafka_reader_t,
    timeout_ms: i32,
    cancel: *const kafka_cancel_t,
    out: *mut *mut kafka_message_t,
) -> kafka_err_t {
    guard("kafka_reader_fetch", || unsafe {
        let h = live::enter(r)?;
        check_out(out, "out")?;
        let b = h.block("kafka_reader_fetch", token(cancel)?)?;
        let m = b.finish(h.reader.fetch(timeout_from_ms(timeout_ms), b.token()));
        ReaderHandle::serve_rebalances(&h);
        *out = h.message(m?);
        Ok(())
    })
}

/// Commits the offsets after the `count` messages in `msgs` (kafka-go's CommitMessages): the
/// highest offset per partition wins. With `auto.commit.interval.ms` > 0 the offsets are sent at
/// the next interval (and on close).
///
/// Returns: KAFKA_ERR_STATE outside a group; ILLEGAL_GENERATION (22) for messages fetched in a
/// generation the group has since left (so an old commit never moves an offset backwards);
/// KAFKA_ERR_TIMED_OUT after `timeout_ms`; KAFKA_ERR_CANCELLED when `cancel` (may be NULL) fires;
/// KAFKA_ERR_WOKEN after kafka_reader_wakeup() or when another thread closes the reader.
///
/// Ownership: the messages stay the caller's (free them when done).
///
/// Threads: blocks; any thread. The rebalance callback may call it, also for the REVOKED partitions
/// during kafka_reader_close().
#[no_mangle]
pub extern "C" fn kafka_reader_commit(
    r: *const kafka_reader_t,
    msgs: *const *const kafka_message_t,
    count: usize,
    timeout_ms: i32,
    cancel: *const kafka_cancel_t,
) -> kafka_err_t {
    guard("kafka_reader_commit", || unsafe {
        let h = live::enter(r)?;
        if msgs.is_null() || count == 0 {
            return Err(Error::invalid_arg("msgs is NULL or count is 0"));
        }
        let owned = handle::c_array(msgs, count, "msgs")?
            .iter()
            .enumerate()
            .map(|(i, m)| {
                if m.is_null() {
                    return Err(Error::invalid_arg(format!("msgs[{i}] is NULL")));
                }
                borrow(*m).map(|o| &o.msg)
            })
            .collect::<crate::Result<Vec<_>>>()?;
        let b = h.block("kafka_reader_commit", token(cancel)?)?;
        b.finish(h.reader.commit(&owned, timeout_from_ms(timeout_ms), b.token()))
    })
}

/// Sets the rebalance callback (NULL removes it): called with KAFKA_REBALANCE_ASSIGNED /
/// KAFKA_REBALANCE_REVOKED and the partitions concerned.
///
/// Ownership: the partition list is valid only during the callback; `userdata` must stay valid
/// until kafka_reader_close() returns.
///
/// Threads: the callback runs on the thread that calls the reading calls, kafka_reader_poll() or
/// kafka_reader_close(), inside that call. It may call the reader's functions except
/// kafka_reader_close() (KAFKA_ERR_STATE).
#[no_mangle]
pub extern "C" fn kafka_reader_set_rebalance_cb(
    r: *const kafka_reader_t,
    cb: kafka_rebalance_cb,
    userdata: *mut c_void,
) -> kafka_err_t {
    guard("kafka_reader_set_rebalance_cb", || {
        *live::enter(r)?.rebalance.lock().unwrap_or_else(|p| p.into_inner()) = (cb, userdata as usize);
        Ok(())
    })
}

/// Serves pending rebalance callbacks without reading; the number of events goes to `*served` if
/// not NULL.
///
/// Returns: KAFKA_ERR_WOKEN while another thread is closing the reader.
///
/// Threads: does not wait; the callbacks run on the calling thread, inside this call.
#[no_mangle]
pub extern "C" fn kafka_reader_poll(r: *const kafka_reader_t, served: *mut usize) -> kafka_err_t {
    guard("kafka_reader_poll", || unsafe {
        let h = live::enter(r)?;
        h.serving("kafka_reader_poll")?;
        let n = ReaderHandle::serve_rebalances(&h);
        if !served.is_null() {
            *served = n;
        }
        Ok(())
    })
}

/// Up to `max` messages into `msgs[0..*count]` in one call: those already fetched, or waits up to
/// `timeout_ms` (-1 = no limit) for the first. In a group they are committed like
/// kafka_reader_read() commits (one commit for the batch).
///
/// Returns: as kafka_reader_read().
///
/// Ownership: `msgs` is the caller's array of at least `max` pointers; each message written belongs
/// to the caller until kafka_message_free().
///
/// Threads: as kafka_reader_read().
#[no_mangle]
pub extern "C" fn kafka_reader_read_batch(
    r: *const kafka_reader_t,
    max: usize,
    timeout_ms: i32,
    cancel: *const kafka_cancel_t,
    msgs: *mut *mut kafka_message_t,
    count: *mut usize,
) -> kafka_err_t {
    guard("kafka_reader_read_batch", || unsafe {
        let h = live::enter(r)?;
        check_out(msgs, "msgs")?;
        check_out(count, "count")?;
        let b = h.block("kafka_reader_read_batch", token(cancel)?)?;
        let batch = b.finish(h.reader.read_batch(max, timeout_from_ms(timeout_ms), b.token()));
        ReaderHandle::serve_rebalances(&h);
        let batch = batch?;
        *count = batch.len();
        for (i, m) in batch.into_iter().enumerate() {
            *msgs.add(i) = h.message(m);
        }
        Ok(())
    })
}

/// Moves the reader to `offset`, or KAFKA_OFFSET_FIRST / KAFKA_OFFSET_LAST. Messages fetched before
/// are dropped: the next read returns the message at `offset`. No I/O.
///
/// Returns: KAFKA_ERR_STATE for a group reader (the group decides the offsets).
#[no_mangle]
pub extern "C" fn kafka_reader_set_offset(r: *const kafka_reader_t, offset: i64) -> kafka_err_t {
    guard("kafka_reader_set_offset", || live::enter(r)?.reader.set_offset(offset))
}

/// Moves the reader to the first message whose timestamp is at or after `unix_ms` (milliseconds
/// since the epoch), or to the end if there is none; the offset goes to `*offset` if not NULL.
///
/// Returns: KAFKA_ERR_STATE for a group reader; KAFKA_ERR_TIMED_OUT after `timeout_ms`;
/// KAFKA_ERR_CANCELLED when `cancel` (may be NULL) fires; KAFKA_ERR_WOKEN after
/// kafka_reader_wakeup() or close; a broker error.
///
/// Threads: blocks (asks the partition's leader).
#[no_mangle]
pub extern "C" fn kafka_reader_set_offset_at(
    r: *const kafka_reader_t,
    unix_ms: i64,
    timeout_ms: i32,
    cancel: *const kafka_cancel_t,
    offset: *mut i64,
) -> kafka_err_t {
    guard("kafka_reader_set_offset_at", || unsafe {
        let h = live::enter(r)?;
        let b = h.block("kafka_reader_set_offset_at", token(cancel)?)?;
        let o = b.finish(h.reader.set_offset_at(unix_ms, timeout_from_ms(timeout_ms), b.token()))?;
        if !offset.is_null() {
            *offset = o;
        }
        Ok(())
    })
}

/// The offset of the message the next read returns (KAFKA_OFFSET_FIRST/LAST until known; -3 if `r`
/// is NULL).
///
/// Threads: any thread; leaves the last error alone.
#[no_mangle]
pub extern "C" fn kafka_reader_offset(r: *const kafka_reader_t) -> i64 {
    guard_value(-3, || live::enter(r).map_or(-3, |h| h.reader.offset()))
}

/// Messages between the reader's offset and the partition's end as of the last fetch (kafka-go's
/// Lag); -1 before the first fetch or if `r` is NULL. No I/O.
///
/// Threads: any thread; leaves the last error alone.
#[no_mangle]
pub extern "C" fn kafka_reader_lag(r: *const kafka_reader_t) -> i64 {
    guard_value(-1, || live::enter(r).map_or(-1, |h| h.reader.lag()))
}

/// Asks the partition's leader for its end and puts the lag to it in `*lag` (kafka-go's ReadLag).
///
/// Returns: KAFKA_ERR_TIMED_OUT after `timeout_ms`; KAFKA_ERR_CANCELLED when `cancel` (may be NULL)
/// fires; KAFKA_ERR_WOKEN after kafka_reader_wakeup() or close; a broker error.
///
/// Threads: blocks.
#[no_mangle]
pub extern "C" fn kafka_reader_read_lag(
    r: *const kafka_reader_t,
    timeout_ms: i32,
    cancel: *const kafka_cancel_t,
    lag: *mut i64,
) -> kafka_err_t {
    guard("kafka_reader_read_lag", || unsafe {
        let h = live::enter(r)?;
        check_out(lag, "lag")?;
        let b = h.block("kafka_reader_read_lag", token(cancel)?)?;
        *lag = b.finish(h.reader.read_lag(timeout_from_ms(timeout_ms), b.token()))?;
        Ok(())
    })
}

/// The reader's statistics as a JSON object (fetches, messages, bytes, errors, reconnects, offset,
/// lag, queued_messages), NUL-terminated, into `buf` of `*size` bytes.
///
/// Returns: KAFKA_ERR_BUFFER_TOO_SMALL (nothing written) if `buf` is NULL or too small. `*size`
/// (required) receives the size needed, NUL included, in both cases.
///
/// Ownership: `buf` is the caller's.
#[no_mangle]
pub extern "C" fn kafka_reader_stats(
    r: *const kafka_reader_t,
    buf: *mut c_char,
    size: *mut usize,
) -> kafka_err_t {
    guard("kafka_reader_stats", || unsafe {
        handle::copy_to_buffer(&live::enter(r)?.reader.stats().to_json(), buf, size)
    })
}

/// Makes every blocking call on the reader (kafka_reader_read*, kafka_reader_fetch*,
/// kafka_reader_commit, kafka_reader_set_offset_at, kafka_reader_read_lag) in flight on any thread
/// return KAFKA_ERR_WOKEN promptly; if none is in flight, the next one returns KAFKA_ERR_WOKEN at
/// once (so a wakeup between a thread's check of its stop flag and its next call is not lost).
///
/// Threads: any thread, any time before close; never blocks.
#[no_mangle]
pub extern "C" fn kafka_reader_wakeup(r: *const kafka_reader_t) -> kafka_err_t {
    guard("kafka_reader_wakeup", || {
        live::enter(r)?.wakeup(|| {});
        Ok(())
    })
}

/// Stops reading and frees the reader. First every call blocked in it on other threads is woken (it
/// returns KAFKA_ERR_WOKEN) and close waits for it to leave. A single-partition reader then returns
/// at once. A group member stops delivering, calls the rebalance callback with
/// KAFKA_REBALANCE_REVOKED for the partitions it holds while still in the group (the callback may
/// commit them with kafka_reader_commit()), commits what `auto.commit.interval.ms` gathered and
/// leaves the group (so the others take over at once), within `timeout_ms` (-1 = no limit) or until
/// `cancel` (may be NULL) fires. NULL is ignored.
///
/// Returns: whether the commit and leave worked (KAFKA_ERR_TIMED_OUT, KAFKA_ERR_CANCELLED, a broker
/// error). KAFKA_ERR_STATE, with nothing done, from inside the rebalance callback or while another
/// thread is closing the reader.
///
/// Ownership: the reader is freed whatever the result, except KAFKA_ERR_STATE. Messages already
/// taken stay valid until kafka_message_free(). Callback `userdata` may be freed once this returns.
///
/// Threads: may be called while other threads are blocked in the reader; no call may start after
/// it. The last rebalance callbacks run inside this call.
#[no_mangle]
pub extern "C" fn kafka_reader_close(
    r: *mut kafka_reader_t,
    timeout_ms: i32,
    cancel: *const kafka_cancel_t,
) -> kafka_err_t {
    guard("kafka_reader_close", || unsafe {
        if r.is_null() {
            return Ok(());
        }
        let user = token(cancel)?;
        let h = live::enter(r.cast_const())?;
        h.begin_close(|| {})?;
        h.reader.revoke_for_close();
        ReaderHandle::serve_rebalances(&h);
        let result = h.reader.close(timeout_from_ms(timeout_ms), user);
        ReaderHandle::serve_rebalances(&h);
        h.end_close();
        result
    })
}
