//! `kafka_conn_t`: kafka-go's Conn for C — one broker connection, optionally bound to a topic
//! partition, with metadata, topic admin, produce, fetch, offsets and seeking.
//!
//! Every call that talks to the broker blocks the calling thread, takes `timeout_ms` (-1 = no
//! limit; the connection's read/write deadline also applies) and an optional `kafka_cancel_t`
//! (NULL = none), and returns KAFKA_ERR_TIMED_OUT / KAFKA_ERR_CANCELLED when those fire.
//! Note that a broker answers the requests of one connection in order: after a fetch that was
//! abandoned by a timeout or a cancel, the next call waits until that fetch's max_wait ran out.

use std::ffi::c_char;
use std::time::{Duration, Instant};

use super::batch::{into_c_batch, kafka_batch_t};
use super::broker_list::{self, kafka_broker_list_t};
use super::cancel::{kafka_cancel_t, token};
use super::compression;
use super::config::{config_ref, kafka_config_t};
use super::error::kafka_err_t;
use super::handle::{self, borrow, c_str, check_out, Handle};
use super::message::{into_c, kafka_message_t, kafka_msg_t, BorrowedBatch};
use super::new_topic::kafka_new_topic_t;
use super::panic::{guard, guard_void};
use super::partition_list::{self, kafka_partition_list_t};
use crate::conn::{Conn, ConnSettings};
use crate::error::{Error, Result};
use crate::runtime::{block_on, timeout_from_ms};

/// Seek relative to the first offset of the partition.
pub const KAFKA_SEEK_START: i32 = 0;
/// Seek to an absolute offset.
pub const KAFKA_SEEK_ABSOLUTE: i32 = 1;
/// Seek relative to the last offset (the high watermark).
pub const KAFKA_SEEK_END: i32 = 2;
/// Seek relative to the current offset.
pub const KAFKA_SEEK_CURRENT: i32 = 3;
/// OR into `whence` to skip checking that the offset is inside the partition.
pub const KAFKA_SEEK_DONT_CHECK: i32 = 1073741824;

/// A connection to one broker. All functions may be called from several threads at once,
/// except kafka_conn_close(), which must be the last call (fire the cancel tokens of calls still
/// blocked on other threads first). A broker answers one connection's requests in order, so a
/// call made after an abandoned (timed out or cancelled) fetch waits for that fetch's max_wait.
pub struct kafka_conn_t {
    _private: [u8; 0],
}

impl Handle for kafka_conn_t {
    type Inner = Conn;
    const ARG: &'static str = "conn";
    const NAME: &'static str = "conn";
}

fn run<T>(
    timeout: Option<Duration>,
    cancel: *const kafka_cancel_t,
    fut: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    block_on(fut, timeout, unsafe { token(cancel)? })
}

/// The shape of most read calls: borrow the conn, check the out-pointer, run `f` within the
/// conn's read deadline and the call's limits, convert the result and write it out.
fn read_into<T, U>(
    func: &'static str,
    conn: *const kafka_conn_t,
    timeout_ms: i32,
    cancel: *const kafka_cancel_t,
    out: *mut U,
    call: impl for<'c> FnOnce(&'c Conn) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<T>> + 'c>>,
    convert: impl FnOnce(T) -> U,
) -> kafka_err_t {
    guard(func, || unsafe {
        let c = borrow(conn)?;
        check_out(out, "out")?;
        let value = run(c.read_timeout(timeout_from_ms(timeout_ms)), cancel, call(c))?;
        *out = convert(value);
        Ok(())
    })
}

fn strings(list: *const *const c_char, n: usize, what: &str) -> Result<Vec<String>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    if list.is_null() {
        return Err(Error::invalid_arg(format!("{what} is NULL with count {n}")));
    }
    unsafe { super::handle::c_array(list, n, what) }?
        .iter()
        .enumerate()
        .map(|(i, s)| unsafe { c_str(*s, &format!("{what}[{i}]")) }.map(str::to_string))
        .collect()
}

/// Connects to the broker at `addr` ("host:port") using `cfg` (client.id, timeouts, TLS and SASL
/// settings...).
///
/// Returns: KAFKA_ERR_CONFIG for a bad setting; KAFKA_ERR_TLS, KAFKA_ERR_AUTHENTICATION or Kafka's
/// SASL codes (58 SASL_AUTHENTICATION_FAILED, 33 UNSUPPORTED_SASL_MECHANISM) when the handshake
/// fails; KAFKA_ERR_TIMED_OUT after `timeout_ms` (-1 = no limit) or the connection's deadline;
/// KAFKA_ERR_CANCELLED when `cancel` (may be NULL) fires; KAFKA_ERR_TRANSPORT when the connection
/// fails.
///
/// Ownership: `*out` belongs to the caller until kafka_conn_close(). `cfg` and `addr` are copied.
///
/// Threads: blocks the calling thread; any thread, also while other calls use the connection.
#[no_mangle]
pub extern "C" fn kafka_conn_dial(
    cfg: *const kafka_config_t,
    addr: *const c_char,
    timeout_ms: i32,
    cancel: *const kafka_cancel_t,
    out: *mut *mut kafka_conn_t,
) -> kafka_err_t {
    guard("kafka_conn_dial", || unsafe {
        check_out(out, "out")?;
        let settings = ConnSettings::from_config(config_ref(cfg)?)?;
        let addr = c_str(addr, "addr")?;
        let conn = run(timeout_from_ms(timeout_ms), cancel, Conn::dial(addr, settings))?;
        *out = handle::into_raw::<kafka_conn_t>(conn);
        Ok(())
    })
}

/// Asks the broker at `addr` which broker leads `topic`/`partition`, connects to it and binds the
/// connection to that partition (reads start at the first offset). If the topic does not exist and
/// `allow.auto.create.topics` is true (the default) and the broker allows it, the topic is created
/// and the call waits for its leader.
///
/// Returns: as kafka_conn_dial(); UNKNOWN_TOPIC_OR_PARTITION (3) or another broker error for the
/// lookup.
///
/// Ownership: as kafka_conn_dial().
///
/// Threads: blocks the calling thread; any thread, also while other calls use the connection.
#[no_mangle]
pub extern "C" fn kafka_conn_dial_leader(
    cfg: *const kafka_config_t,
    addr: *const c_char,
    topic: *const c_char,
    partition: i32,
    timeout_ms: i32,
    cancel: *const kafka_cancel_t,
    out: *mut *mut kafka_conn_t,
) -> kafka_err_t {
    guard("kafka_conn_dial_leader", || unsafe {
        check_out(out, "out")?;
        let settings = ConnSettings::from_config(config_ref(cfg)?)?;
        let addr = c_str(addr, "addr")?;
        let topic = c_str(topic, "topic")?;
        let conn =
            run(timeout_from_ms(timeout_ms), cancel, Conn::dial_leader(addr, topic, partition, settings))?;
        *out = handle::into_raw::<kafka_conn_t>(conn);
        Ok(())
    })
}

/// The controller broker as a one-entry list in `*out` (dial kafka_broker_list_addr(list, 0) to
/// send admin requests to it).
///
/// Returns: KAFKA_ERR_TIMED_OUT after `timeout_ms` (-1 = no limit) or the connection's deadline;
/// KAFKA_ERR_CANCELLED when `cancel` (may be NULL) fires; KAFKA_ERR_TRANSPORT when the connection
/// fails.
///
/// Ownership: `*out` belongs to the caller until kafka_broker_list_free().
///
/// Threads: blocks the calling thread; any thread, also while other calls use the connection.
#[no_mangle]
pub extern "C" fn kafka_conn_controller(
    conn: *const kafka_conn_t,
    timeout_ms: i32,
    cancel: *const kafka_cancel_t,
    out: *mut *mut kafka_broker_list_t,
) -> kafka_err_t {
    read_into(
        "kafka_conn_controller",
        conn,
        timeout_ms,
        cancel,
        out,
        |c| Box::pin(c.controller()),
        |b| broker_list::into_c(vec![b]),
    )
}

/// Every broker of the cluster, in `*out`.
///
/// Returns: KAFKA_ERR_TIMED_OUT after `timeout_ms` (-1 = no limit) or the connection's deadline;
/// KAFKA_ERR_CANCELLED when `cancel` (may be NULL) fires; KAFKA_ERR_TRANSPORT when the connection
/// fails.
///
/// Ownership: `*out` belongs to the caller until kafka_broker_list_free().
///
/// Threads: blocks the calling thread; any thread, also while other calls use the connection.
#[no_mangle]
pub extern "C" fn kafka_conn_brokers(
    conn: *const kafka_conn_t,
    timeout_ms: i32,
    cancel: *const kafka_cancel_t,
    out: *mut *mut kafka_broker_list_t,
) -> kafka_err_t {
    read_into(
        "kafka_conn_brokers",
        conn,
        timeout_ms,
        cancel,
        out,
        |c| Box::pin(c.brokers()),
        broker_list::into_c,
    )
}

/// The partitions of the `count` topics in `topics`, or of every topic when `count` is 0 (then
/// `topics` may be NULL), in `*out`.
///
/// Returns: UNKNOWN_TOPIC_OR_PARTITION (3) when a named topic does not exist; KAFKA_ERR_TIMED_OUT
/// after `timeout_ms` (-1 = no limit) or the connection's deadline; KAFKA_ERR_CANCELLED when
/// `cancel` (may be NULL) fires; KAFKA_ERR_TRANSPORT when the connection fails.
///
/// Ownership: `*out` belongs to the caller until kafka_partition_list_free(). `topics` is read
/// during the call only.
///
/// Threads: blocks the calling thread; any thread, also while other calls use the connection.
#[no_mangle]
pub extern "C" fn kafka_conn_read_partitions(
    conn: *const kafka_conn_t,
    topics: *const *const c_char,
    count: usize,
    timeout_ms: i32,
    cancel: *const kafka_cancel_t,
    out: *mut *mut kafka_partition_list_t,
) -> kafka_err_t {
    guard("kafka_conn_read_partitions", || unsafe {
        let c = borrow(conn)?;
        check_out(out, "out")?;
        let names = strings(topics, count, "topics")?;
        let parts = run(c.read_timeout(timeout_from_ms(timeout_ms)), cancel, c.read_partitions(&names))?;
        *out = partition_list::into_c(parts);
        Ok(())
    })
}

/// Creates `count` topics. A topic that already exists is not an error. The broker waits up to
/// `timeout_ms` for the creation (60 s when -1).
///
/// Returns: the broker's error for a topic it refuses (e.g. INVALID_REPLICATION_FACTOR (38));
/// KAFKA_ERR_TIMED_OUT after `timeout_ms` (-1 = no limit) or the connection's deadline;
/// KAFKA_ERR_CANCELLED when `cancel` (may be NULL) fires; KAFKA_ERR_TRANSPORT when the connection
/// fails.
///
/// Ownership: the kafka_new_topic_t objects stay the caller's (free them with
/// kafka_new_topic_free()).
///
/// Threads: blocks the calling thread; any thread, also while other calls use the connection.
#[no_mangle]
pub extern "C" fn kafka_conn_create_topics(
    conn: *const kafka_conn_t,
    topics: *const *const kafka_new_topic_t,
    count: usize,
    timeout_ms: i32,
    cancel: *const kafka_cancel_t,
) -> kafka_err_t {
    guard("kafka_conn_create_topics", || unsafe {
        let c = borrow(conn)?;
        let specs = handle::c_array(topics, count, "topics")?
            .iter()
            .enumerate()
            .map(|(i, t)| {
                if t.is_null() {
                    return Err(Error::invalid_arg(format!("topics[{i}] is NULL")));
                }
                borrow(*t).cloned()
            })
            .collect::<Result<Vec<_>>>()?;
        let timeout = timeout_from_ms(timeout_ms);
        let broker_wait = timeout.unwrap_or(Duration::from_secs(60));
        run(c.write_timeout(timeout), cancel, c.create_topics(&specs, broker_wait))
    })
}

/// Deletes the `count` topics named in `topics`.
///
/// Returns: the broker's error for a topic it cannot delete; KAFKA_ERR_TIMED_OUT after `timeout_ms`
/// (-1 = no limit) or the connection's deadline; KAFKA_ERR_CANCELLED when `cancel` (may be NULL)
/// fires; KAFKA_ERR_TRANSPORT when the connection fails.
///
/// Threads: blocks the calling thread; any thread, also while other calls use the connection.
#[no_mangle]
pub extern "C" fn kafka_conn_delete_topics(
    conn: *const kafka_conn_t,
    topics: *const *const c_char,
    count: usize,
    timeout_ms: i32,
    cancel: *const kafka_cancel_t,
) -> kafka_err_t {
    guard("kafka_conn_delete_topics", || unsafe {
        let c = borrow(conn)?;
        if count == 0 {
            return Err(Error::invalid_arg("count is 0: topics must hold at least one name"));
        }
        let names = strings(topics, count, "topics")?;
        let timeout = timeout_from_ms(timeout_ms);
        run(
            c.write_timeout(timeout),
            cancel,
            c.delete_topics(&names, timeout.unwrap_or(Duration::from_secs(60))),
        )
    })
}

/// Sets the acknowledgements writes wait for: -1 all in-sync replicas (the default), 1 the leader
/// only, 0 none (then kafka_conn_write_messages reports base offset -1). Any other value is
/// KAFKA_ERR_INVALID_ARG.
///
/// Threads: any thread.
#[no_mangle]
pub extern "C" fn kafka_conn_set_required_acks(conn: *const kafka_conn_t, acks: i32) -> kafka_err_t {
    guard("kafka_conn_set_required_acks", || unsafe {
        let acks = i16::try_from(acks)
            .map_err(|_| Error::invalid_arg(format!("acks is {acks}: use -1 (all), 0 or 1")))?;
        borrow(conn)?.set_required_acks(acks)
    })
}

/// Writes `count` messages to the connection's partition as one record batch compressed with
/// `codec` (KAFKA_COMPRESSION_*). The messages' `topic` and `partition` fields are ignored. On
/// success, if not NULL, `*base_offset` is the offset of the first message (-1 with acks 0).
///
/// Returns: KAFKA_ERR_STATE if the connection is not bound to a partition (dial it with
/// kafka_conn_dial_leader); the broker's error for the partition (e.g. NOT_LEADER_OR_FOLLOWER (6),
/// MESSAGE_TOO_LARGE (10)); KAFKA_ERR_TIMED_OUT after `timeout_ms` (-1 = no limit) or the
/// connection's deadline; KAFKA_ERR_CANCELLED when `cancel` (may be NULL) fires;
/// KAFKA_ERR_TRANSPORT when the connection fails.
///
/// Ownership: `msgs` and every byte they point to are copied during the call.
///
/// Threads: blocks the calling thread; any thread, also while other calls use the connection.
#[no_mangle]
pub extern "C" fn kafka_conn_write_messages(
    conn: *const kafka_conn_t,
    msgs: *const kafka_msg_t,
    count: usize,
    codec: i32,
    timeout_ms: i32,
    cancel: *const kafka_cancel_t,
    base_offset: *mut i64,
) -> kafka_err_t {
    guard("kafka_conn_write_messages", || unsafe {
        let c = borrow(conn)?;
        let codec = compression::from_c(codec)?;
        let batch = BorrowedBatch::new(msgs, count)?;
        let msgs = batch.all();
        let timeout = c.write_timeout(timeout_from_ms(timeout_ms));
        let broker_wait = timeout.unwrap_or(Duration::from_secs(30));
        let r = run(timeout, cancel, c.write_messages(&msgs, codec, broker_wait))?;
        if !base_offset.is_null() {
            *base_offset = r.base_offset;
        }
        Ok(())
    })
}

/// Fetches a batch from the current offset: the broker replies once it has `min_bytes` or after
/// `max_wait_ms`, with up to about `max_bytes`. Read it with kafka_batch_next(); reading moves the
/// connection's offset past each message returned.
///
/// Returns: KAFKA_ERR_STATE if the connection is not bound to a partition (dial it with
/// kafka_conn_dial_leader); the broker's error for the partition (e.g. OFFSET_OUT_OF_RANGE (1));
/// KAFKA_ERR_TIMED_OUT after `timeout_ms` (-1 = no limit) or the connection's deadline;
/// KAFKA_ERR_CANCELLED when `cancel` (may be NULL) fires; KAFKA_ERR_TRANSPORT when the connection
/// fails.
///
/// Ownership: `*out` belongs to the caller until kafka_batch_close().
///
/// Threads: blocks the calling thread; any thread, also while other calls use the connection. A
/// later request on this connection waits for an abandoned fetch's `max_wait_ms` (see
/// kafka_conn_t).
#[no_mangle]
pub extern "C" fn kafka_conn_read_batch(
    conn: *const kafka_conn_t,
    min_bytes: i32,
    max_bytes: i32,
    max_wait_ms: i32,
    timeout_ms: i32,
    cancel: *const kafka_cancel_t,
    out: *mut *mut kafka_batch_t,
) -> kafka_err_t {
    guard("kafka_conn_read_batch", || unsafe {
        let c = borrow(conn)?;
        check_out(out, "out")?;
        let max_wait = Duration::from_millis(max_wait_ms.max(0) as u64);
        let timeout = c.read_timeout(timeout_from_ms(timeout_ms));
        let b = run(timeout, cancel, c.read_batch(min_bytes, max_bytes, max_wait, false))?;
        *out = into_c_batch(b);
        Ok(())
    })
}

/// Reads the next single message (kafka-go's ReadMessage): fetches up to `max_bytes` and returns
/// the first message at or after the current offset in `*out`, waiting up to `timeout_ms` for one
/// to arrive.
///
/// Returns: KAFKA_ERR_TIMED_OUT if none arrives in time; KAFKA_ERR_STATE if the connection is not
/// bound to a partition (dial it with kafka_conn_dial_leader); the broker's error for the
/// partition; KAFKA_ERR_CANCELLED when `cancel` (may be NULL) fires; KAFKA_ERR_TRANSPORT.
///
/// Ownership: `*out` belongs to the caller until kafka_message_free() (a zero-copy view into the
/// fetch buffer, valid after the connection is closed).
///
/// Threads: blocks the calling thread; any thread, also while other calls use the connection.
#[no_mangle]
pub extern "C" fn kafka_conn_read_message(
    conn: *const kafka_conn_t,
    max_bytes: i32,
    timeout_ms: i32,
    cancel: *const kafka_cancel_t,
    out: *mut *mut kafka_message_t,
) -> kafka_err_t {
    guard("kafka_conn_read_message", || unsafe {
        let c = borrow(conn)?;
        check_out(out, "out")?;
        let timeout = c.read_timeout(timeout_from_ms(timeout_ms));
        let fut = async {
            loop {
                let mut b = c.read_batch(1, max_bytes, Duration::from_millis(500), false).await?;
                if let Some(m) = b.next_message()? {
                    let topic = std::sync::Arc::new(std::ffi::CString::new(b.topic()).unwrap_or_default());
                    return Ok((m, topic));
                }
            }
        };
        let (m, topic) = run(timeout, cancel, fut)?;
        *out = into_c(m, topic);
        Ok(())
    })
}

/// The first offset of the bound partition (the log start) in `*offset`.
///
/// Returns: KAFKA_ERR_STATE if the connection is not bound to a partition (dial it with
/// kafka_conn_dial_leader); the broker's error for the partition; KAFKA_ERR_TIMED_OUT after
/// `timeout_ms` (-1 = no limit) or the connection's deadline; KAFKA_ERR_CANCELLED when `cancel`
/// (may be NULL) fires; KAFKA_ERR_TRANSPORT when the connection fails.
///
/// Threads: blocks the calling thread; any thread, also while other calls use the connection.
#[no_mangle]
pub extern "C" fn kafka_conn_first_offset(
    conn: *const kafka_conn_t,
    timeout_ms: i32,
    cancel: *const kafka_cancel_t,
    offset: *mut i64,
) -> kafka_err_t {
    read_into(
        "kafka_conn_first_offset",
        conn,
        timeout_ms,
        cancel,
        offset,
        |c| Box::pin(c.read_first_offset()),
        |o| o,
    )
}

/// The last offset of the bound partition (the high watermark: the offset the next message will
/// get) in `*offset`.
///
/// Returns: KAFKA_ERR_STATE if the connection is not bound to a partition (dial it with
/// kafka_conn_dial_leader); the broker's error for the partition; KAFKA_ERR_TIMED_OUT after
/// `timeout_ms` (-1 = no limit) or the connection's deadline; KAFKA_ERR_CANCELLED when `cancel`
/// (may be NULL) fires; KAFKA_ERR_TRANSPORT when the connection fails.
///
/// Threads: blocks the calling thread; any thread, also while other calls use the connection.
#[no_mangle]
pub extern "C" fn kafka_conn_last_offset(
    conn: *const kafka_conn_t,
    timeout_ms: i32,
    cancel: *const kafka_cancel_t,
    offset: *mut i64,
) -> kafka_err_t {
    read_into(
        "kafka_conn_last_offset",
        conn,
        timeout_ms,
        cancel,
        offset,
        |c| Box::pin(c.read_last_offset()),
        |o| o,
    )
}

/// The first and last offsets of the bound partition, in `*first` and `*last`.
///
/// Returns: KAFKA_ERR_STATE if the connection is not bound to a partition (dial it with
/// kafka_conn_dial_leader); the broker's error for the partition; KAFKA_ERR_TIMED_OUT after
/// `timeout_ms` (-1 = no limit) or the connection's deadline; KAFKA_ERR_CANCELLED when `cancel`
/// (may be NULL) fires; KAFKA_ERR_TRANSPORT when the connection fails.
///
/// Threads: blocks the calling thread; any thread, also while other calls use the connection.
#[no_mangle]
pub extern "C" fn kafka_conn_offsets(
    conn: *const kafka_conn_t,
    timeout_ms: i32,
    cancel: *const kafka_cancel_t,
    first: *mut i64,
    last: *mut i64,
) -> kafka_err_t {
    guard("kafka_conn_offsets", || unsafe {
        let c = borrow(conn)?;
        check_out(first, "first")?;
        check_out(last, "last")?;
        let (f, l) = run(c.read_timeout(timeout_from_ms(timeout_ms)), cancel, c.read_offsets())?;
        *first = f;
        *last = l;
        Ok(())
    })
}

/// The offset of the first message whose timestamp is at or after `unix_ms` (milliseconds since the
/// epoch), or the last offset if there is none, in `*offset`.
///
/// Returns: KAFKA_ERR_STATE if the connection is not bound to a partition (dial it with
/// kafka_conn_dial_leader); the broker's error for the partition; KAFKA_ERR_TIMED_OUT after
/// `timeout_ms` (-1 = no limit) or the connection's deadline; KAFKA_ERR_CANCELLED when `cancel`
/// (may be NULL) fires; KAFKA_ERR_TRANSPORT when the connection fails.
///
/// Threads: blocks the calling thread; any thread, also while other calls use the connection.
#[no_mangle]
pub extern "C" fn kafka_conn_offset_at(
    conn: *const kafka_conn_t,
    unix_ms: i64,
    timeout_ms: i32,
    cancel: *const kafka_cancel_t,
    offset: *mut i64,
) -> kafka_err_t {
    read_into(
        "kafka_conn_offset_at",
        conn,
        timeout_ms,
        cancel,
        offset,
        |c| Box::pin(c.read_offset_at(unix_ms)),
        |o| o,
    )
}

/// Moves the read position (kafka-go's Seek): `whence` is KAFKA_SEEK_START/END (relative to the
/// first/last offset), KAFKA_SEEK_ABSOLUTE or KAFKA_SEEK_CURRENT, optionally ORed with
/// KAFKA_SEEK_DONT_CHECK. The new absolute offset goes to `*new_offset` if it is not NULL.
///
/// Returns: OFFSET_OUT_OF_RANGE (1) for a target outside the partition (unless
/// KAFKA_SEEK_DONT_CHECK); KAFKA_ERR_STATE if the connection is not bound to a partition (dial it
/// with kafka_conn_dial_leader); KAFKA_ERR_TIMED_OUT after `timeout_ms` (-1 = no limit) or the
/// connection's deadline; KAFKA_ERR_CANCELLED when `cancel` (may be NULL) fires;
/// KAFKA_ERR_TRANSPORT when the connection fails.
///
/// Threads: blocks the calling thread; any thread, also while other calls use the connection.
#[no_mangle]
pub extern "C" fn kafka_conn_seek(
    conn: *const kafka_conn_t,
    offset: i64,
    whence: i32,
    timeout_ms: i32,
    cancel: *const kafka_cancel_t,
    new_offset: *mut i64,
) -> kafka_err_t {
    guard("kafka_conn_seek", || unsafe {
        let c = borrow(conn)?;
        if !matches!(
            whence & !KAFKA_SEEK_DONT_CHECK,
            KAFKA_SEEK_START | KAFKA_SEEK_ABSOLUTE | KAFKA_SEEK_END | KAFKA_SEEK_CURRENT
        ) {
            return Err(Error::invalid_arg(format!(
                "whence is {whence}: use KAFKA_SEEK_START, _ABSOLUTE, _END or _CURRENT, optionally | \
                 KAFKA_SEEK_DONT_CHECK"
            )));
        }
        let o = run(c.read_timeout(timeout_from_ms(timeout_ms)), cancel, c.seek(offset, whence))?;
        if !new_offset.is_null() {
            *new_offset = o;
        }
        Ok(())
    })
}

/// The current read position: `*offset` and how it is expressed in `*whence` (KAFKA_SEEK_ABSOLUTE,
/// or KAFKA_SEEK_START/END with offset 0 before the first read resolves it). No I/O.
#[no_mangle]
pub extern "C" fn kafka_conn_offset(
    conn: *const kafka_conn_t,
    offset: *mut i64,
    whence: *mut i32,
) -> kafka_err_t {
    guard("kafka_conn_offset", || unsafe {
        let c = borrow(conn)?;
        check_out(offset, "offset")?;
        check_out(whence, "whence")?;
        let (o, w) = c.offset();
        *offset = o;
        *whence = w;
        Ok(())
    })
}

fn deadline(unix_ms: i64) -> Option<Instant> {
    if unix_ms <= 0 {
        return None;
    }
    let left = Duration::from_millis(unix_ms.saturating_sub(crate::runtime::now_ms()).max(0) as u64);
    Instant::now().checked_add(left)
}

/// Sets both the read and the write deadline: an absolute time in milliseconds since the epoch
/// after which calls fail with KAFKA_ERR_TIMED_OUT (0 = no deadline). As Go's SetDeadline. A call's
/// own `timeout_ms` still applies: the earlier wins.
///
/// Threads: any thread.
#[no_mangle]
pub extern "C" fn kafka_conn_set_deadline(conn: *const kafka_conn_t, unix_ms: i64) -> kafka_err_t {
    guard("kafka_conn_set_deadline", || unsafe {
        let c = borrow(conn)?;
        c.set_read_deadline(deadline(unix_ms));
        c.set_write_deadline(deadline(unix_ms));
        Ok(())
    })
}

/// Sets the deadline for reads (fetches, offsets, metadata): milliseconds since the epoch, 0 =
/// none.
///
/// Threads: any thread.
#[no_mangle]
pub extern "C" fn kafka_conn_set_read_deadline(conn: *const kafka_conn_t, unix_ms: i64) -> kafka_err_t {
    guard("kafka_conn_set_read_deadline", || unsafe {
        borrow(conn)?.set_read_deadline(deadline(unix_ms));
        Ok(())
    })
}

/// Sets the deadline for writes (produce, topic admin): milliseconds since the epoch, 0 = none.
///
/// Threads: any thread.
#[no_mangle]
pub extern "C" fn kafka_conn_set_write_deadline(conn: *const kafka_conn_t, unix_ms: i64) -> kafka_err_t {
    guard("kafka_conn_set_write_deadline", || unsafe {
        borrow(conn)?.set_write_deadline(deadline(unix_ms));
        Ok(())
    })
}

/// Closes the connection and frees the handle. NULL is ignored.
///
/// Ownership: messages read from it stay valid until kafka_message_free().
///
/// Threads: must be the last call on the connection: no other thread may be in it (fire the cancel
/// tokens of calls still blocked and wait for them to return).
#[no_mangle]
pub extern "C" fn kafka_conn_close(conn: *mut kafka_conn_t) {
    guard_void(|| {
        if let Some(c) = unsafe { handle::free(conn) }? {
            c.close();
        }
        Ok::<(), Error>(())
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::code;

    #[test]
    fn seek_constants_match_the_conn_layer() {
        use crate::conn;
        assert_eq!(KAFKA_SEEK_START, conn::SEEK_START);
        assert_eq!(KAFKA_SEEK_ABSOLUTE, conn::SEEK_ABSOLUTE);
        assert_eq!(KAFKA_SEEK_END, conn::SEEK_END);
        assert_eq!(KAFKA_SEEK_CURRENT, conn::SEEK_CURRENT);
        assert_eq!(KAFKA_SEEK_DONT_CHECK, conn::SEEK_DONT_CHECK);
    }

    #[test]
    fn null_arguments_are_invalid_arg_not_crashes() {
        let mut out = std::ptr::null_mut();
        assert_eq!(
            kafka_conn_dial(std::ptr::null(), c"x:1".as_ptr(), 10, std::ptr::null(), &mut out),
            code::INVALID_ARG
        );
        assert_eq!(
            kafka_conn_seek(std::ptr::null(), 0, 0, 0, std::ptr::null(), std::ptr::null_mut()),
            code::INVALID_ARG
        );
        kafka_conn_close(std::ptr::null_mut());
    }
}
