//! `kafka_writer_t`: kafka-go's Writer for C — a batching producer with balancers,
//! compression, retries, idempotence, synchronous and asynchronous writes, delivery reports,
//! stats and logging.
//!
//! Callbacks (delivery reports, logs) run only on the application's thread, inside
//! kafka_writer_poll(), kafka_writer_flush() and kafka_writer_close(). A callback may call
//! any kafka_writer_* function of its writer except kafka_writer_close() (KAFKA_ERR_STATE).
//! Writers live in the registry of `live.rs`: close is safe while other threads are blocked in
//! the writer, and the memory is freed after the last call and the last callback.

use std::collections::HashMap;
use std::ffi::{c_char, c_void, CString};
use std::sync::{Arc, Mutex};

use super::cancel::{kafka_cancel_t, token};
use super::config::{config_ref, kafka_config_t};
use super::error::kafka_err_t;
use super::handle::{self, check_out, Handle};
use super::live::{self, Call};
use super::message::{kafka_msg_t, BorrowedBatch};
use super::panic::{guard, guard_value};
use crate::error::{code, Error, Result};
use crate::runtime::timeout_from_ms;
use crate::writer::balancer::FnBalancer;
use crate::writer::{Event, OutRecord, Writer};

/// What happened to one produced message, handed to the delivery callback.
/// Fields may be added at the end in later versions (see `size`); reports are passed by pointer.
#[repr(C)]
pub struct kafka_delivery_report_t {
    /// `sizeof(kafka_delivery_report_t)` of the library that made the report: fields added in
    /// later versions come after `timestamp_ms`, and a program reads one only if `size` covers it
    /// (`size >= offsetof(kafka_delivery_report_t, field) + sizeof(field)`).
    pub size: usize,
    /// The `opaque` of the message as it was produced.
    pub opaque: *mut c_void,
    /// KAFKA_OK, or why the message was not delivered.
    pub err: kafka_err_t,
    /// The topic (owned by the library; valid during the callback).
    pub topic: *const c_char,
    pub partition: i32,
    /// The message's offset (-1 with acks=0 or on error).
    pub offset: i64,
    pub timestamp_ms: i64,
}

/// Receives delivery reports: `count` pointers to reports, valid only during the call. Runs on
/// the application's thread inside kafka_writer_poll(), kafka_writer_flush() and
/// kafka_writer_close(); it may call any kafka_writer_* function of its writer, also during
/// close (kafka_writer_produce() then fails with KAFKA_ERR_CLOSED once the writer has stopped),
/// except kafka_writer_close(), which returns KAFKA_ERR_STATE there. `userdata` must stay valid
/// until kafka_writer_close() returns.
pub type kafka_delivery_cb = Option<
    unsafe extern "C" fn(userdata: *mut c_void, reports: *const *const kafka_delivery_report_t, count: usize),
>;

/// Receives log lines: syslog `level` (3 error, 4 warning, 6 info, 7 debug) and a message,
/// valid only during the call. Messages never contain secrets.
pub type kafka_log_cb =
    Option<unsafe extern "C" fn(userdata: *mut c_void, level: i32, message: *const c_char)>;

/// Chooses a partition: returns one of the `count` ids in `partitions`. `key` is NULL for a
/// null key. May be called from any thread, including library threads; it must not call the
/// library.
pub type kafka_partitioner_cb = Option<
    unsafe extern "C" fn(
        userdata: *mut c_void,
        key: *const u8,
        key_len: usize,
        partitions: *const i32,
        count: usize,
    ) -> i32,
>;

/// A Writer. Every function may be called from any thread. kafka_writer_close() may be called
/// while other threads are blocked in the writer (they return KAFKA_ERR_WOKEN); no call may
/// start after it (such a call is KAFKA_ERR_INVALID_ARG as long as the pointer has not been
/// reused by a new writer).
pub struct kafka_writer_t {
    _private: [u8; 0],
}

struct Callbacks {
    delivery: kafka_delivery_cb,
    delivery_userdata: usize,
    log: kafka_log_cb,
    log_userdata: usize,
}

pub(crate) struct WriterHandle {
    writer: Writer,
    callbacks: Mutex<Callbacks>,
    topics: Mutex<HashMap<Arc<str>, CString>>,
}

impl Handle for kafka_writer_t {
    type Inner = WriterHandle;
    const ARG: &'static str = "w";
    const NAME: &'static str = "writer";
}

impl WriterHandle {
    fn new(writer: Writer) -> Self {
        WriterHandle {
            writer,
            callbacks: Mutex::new(Callbacks {
                delivery: None,
                delivery_userdata: 0,
                log: None,
                log_userdata: 0,
            }),
            topics: Mutex::default(),
        }
    }

    /// Calls the application's callbacks for one event, on the current thread.
    fn dispatch(call: &Call<WriterHandle>, e: Event) {
        let h: &WriterHandle = call;
        h.dispatch_inner(call, e)
    }

    fn dispatch_inner(&self, call: &Call<WriterHandle>, e: Event) {
        let cbs = self.callbacks.lock().unwrap_or_else(|p| p.into_inner());
        let (delivery, dud, log, lud) = (cbs.delivery, cbs.delivery_userdata, cbs.log, cbs.log_userdata);
        drop(cbs);
        match e {
            Event::Delivery(reports) => {
                let Some(cb) = delivery else { return };
                let mut topics = self.topics.lock().unwrap_or_else(|p| p.into_inner());
                let c_reports: Vec<kafka_delivery_report_t> = reports
                    .iter()
                    .map(|r| {
                        let topic = topics
                            .entry(r.topic.clone())
                            .or_insert_with(|| CString::new(r.topic.as_bytes()).unwrap_or_default())
                            .as_ptr();
                        let (err, offset) = match &r.result {
                            Ok(o) => (code::OK, *o),
                            Err(e) => (e.code(), -1),
                        };
                        kafka_delivery_report_t {
                            size: std::mem::size_of::<kafka_delivery_report_t>(),
                            opaque: r.opaque as *mut c_void,
                            err,
                            topic,
                            partition: r.partition,
                            offset,
                            timestamp_ms: r.timestamp_ms,
                        }
                    })
                    .collect();
                drop(topics);
                let ptrs: Vec<*const kafka_delivery_report_t> =
                    c_reports.iter().map(|r| r as *const _).collect();
                call.in_callback(|| unsafe { cb(dud as *mut c_void, ptrs.as_ptr(), ptrs.len()) });
            }
            Event::Log { level, message } => {
                if let Some(cb) = log {
                    let m = CString::new(message.replace('\0', " ")).unwrap_or_default();
                    call.in_callback(|| unsafe { cb(lud as *mut c_void, level, m.as_ptr()) });
                }
            }
        }
    }
}

/// Creates a writer from `cfg` (`bootstrap.servers` is required; `writer.topic`, `balancer`,
/// `acks`, `linger.ms`, `compression.type`, `enable.idempotence`, ... are optional). The whole
/// configuration is validated here. No I/O happens until the first message.
///
/// Returns: KAFKA_ERR_CONFIG (the message says which key is wrong and why).
///
/// Ownership: `*out` belongs to the caller until kafka_writer_close(). `cfg` is copied: free or
/// reuse it at once.
///
/// Threads: the writer may be used from any number of threads.
#[no_mangle]
pub extern "C" fn kafka_writer_new(cfg: *const kafka_config_t, out: *mut *mut kafka_writer_t) -> kafka_err_t {
    guard("kafka_writer_new", || unsafe {
        check_out(out, "out")?;
        let w = Writer::new(config_ref(cfg)?)?;
        *out = live::register::<kafka_writer_t>(WriterHandle::new(w));
        Ok(())
    })
}

/// As kafka_writer_new(), with partitions chosen by `partitioner` (kafka-go's BalancerFunc) instead
/// of the `balancer` setting. A partition it returns that the topic does not have fails that
/// message with KAFKA_ERR_INVALID_ARG.
///
/// Returns: as kafka_writer_new().
///
/// Ownership: as kafka_writer_new(); `userdata` must stay valid until kafka_writer_close() returns.
///
/// Threads: `partitioner` may run on any thread, library threads included, and must not call the
/// library.
#[no_mangle]
pub extern "C" fn kafka_writer_new_with_partitioner(
    cfg: *const kafka_config_t,
    partitioner: kafka_partitioner_cb,
    userdata: *mut c_void,
    out: *mut *mut kafka_writer_t,
) -> kafka_err_t {
    guard("kafka_writer_new_with_partitioner", || unsafe {
        check_out(out, "out")?;
        let cb = partitioner.ok_or_else(|| Error::invalid_arg("partitioner is NULL"))?;
        let ud = userdata as usize;
        let balancer = FnBalancer::new(move |key: Option<&[u8]>, _size: usize, parts: &[i32]| {
            let (k, kl) = key.map_or((std::ptr::null(), 0), |k| (k.as_ptr(), k.len()));
            cb(ud as *mut c_void, k, kl, parts.as_ptr(), parts.len())
        });
        let w = Writer::with_balancer(config_ref(cfg)?, Box::new(balancer))?;
        *out = live::register::<kafka_writer_t>(WriterHandle::new(w));
        Ok(())
    })
}

/// Sets the delivery report callback (NULL removes it). Reports arrive in arrays, one call per
/// batch.
///
/// Ownership: the reports are valid only during the callback; `userdata` must stay valid until
/// kafka_writer_close() returns.
///
/// Threads: the callback runs on the thread that calls kafka_writer_poll(), kafka_writer_flush() or
/// kafka_writer_close(), never on a library thread. It may call the writer's functions except
/// kafka_writer_close() (KAFKA_ERR_STATE).
#[no_mangle]
pub extern "C" fn kafka_writer_set_delivery_cb(
    w: *const kafka_writer_t,
    cb: kafka_delivery_cb,
    userdata: *mut c_void,
) -> kafka_err_t {
    guard("kafka_writer_set_delivery_cb", || {
        let h = live::enter(w)?;
        let mut c = h.callbacks.lock().unwrap_or_else(|p| p.into_inner());
        c.delivery = cb;
        c.delivery_userdata = userdata as usize;
        Ok(())
    })
}

/// Sets the log callback (NULL removes it); `log_level` in the config filters the levels.
///
/// Ownership: the message is valid only during the callback; `userdata` must stay valid until
/// kafka_writer_close() returns.
///
/// Threads: the callback runs inside kafka_writer_poll(), kafka_writer_flush() and
/// kafka_writer_close(), on the calling thread.
#[no_mangle]
pub extern "C" fn kafka_writer_set_log_cb(
    w: *const kafka_writer_t,
    cb: kafka_log_cb,
    userdata: *mut c_void,
) -> kafka_err_t {
    guard("kafka_writer_set_log_cb", || {
        let h = live::enter(w)?;
        let mut c = h.callbacks.lock().unwrap_or_else(|p| p.into_inner());
        c.log = cb;
        c.log_userdata = userdata as usize;
        Ok(())
    })
}

fn records<'a>(batch: &'a BorrowedBatch<'a>) -> Result<Vec<OutRecord<'a>>> {
    let mut out = Vec::with_capacity(batch.len());
    for (i, m) in batch.msgs().iter().enumerate() {
        let base = batch.get(i);
        let topic = if m.topic.is_null() {
            None
        } else {
            Some(
                unsafe { handle::c_str(m.topic, "topic") }
                    .map_err(|e| e.context(format_args!("msgs[{i}]")))?,
            )
        };
        out.push(OutRecord {
            topic,
            partition: batch.partition(i)?,
            key: base.key,
            value: base.value,
            headers: base.headers,
            timestamp_ms: base.timestamp_ms,
        });
    }
    Ok(out)
}

/// Hands `count` messages over for delivery and returns at once (librdkafka's produce); each
/// message's outcome comes back through the delivery callback with its `opaque`. All or nothing: on
/// error no message was taken.
///
/// Returns: KAFKA_ERR_QUEUE_FULL when `queue.buffering.max.messages` or
/// `queue.buffering.max.kbytes` would be exceeded (they count a message until its report is
/// served by poll/flush/close: poll, then retry); KAFKA_ERR_INVALID_ARG for a message without a
/// topic (or with one when the writer has `writer.topic`), a bad `size`, `flags` or partition;
/// KAFKA_ERR_CLOSED once the writer has stopped (from a callback during close).
///
/// Ownership: every byte of `msgs` (topics, keys, values, headers) is copied during the call;
/// `opaque` is handed back as is.
///
/// Threads: any thread; never blocks.
#[no_mangle]
pub extern "C" fn kafka_writer_produce(
    w: *const kafka_writer_t,
    msgs: *const kafka_msg_t,
    count: usize,
) -> kafka_err_t {
    guard("kafka_writer_produce", || unsafe {
        let h = live::enter(w)?;
        let batch = BorrowedBatch::new(msgs, count)?;
        let recs = records(&batch)?;
        let opaques: Vec<usize> = batch.msgs().iter().map(|m| m.opaque as usize).collect();
        h.writer.produce(&recs, &opaques)
    })
}

/// Writes `count` messages and blocks until each is acknowledged or has failed (kafka-go's
/// synchronous WriteMessages). If not NULL, `errors[i]` and `offsets[i]` receive each message's
/// code and offset (arrays of `count`). The delivery callback is not called for these messages.
///
/// Returns: KAFKA_OK when all succeeded, else the first failure's code. On timeout or cancel the
/// unsettled messages report KAFKA_ERR_TIMED_OUT / KAFKA_ERR_CANCELLED and may still be delivered
/// later; KAFKA_ERR_WOKEN after kafka_writer_wakeup() or when another thread closes the writer.
///
/// Ownership: `msgs` is copied during the call; `errors` and `offsets` are the caller's.
///
/// Threads: blocks the calling thread; any thread.
#[no_mangle]
pub extern "C" fn kafka_writer_write(
    w: *const kafka_writer_t,
    msgs: *const kafka_msg_t,
    count: usize,
    timeout_ms: i32,
    cancel: *const kafka_cancel_t,
    errors: *mut kafka_err_t,
    offsets: *mut i64,
) -> kafka_err_t {
    guard("kafka_writer_write", || unsafe {
        let h = live::enter(w)?;
        let batch = BorrowedBatch::new(msgs, count)?;
        let recs = records(&batch)?;
        let b = h.block("kafka_writer_write", token(cancel)?)?;
        let mut results = h.writer.write(&recs, timeout_from_ms(timeout_ms), b.token())?;
        if b.woken() {
            for r in results.iter_mut() {
                if let Err(e) = r {
                    if e.code() == code::CANCELLED {
                        *e = b.woken_error("kafka_writer_write");
                    }
                }
            }
        }
        let mut first: Option<Error> = None;
        for (i, r) in results.into_iter().enumerate() {
            let (c, o) = match r {
                Ok(o) => (code::OK, o),
                Err(e) => {
                    let c = e.code();
                    first.get_or_insert(e.context(format!("message {i}")));
                    (c, -1)
                }
            };
            if !errors.is_null() {
                *errors.add(i) = c;
            }
            if !offsets.is_null() {
                *offsets.add(i) = o;
            }
        }
        first.map_or(Ok(()), Err)
    })
}

/// Serves queued delivery reports and log lines to the callbacks, waiting up to `timeout_ms` (0 =
/// don't wait, -1 = until something comes) for the first. If `served` is not NULL it receives the
/// number of events served.
///
/// Returns: KAFKA_ERR_CANCELLED when `cancel` (may be NULL) fires; KAFKA_ERR_WOKEN after
/// kafka_writer_wakeup() or when another thread closes the writer. Nothing to serve within the
/// timeout is KAFKA_OK with `*served` 0.
///
/// Threads: blocks; the callbacks run on the calling thread, inside this call.
#[no_mangle]
pub extern "C" fn kafka_writer_poll(
    w: *const kafka_writer_t,
    timeout_ms: i32,
    cancel: *const kafka_cancel_t,
    served: *mut usize,
) -> kafka_err_t {
    guard("kafka_writer_poll", || unsafe {
        let h = live::enter(w)?;
        let b = h.block("kafka_writer_poll", token(cancel)?)?;
        let n = b.finish(
            h.writer.poll(timeout_from_ms(timeout_ms), b.token(), &mut |e| WriterHandle::dispatch(&h, e)),
        )?;
        if !served.is_null() {
            *served = n;
        }
        Ok(())
    })
}

/// Sends everything now and waits until every message produced so far is reported, serving the
/// callbacks meanwhile.
///
/// Returns: KAFKA_ERR_TIMED_OUT if some are still pending after `timeout_ms` (-1 = no limit);
/// KAFKA_ERR_CANCELLED when `cancel` (may be NULL) fires; KAFKA_ERR_WOKEN after
/// kafka_writer_wakeup() or when another thread closes the writer.
///
/// Threads: blocks; the callbacks run on the calling thread, inside this call.
#[no_mangle]
pub extern "C" fn kafka_writer_flush(
    w: *const kafka_writer_t,
    timeout_ms: i32,
    cancel: *const kafka_cancel_t,
) -> kafka_err_t {
    guard("kafka_writer_flush", || unsafe {
        let h = live::enter(w)?;
        let b = h.block("kafka_writer_flush", token(cancel)?)?;
        b.finish(
            h.writer.flush(timeout_from_ms(timeout_ms), b.token(), &mut |e| WriterHandle::dispatch(&h, e)),
        )
    })
}

/// Makes every blocking call on the writer (kafka_writer_poll, kafka_writer_flush,
/// kafka_writer_write) in flight on any thread return KAFKA_ERR_WOKEN promptly; if none is in
/// flight, the next one returns KAFKA_ERR_WOKEN at once (so a wakeup between a thread's check of
/// its stop flag and its next call is not lost).
///
/// Threads: any thread, any time before close; never blocks.
#[no_mangle]
pub extern "C" fn kafka_writer_wakeup(w: *const kafka_writer_t) -> kafka_err_t {
    guard("kafka_writer_wakeup", || {
        let h = live::enter(w)?;
        h.wakeup(|| h.writer.interrupt());
        Ok(())
    })
}

/// The number of messages produced and not yet reported (0 if `w` is NULL).
///
/// Threads: any thread; leaves the last error alone.
#[no_mangle]
pub extern "C" fn kafka_writer_pending(w: *const kafka_writer_t) -> usize {
    guard_value(0, || live::enter(w).map_or(0, |h| h.writer.pending()))
}

/// The writer's statistics as a JSON object (messages_produced, messages_delivered, bytes, batches,
/// errors, retries, requests, pending, and min/avg/max/count summaries of batch_messages,
/// batch_bytes, batch_latency_us, request_latency_us), NUL-terminated, into `buf` of `*size` bytes.
///
/// Returns: KAFKA_ERR_BUFFER_TOO_SMALL (nothing written) if `buf` is NULL or too small. `*size`
/// (required) receives the size needed, NUL included, in both cases.
///
/// Ownership: `buf` is the caller's.
#[no_mangle]
pub extern "C" fn kafka_writer_stats(
    w: *const kafka_writer_t,
    buf: *mut c_char,
    size: *mut usize,
) -> kafka_err_t {
    guard("kafka_writer_stats", || unsafe {
        let h = live::enter(w)?;
        handle::copy_to_buffer(&h.writer.stats().to_json(), buf, size)
    })
}

/// Closes the writer: wakes every call blocked in it on other threads (they return KAFKA_ERR_WOKEN)
/// and waits for them to leave; flushes for up to `timeout_ms` (-1 = no limit) or until `cancel`
/// (may be NULL) fires; reports every message still pending as failed, exactly one report per
/// message (a message in a request the broker has not answered is reported "not confirmed": it may
/// or may not have been written); serves all remaining callbacks on this thread; and frees the
/// writer. NULL is ignored.
///
/// Returns: KAFKA_OK when close gave up no message, else the error (KAFKA_ERR_TIMED_OUT,
/// KAFKA_ERR_CANCELLED). KAFKA_ERR_STATE, with nothing done, from inside one of the writer's
/// callbacks or while another thread is closing it.
///
/// Ownership: the writer is freed whatever the result, except KAFKA_ERR_STATE. Callback `userdata`
/// may be freed once this returns.
///
/// Threads: may be called while other threads are blocked in the writer; no call may start after
/// it. The last callbacks run inside this call (they may call the writer's functions:
/// kafka_writer_produce then fails with KAFKA_ERR_CLOSED).
#[no_mangle]
pub extern "C" fn kafka_writer_close(
    w: *mut kafka_writer_t,
    timeout_ms: i32,
    cancel: *const kafka_cancel_t,
) -> kafka_err_t {
    guard("kafka_writer_close", || unsafe {
        if w.is_null() {
            return Ok(());
        }
        let user = token(cancel)?;
        let h = live::enter(w.cast_const())?;
        h.begin_close(|| h.writer.interrupt())?;
        let result =
            h.writer.close(timeout_from_ms(timeout_ms), user, &mut |e| WriterHandle::dispatch(&h, e));
        h.end_close();
        result
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::code;
    use crate::ffi::config::{kafka_config_free, kafka_config_new, kafka_config_set};
    use crate::ffi::error::last_error_string;
    use crate::ffi::message::{kafka_header_t, KAFKA_MSG_F_PARTITION};
    use crate::ffi::new_topic::{
        kafka_new_topic_free, kafka_new_topic_new, kafka_new_topic_set_replica_assignment,
    };

    fn msg(topic: *const c_char) -> kafka_msg_t {
        kafka_msg_t { topic, partition: -1, ..unsafe { std::mem::zeroed() } }
    }

    #[test]
    fn invalid_arguments_name_the_function_and_the_argument() {
        let mut cfg = std::ptr::null_mut();
        assert_eq!(kafka_config_new(&mut cfg), code::OK);
        assert_eq!(kafka_config_set(cfg, c"bootstrap.servers".as_ptr(), c"127.0.0.1:1".as_ptr()), code::OK);
        let mut w = std::ptr::null_mut();
        assert_eq!(kafka_writer_new(cfg, &mut w), code::OK);
        let null = std::ptr::null_mut();
        let write = |msgs: *const kafka_msg_t, count: usize| {
            kafka_writer_write(w, msgs, count, 100, std::ptr::null(), null, std::ptr::null_mut())
        };

        assert_eq!(write(std::ptr::null(), 3), code::INVALID_ARG);
        assert_eq!(last_error_string(), "kafka_writer_write: msgs is NULL with count 3");
        let one = [msg(c"t".as_ptr())];
        assert_eq!(write(one.as_ptr(), 0), code::INVALID_ARG);
        assert_eq!(
            last_error_string(),
            "kafka_writer_write: count is 0: msgs must hold at least one element"
        );
        assert_eq!(
            kafka_writer_write(
                std::ptr::null(),
                one.as_ptr(),
                1,
                0,
                std::ptr::null(),
                null,
                std::ptr::null_mut()
            ),
            code::INVALID_ARG
        );
        assert_eq!(last_error_string(), "kafka_writer_write: w is NULL");

        let mut two = [msg(c"t".as_ptr()), msg(c"t".as_ptr())];
        two[1].header_count = 2;
        assert_eq!(write(two.as_ptr(), 2), code::INVALID_ARG);
        assert_eq!(last_error_string(), "kafka_writer_write: msgs[1].headers is NULL with header_count 2");
        let header = kafka_header_t {
            size: 0,
            key: std::ptr::null(),
            key_len: 4,
            value: std::ptr::null(),
            value_len: 0,
        };
        two[1].headers = &header;
        two[1].header_count = 1;
        assert_eq!(write(two.as_ptr(), 2), code::INVALID_ARG);
        assert_eq!(
            last_error_string(),
            "kafka_writer_write: msgs[1].headers[0].key is NULL but its length is 4"
        );
        // A NULL value, key or header value with a length is never a null (a tombstone).
        let mut m = [msg(c"t".as_ptr())];
        m[0].value_len = 5;
        assert_eq!(write(m.as_ptr(), 1), code::INVALID_ARG);
        assert_eq!(last_error_string(), "kafka_writer_write: msgs[0].value is NULL but its length is 5");
        let mut m = [msg(c"t".as_ptr())];
        m[0].key_len = 2;
        assert_eq!(write(m.as_ptr(), 1), code::INVALID_ARG);
        assert_eq!(last_error_string(), "kafka_writer_write: msgs[0].key is NULL but its length is 2");
        let hv = kafka_header_t {
            size: std::mem::size_of::<kafka_header_t>(),
            key: c"h".as_ptr(),
            key_len: 1,
            value: std::ptr::null(),
            value_len: 3,
        };
        let mut m = [msg(c"t".as_ptr())];
        m[0].headers = &hv;
        m[0].header_count = 1;
        assert_eq!(write(m.as_ptr(), 1), code::INVALID_ARG);
        assert_eq!(
            last_error_string(),
            "kafka_writer_write: msgs[0].headers[0].value is NULL but its length is 3"
        );
        // Lengths beyond isize::MAX never reach slice::from_raw_parts.
        let mut m = [msg(c"t".as_ptr())];
        m[0].value = c"v".as_ptr().cast();
        m[0].value_len = usize::MAX;
        assert_eq!(write(m.as_ptr(), 1), code::INVALID_ARG);
        assert_eq!(
            last_error_string(),
            format!("kafka_writer_write: msgs[0].value's length {} is larger than any object", usize::MAX)
        );
        assert_eq!(write(one.as_ptr(), usize::MAX / 8), code::INVALID_ARG);
        assert!(last_error_string().contains("is too large for msgs"), "{}", last_error_string());
        // Partitions below -1, a partition without its flag, unknown flags.
        let mut m = [msg(c"t".as_ptr()), msg(c"t".as_ptr())];
        m[1].partition = -2;
        assert_eq!(write(m.as_ptr(), 2), code::INVALID_ARG);
        assert_eq!(
            last_error_string(),
            "kafka_writer_write: msgs[1].partition is -2: use a partition id or KAFKA_PARTITION_ANY (-1)"
        );
        m[1].flags = KAFKA_MSG_F_PARTITION;
        assert_eq!(write(m.as_ptr(), 2), code::INVALID_ARG);
        m[1].partition = 3;
        m[1].flags = 0;
        assert_eq!(write(m.as_ptr(), 2), code::INVALID_ARG);
        assert!(
            last_error_string().contains("msgs[1].flags lacks KAFKA_MSG_F_PARTITION"),
            "{}",
            last_error_string()
        );
        m[1].flags = 0x80;
        assert_eq!(write(m.as_ptr(), 2), code::INVALID_ARG);
        assert_eq!(
            last_error_string(),
            "kafka_writer_write: msgs[1].flags is 0x80: only KAFKA_MSG_F_* bits are allowed"
        );
        // Sizes: 0 or sizeof, the same in every element; a newer (larger) layout is refused.
        let mut m = [msg(c"t".as_ptr()), msg(c"t".as_ptr())];
        m[0].size = std::mem::size_of::<kafka_msg_t>();
        assert_eq!(write(m.as_ptr(), 2), code::INVALID_ARG);
        assert!(
            last_error_string().contains("msgs[1].size is 0 but msgs[0].size is"),
            "{}",
            last_error_string()
        );
        m[0].size = std::mem::size_of::<kafka_msg_t>() + 8;
        assert_eq!(write(m.as_ptr(), 2), code::INVALID_ARG);
        assert!(last_error_string().contains("a larger one means a newer header"), "{}", last_error_string());
        m[0].size = 8;
        assert_eq!(write(m.as_ptr(), 2), code::INVALID_ARG);
        assert!(last_error_string().contains("msgs[0].size is 8"), "{}", last_error_string());
        assert_eq!(kafka_writer_pending(w), 0, "nothing was queued by a refused call");

        let bad_topic = [msg(c"\xff".as_ptr())];
        assert_eq!(write(bad_topic.as_ptr(), 1), code::INVALID_ARG);
        assert_eq!(last_error_string(), "kafka_writer_write: msgs[0]: topic is not valid UTF-8");
        assert_eq!(kafka_writer_close(w, 1000, std::ptr::null()), code::OK);
        kafka_config_free(cfg);

        let mut t = std::ptr::null_mut();
        assert_eq!(kafka_new_topic_new(c"".as_ptr(), 1, 1, &mut t), code::INVALID_ARG);
        assert_eq!(last_error_string(), "kafka_new_topic_new: name is empty");
        assert_eq!(kafka_new_topic_new(c"t".as_ptr(), 1, 0, &mut t), code::INVALID_ARG);
        assert_eq!(
            last_error_string(),
            "kafka_new_topic_new: replication_factor must be positive or -1, not 0"
        );
        assert_eq!(kafka_new_topic_new(c"t".as_ptr(), -1, -1, &mut t), code::OK);
        assert_eq!(kafka_new_topic_set_replica_assignment(t, 0, std::ptr::null(), 2), code::INVALID_ARG);
        assert_eq!(
            last_error_string(),
            "kafka_new_topic_set_replica_assignment: broker_ids is NULL with count 2"
        );
        kafka_new_topic_free(t);
    }
}
