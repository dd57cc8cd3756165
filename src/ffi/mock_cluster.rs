//! `kafka_mock_cluster_t`: an in-process mock Kafka cluster for testing programs without a broker
//! (docs/mock-cluster.md). It serves the real protocol on 127.0.0.1 ports and injects faults.

use std::ffi::c_char;

use super::error::kafka_err_t;
use super::handle::{self, borrow, c_str, check_out, copy_to_buffer, Handle};
use super::panic::{guard, guard_void};
use crate::error::{Error, Result};
use crate::mock::{Corruption, MockCluster};

/// A running mock cluster: brokers 1..=N on ephemeral 127.0.0.1 ports. Created with
/// kafka_mock_cluster_new(), stopped and freed with kafka_mock_cluster_destroy(). Its functions
/// may be called from any thread.
pub struct kafka_mock_cluster_t {
    _private: [u8; 0],
}

impl Handle for kafka_mock_cluster_t {
    type Inner = MockCluster;
    const NAME: &'static str = "mock cluster";
    const ARG: &'static str = "mc";
}

/// API keys for the fault-injection functions (the Kafka protocol's numbers).
pub const KAFKA_API_PRODUCE: i16 = 0;
pub const KAFKA_API_FETCH: i16 = 1;
pub const KAFKA_API_LIST_OFFSETS: i16 = 2;
pub const KAFKA_API_METADATA: i16 = 3;
pub const KAFKA_API_OFFSET_COMMIT: i16 = 8;
pub const KAFKA_API_OFFSET_FETCH: i16 = 9;
pub const KAFKA_API_FIND_COORDINATOR: i16 = 10;
pub const KAFKA_API_JOIN_GROUP: i16 = 11;
pub const KAFKA_API_HEARTBEAT: i16 = 12;
pub const KAFKA_API_LEAVE_GROUP: i16 = 13;
pub const KAFKA_API_SYNC_GROUP: i16 = 14;
pub const KAFKA_API_API_VERSIONS: i16 = 18;
pub const KAFKA_API_CREATE_TOPICS: i16 = 19;
pub const KAFKA_API_DELETE_TOPICS: i16 = 20;
pub const KAFKA_API_INIT_PRODUCER_ID: i16 = 22;

/// kafka_mock_cluster_append_corrupt_batch(): the batch's CRC is wrong.
pub const KAFKA_MOCK_CORRUPT_CRC: i32 = 0;
/// kafka_mock_cluster_append_corrupt_batch(): valid CRC, says gzip, the payload is not gzip.
pub const KAFKA_MOCK_CORRUPT_COMPRESSION: i32 = 1;
/// kafka_mock_cluster_append_corrupt_batch(): valid CRC, uncompressed, records undecodable.
pub const KAFKA_MOCK_CORRUPT_RECORDS: i32 = 2;

fn mock<'a>(mc: *const kafka_mock_cluster_t) -> Result<&'a MockCluster> {
    unsafe { borrow(mc) }
}

fn served_api(api_key: i16) -> Result<i16> {
    let known = [0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 18, 19, 20, 22];
    if known.contains(&api_key) {
        Ok(api_key)
    } else {
        Err(Error::invalid_arg(format!("api key {api_key} is not served by the mock cluster")))
    }
}

fn count(n: i32, what: &str) -> Result<usize> {
    usize::try_from(n)
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| Error::invalid_arg(format!("{what} must be positive, not {n}")))
}

/// Kafka error codes from C (KAFKA_ERR_* broker codes: -1 or 1..=32767).
unsafe fn codes(p: *const kafka_err_t, n: usize) -> Result<Vec<i16>> {
    if p.is_null() || n == 0 {
        return Err(Error::invalid_arg("codes is NULL or count is 0"));
    }
    super::handle::c_array(p, n, "codes")?
        .iter()
        .map(|c| {
            i16::try_from(*c)
                .ok()
                .filter(|c| *c == -1 || *c > 0)
                .ok_or_else(|| Error::invalid_arg(format!("{c} is not a Kafka broker error code")))
        })
        .collect()
}

/// Starts a mock cluster of `broker_count` brokers (1..64) with ids 1..=broker_count, listening on
/// ephemeral 127.0.0.1 ports. The result goes to `*out`.
///
/// Returns: KAFKA_ERR_INVALID_ARG also for a count outside 1..64; KAFKA_ERR_TRANSPORT if a port
/// cannot be bound.
///
/// Ownership: `*out` belongs to the caller until kafka_mock_cluster_destroy().
///
/// Threads: the brokers run on the library's I/O runtime; the cluster's functions may be called
/// from any thread.
#[no_mangle]
pub extern "C" fn kafka_mock_cluster_new(
    broker_count: i32,
    out: *mut *mut kafka_mock_cluster_t,
) -> kafka_err_t {
    guard("kafka_mock_cluster_new", || unsafe {
        check_out(out, "out")?;
        let n = usize::try_from(broker_count)
            .ok()
            .filter(|n| (1..=64).contains(n))
            .ok_or_else(|| Error::invalid_arg(format!("broker_count must be 1..64, not {broker_count}")))?;
        let m = MockCluster::start(n)?;
        *out = handle::into_raw::<kafka_mock_cluster_t>(m);
        Ok(())
    })
}

/// Copies the brokers' addresses ("127.0.0.1:port,...", for bootstrap.servers) into `buf` of
/// `*size` bytes, NUL-terminated.
///
/// Returns: KAFKA_ERR_BUFFER_TOO_SMALL (nothing copied) if `buf` is NULL or too small. `*size`
/// (required) receives the size needed, NUL included, in both cases.
///
/// Ownership: `buf` is the caller's.
#[no_mangle]
pub extern "C" fn kafka_mock_cluster_bootstrap_servers(
    mc: *const kafka_mock_cluster_t,
    buf: *mut c_char,
    size: *mut usize,
) -> kafka_err_t {
    guard("kafka_mock_cluster_bootstrap_servers", || unsafe {
        copy_to_buffer(&mock(mc)?.bootstrap(), buf, size)
    })
}

/// Creates topic `topic` with `partitions` partitions; leaders are spread over the brokers.
#[no_mangle]
pub extern "C" fn kafka_mock_cluster_create_topic(
    mc: *const kafka_mock_cluster_t,
    topic: *const c_char,
    partitions: i32,
) -> kafka_err_t {
    guard("kafka_mock_cluster_create_topic", || unsafe {
        let m = mock(mc)?;
        m.create_topic(c_str(topic, "topic")?, partitions)
    })
}

/// Whether Metadata requests that allow it create unknown topics (on by default), and with how
/// many partitions.
#[no_mangle]
pub extern "C" fn kafka_mock_cluster_set_auto_create(
    mc: *const kafka_mock_cluster_t,
    enabled: bool,
    partitions: i32,
) -> kafka_err_t {
    guard("kafka_mock_cluster_set_auto_create", || {
        let m = mock(mc)?;
        count(partitions, "partitions")?;
        m.set_auto_create(enabled, partitions);
        Ok(())
    })
}

/// Moves the leadership of `topic`/`partition` to broker `broker_id`, or makes the partition
/// leaderless with -1. The old leader answers NOT_LEADER_OR_FOLLOWER for it.
///
/// Returns: KAFKA_ERR_NOT_FOUND for an unknown broker or partition.
#[no_mangle]
pub extern "C" fn kafka_mock_cluster_set_leader(
    mc: *const kafka_mock_cluster_t,
    topic: *const c_char,
    partition: i32,
    broker_id: i32,
) -> kafka_err_t {
    guard("kafka_mock_cluster_set_leader", || unsafe {
        let m = mock(mc)?;
        m.set_leader(c_str(topic, "topic")?, partition, broker_id)
    })
}

/// The next `count` requests of `api_key` (KAFKA_API_*) fail with `codes[0..count]` (broker
/// error codes such as KAFKA_ERR_NOT_LEADER_OR_FOLLOWER), one each, in order. A failed request
/// has no effect; every entry of its response carries the code.
#[no_mangle]
pub extern "C" fn kafka_mock_cluster_push_request_errors(
    mc: *const kafka_mock_cluster_t,
    api_key: i16,
    codes: *const kafka_err_t,
    count: usize,
) -> kafka_err_t {
    guard("kafka_mock_cluster_push_request_errors", || unsafe {
        let m = mock(mc)?;
        let api = served_api(api_key)?;
        m.push_errors(api, &self::codes(codes, count)?);
        Ok(())
    })
}

/// Like kafka_mock_cluster_push_request_errors(), for one partition: the next `count` requests
/// of `api_key` naming `topic`/`partition` get the codes in that partition's entry; the other
/// partitions are served. For Produce, Fetch, ListOffsets, Metadata, OffsetCommit, OffsetFetch.
#[no_mangle]
pub extern "C" fn kafka_mock_cluster_push_partition_errors(
    mc: *const kafka_mock_cluster_t,
    api_key: i16,
    topic: *const c_char,
    partition: i32,
    codes: *const kafka_err_t,
    count: usize,
) -> kafka_err_t {
    guard("kafka_mock_cluster_push_partition_errors", || unsafe {
        let m = mock(mc)?;
        let api = served_api(api_key)?;
        if ![0, 1, 2, 3, 8, 9].contains(&api) {
            return Err(Error::invalid_arg(format!("api key {api} has no partitions")));
        }
        m.push_partition_errors(api, c_str(topic, "topic")?, partition, &self::codes(codes, count)?);
        Ok(())
    })
}

/// Delays every response of broker `broker_id` by `rtt_ms` milliseconds (0: none).
///
/// Returns: KAFKA_ERR_NOT_FOUND for an unknown broker.
#[no_mangle]
pub extern "C" fn kafka_mock_cluster_set_rtt(
    mc: *const kafka_mock_cluster_t,
    broker_id: i32,
    rtt_ms: i32,
) -> kafka_err_t {
    guard("kafka_mock_cluster_set_rtt", || {
        let m = mock(mc)?;
        let ms = u64::try_from(rtt_ms).map_err(|_| Error::invalid_arg("rtt_ms is negative"))?;
        m.set_rtt(broker_id, ms)
    })
}

/// Delays every response of `api_key` by `delay_ms` milliseconds, on every broker (0: none).
#[no_mangle]
pub extern "C" fn kafka_mock_cluster_delay_api(
    mc: *const kafka_mock_cluster_t,
    api_key: i16,
    delay_ms: i32,
) -> kafka_err_t {
    guard("kafka_mock_cluster_delay_api", || {
        let m = mock(mc)?;
        let ms = u64::try_from(delay_ms).map_err(|_| Error::invalid_arg("delay_ms is negative"))?;
        m.delay(served_api(api_key)?, ms);
        Ok(())
    })
}

/// The next `count` requests of `api_key` are never answered, nor is anything after them on the
/// same connection (a broker answers in order).
#[no_mangle]
pub extern "C" fn kafka_mock_cluster_swallow(
    mc: *const kafka_mock_cluster_t,
    api_key: i16,
    count: i32,
) -> kafka_err_t {
    guard("kafka_mock_cluster_swallow", || {
        let m = mock(mc)?;
        m.swallow(served_api(api_key)?, self::count(count, "count")?);
        Ok(())
    })
}

/// The next `count` requests of `api_key` make the broker close the connection unanswered.
#[no_mangle]
pub extern "C" fn kafka_mock_cluster_drop_connections(
    mc: *const kafka_mock_cluster_t,
    api_key: i16,
    count: i32,
) -> kafka_err_t {
    guard("kafka_mock_cluster_drop_connections", || {
        let m = mock(mc)?;
        m.drop_connections(served_api(api_key)?, self::count(count, "count")?);
        Ok(())
    })
}

/// The next `count` requests of `api_key` take effect, then the broker closes the connection
/// instead of answering (a lost acknowledgement).
#[no_mangle]
pub extern "C" fn kafka_mock_cluster_drop_responses(
    mc: *const kafka_mock_cluster_t,
    api_key: i16,
    count: i32,
) -> kafka_err_t {
    guard("kafka_mock_cluster_drop_responses", || {
        let m = mock(mc)?;
        m.drop_responses(served_api(api_key)?, self::count(count, "count")?);
        Ok(())
    })
}

/// Forgets every queued error, swallow, drop and delay.
#[no_mangle]
pub extern "C" fn kafka_mock_cluster_clear_faults(mc: *const kafka_mock_cluster_t) -> kafka_err_t {
    guard("kafka_mock_cluster_clear_faults", || {
        mock(mc)?.clear_faults();
        Ok(())
    })
}

/// Takes broker `broker_id` down: its listener and connections close, new connections are refused;
/// the partitions it leads have no leader until it is up again or moved.
///
/// Returns: KAFKA_ERR_NOT_FOUND for an unknown broker.
#[no_mangle]
pub extern "C" fn kafka_mock_cluster_broker_down(
    mc: *const kafka_mock_cluster_t,
    broker_id: i32,
) -> kafka_err_t {
    guard("kafka_mock_cluster_broker_down", || mock(mc)?.broker_down(broker_id))
}

/// Brings broker `broker_id` back on the same port.
///
/// Returns: KAFKA_ERR_NOT_FOUND for an unknown broker; KAFKA_ERR_TRANSPORT if the port cannot be
/// bound again.
#[no_mangle]
pub extern "C" fn kafka_mock_cluster_broker_up(
    mc: *const kafka_mock_cluster_t,
    broker_id: i32,
) -> kafka_err_t {
    guard("kafka_mock_cluster_broker_up", || mock(mc)?.broker_up(broker_id))
}

/// Appends a deliberately undecodable batch (KAFKA_MOCK_CORRUPT_*) taking `records` offsets to
/// `topic`/`partition`; its base offset goes to `*base_offset`.
///
/// Returns: KAFKA_ERR_NOT_FOUND for an unknown partition.
#[no_mangle]
pub extern "C" fn kafka_mock_cluster_append_corrupt_batch(
    mc: *const kafka_mock_cluster_t,
    topic: *const c_char,
    partition: i32,
    kind: i32,
    records: i32,
    base_offset: *mut i64,
) -> kafka_err_t {
    guard("kafka_mock_cluster_append_corrupt_batch", || unsafe {
        check_out(base_offset, "base_offset")?;
        let m = mock(mc)?;
        let kind = match kind {
            KAFKA_MOCK_CORRUPT_CRC => Corruption::Crc,
            KAFKA_MOCK_CORRUPT_COMPRESSION => Corruption::Compression,
            KAFKA_MOCK_CORRUPT_RECORDS => Corruption::Records,
            k => return Err(Error::invalid_arg(format!("kind is {k}: use a KAFKA_MOCK_CORRUPT_* value"))),
        };
        let n = i32::try_from(count(records, "records")?).unwrap_or(i32::MAX);
        *base_offset = m.append_corrupt_batch(c_str(topic, "topic")?, partition, kind, n)?;
        Ok(())
    })
}

/// The partition's high watermark (the next offset to be written) goes to `*offset`.
///
/// Returns: KAFKA_ERR_NOT_FOUND for an unknown partition.
#[no_mangle]
pub extern "C" fn kafka_mock_cluster_high_watermark(
    mc: *const kafka_mock_cluster_t,
    topic: *const c_char,
    partition: i32,
    offset: *mut i64,
) -> kafka_err_t {
    guard("kafka_mock_cluster_high_watermark", || unsafe {
        check_out(offset, "offset")?;
        *offset = mock(mc)?.high_watermark(c_str(topic, "topic")?, partition)?;
        Ok(())
    })
}

/// How many requests of `api_key` all brokers received (faults included) goes to `*count`.
#[no_mangle]
pub extern "C" fn kafka_mock_cluster_request_count(
    mc: *const kafka_mock_cluster_t,
    api_key: i16,
    count: *mut u64,
) -> kafka_err_t {
    guard("kafka_mock_cluster_request_count", || unsafe {
        check_out(count, "count")?;
        *count = mock(mc)?.request_count(api_key);
        Ok(())
    })
}

/// Stops every broker (closing all connections) and frees the cluster. NULL is ignored.
///
/// Threads: must be the last call on the cluster. Handles connected to it lose their connections
/// and may be closed afterwards.
#[no_mangle]
pub extern "C" fn kafka_mock_cluster_destroy(mc: *mut kafka_mock_cluster_t) {
    guard_void(|| {
        unsafe { handle::free(mc) }?;
        Ok(())
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::config::{kafka_config_free, kafka_config_new};
    use crate::ffi::conn::{
        kafka_conn_close, kafka_conn_dial_leader, kafka_conn_seek, kafka_conn_write_messages,
    };
    use crate::ffi::error::{kafka_last_error_code, last_error_string};
    use crate::ffi::message::kafka_msg_t;
    use std::ptr;

    #[test]
    fn arguments_are_checked_and_the_cluster_runs() {
        let mut mc = ptr::null_mut();
        assert_eq!(kafka_mock_cluster_new(0, &mut mc), crate::error::code::INVALID_ARG);
        assert_eq!(kafka_mock_cluster_new(2, ptr::null_mut()), crate::error::code::INVALID_ARG);
        assert_eq!(kafka_mock_cluster_new(2, &mut mc), 0);
        let mut size = 0usize;
        assert_eq!(
            kafka_mock_cluster_bootstrap_servers(mc, ptr::null_mut(), &mut size),
            crate::error::code::BUFFER_TOO_SMALL
        );
        let mut buf = vec![0 as c_char; size];
        assert_eq!(kafka_mock_cluster_bootstrap_servers(mc, buf.as_mut_ptr(), &mut size), 0);
        let s = unsafe { std::ffi::CStr::from_ptr(buf.as_ptr()) }.to_str().unwrap().to_string();
        assert_eq!(s.split(',').count(), 2);
        assert_eq!(kafka_mock_cluster_create_topic(mc, c"t".as_ptr(), 2), 0);
        assert_ne!(kafka_mock_cluster_create_topic(mc, c"t".as_ptr(), 2), 0);
        assert_eq!(kafka_mock_cluster_set_leader(mc, c"t".as_ptr(), 0, 2), 0);
        assert_eq!(kafka_mock_cluster_set_leader(mc, c"t".as_ptr(), 0, 9), crate::error::code::NOT_FOUND);
        let codes = [6];
        assert_eq!(kafka_mock_cluster_push_request_errors(mc, KAFKA_API_PRODUCE, codes.as_ptr(), 1), 0);
        assert_eq!(
            kafka_mock_cluster_push_request_errors(mc, 99, codes.as_ptr(), 1),
            crate::error::code::INVALID_ARG
        );
        assert_eq!(
            kafka_mock_cluster_push_request_errors(mc, 0, [0].as_ptr(), 1),
            crate::error::code::INVALID_ARG
        );
        assert_eq!(
            kafka_mock_cluster_push_partition_errors(
                mc,
                KAFKA_API_JOIN_GROUP,
                c"t".as_ptr(),
                0,
                codes.as_ptr(),
                1
            ),
            crate::error::code::INVALID_ARG
        );
        let mut base = -1;
        assert_eq!(
            kafka_mock_cluster_append_corrupt_batch(
                mc,
                c"t".as_ptr(),
                1,
                KAFKA_MOCK_CORRUPT_CRC,
                2,
                &mut base
            ),
            0
        );
        assert_eq!(base, 0);
        let mut hw = 0;
        assert_eq!(kafka_mock_cluster_high_watermark(mc, c"t".as_ptr(), 1, &mut hw), 0);
        assert_eq!(hw, 2);
        assert_eq!(
            kafka_mock_cluster_append_corrupt_batch(mc, c"t".as_ptr(), 1, 77, 2, &mut base),
            crate::error::code::INVALID_ARG
        );
        assert_eq!(
            last_error_string(),
            "kafka_mock_cluster_append_corrupt_batch: kind is 77: use a KAFKA_MOCK_CORRUPT_* value"
        );

        // Unknown enum values from C name their argument and do nothing.
        let mut cfg = ptr::null_mut();
        assert_eq!(kafka_config_new(&mut cfg), 0);
        let first = s.split(',').next().unwrap().to_string();
        let addr = std::ffi::CString::new(first).unwrap();
        let mut conn = ptr::null_mut();
        assert_eq!(
            kafka_conn_dial_leader(cfg, addr.as_ptr(), c"t".as_ptr(), 0, 10000, ptr::null(), &mut conn),
            0
        );
        kafka_config_free(cfg);
        let mut off = -5;
        assert_eq!(kafka_conn_seek(conn, 0, 7, 1000, ptr::null(), &mut off), crate::error::code::INVALID_ARG);
        assert_eq!(
            last_error_string(),
            "kafka_conn_seek: whence is 7: use KAFKA_SEEK_START, _ABSOLUTE, _END or _CURRENT, optionally | \
             KAFKA_SEEK_DONT_CHECK"
        );
        assert_eq!(off, -5);
        let msg = kafka_msg_t { value: c"v".as_ptr().cast(), value_len: 1, ..unsafe { std::mem::zeroed() } };
        let mut base = -5;
        assert_eq!(
            kafka_conn_write_messages(conn, &msg, 1, 9, 1000, ptr::null(), &mut base),
            crate::error::code::INVALID_ARG
        );
        assert_eq!(
            last_error_string(),
            "kafka_conn_write_messages: codec is 9: use a KAFKA_COMPRESSION_* value (0..4)"
        );
        assert_eq!(base, -5);
        // A NULL value with a length is not a null value: refused, nothing written.
        let bad = kafka_msg_t { value: ptr::null(), value_len: 4, ..msg };
        assert_eq!(
            kafka_conn_write_messages(conn, &bad, 1, 0, 1000, ptr::null(), &mut base),
            crate::error::code::INVALID_ARG
        );
        assert_eq!(
            last_error_string(),
            "kafka_conn_write_messages: msgs[0].value is NULL but its length is 4"
        );
        let mut hw = -1;
        assert_eq!(kafka_mock_cluster_high_watermark(mc, c"t".as_ptr(), 0, &mut hw), 0);
        assert_eq!(hw, 0, "nothing was written");
        // The NOT_LEADER queued above for the next Produce was not used by the refused calls.
        assert_eq!(kafka_conn_write_messages(conn, &msg, 1, 0, 10000, ptr::null(), &mut base), 6);
        assert_eq!(kafka_conn_write_messages(conn, &msg, 1, 0, 10000, ptr::null(), &mut base), 0);
        assert_eq!(kafka_mock_cluster_high_watermark(mc, c"t".as_ptr(), 0, &mut hw), 0);
        assert_eq!(hw, 1);
        kafka_conn_close(conn);

        assert_eq!(kafka_mock_cluster_broker_down(mc, 1), 0);
        assert_eq!(kafka_mock_cluster_broker_up(mc, 1), 0);
        assert_eq!(kafka_mock_cluster_broker_down(ptr::null(), 1), crate::error::code::INVALID_ARG);
        assert_eq!(kafka_last_error_code(), crate::error::code::INVALID_ARG);
        kafka_mock_cluster_destroy(mc);
        kafka_mock_cluster_destroy(ptr::null_mut());
    }
}
