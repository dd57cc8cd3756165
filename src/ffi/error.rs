//! Error codes for C: `kafka_err_t`, its names and descriptions, and the calling thread's last
//! error detail.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::{c_char, CString};
use std::sync::LazyLock;

use super::panic::guard_value;
use crate::error::{self, code, Error};

/// An error code: `KAFKA_OK` (0), one of Kafka's broker error codes with its protocol number
/// (e.g. 3 = UNKNOWN_TOPIC_OR_PARTITION, -1 = UNKNOWN_SERVER_ERROR), or a local error in
/// -100..-199 (`KAFKA_ERR_*`). Values never change meaning between releases.
#[allow(non_camel_case_types)]
pub type kafka_err_t = i32;

/// Success.
pub const KAFKA_OK: kafka_err_t = 0;
/// Kafka broker error -1: the broker hit an unexpected error.
pub const KAFKA_ERR_UNKNOWN_SERVER_ERROR: kafka_err_t = -1;
/// Kafka broker error 1: the requested offset is outside the log.
pub const KAFKA_ERR_OFFSET_OUT_OF_RANGE: kafka_err_t = 1;
/// Kafka broker error 3: the topic or partition does not exist.
pub const KAFKA_ERR_UNKNOWN_TOPIC_OR_PARTITION: kafka_err_t = 3;
/// Kafka broker error 5: the partition has no leader right now (retriable).
pub const KAFKA_ERR_LEADER_NOT_AVAILABLE: kafka_err_t = 5;
/// Kafka broker error 6: this broker does not lead that partition (retriable).
pub const KAFKA_ERR_NOT_LEADER_OR_FOLLOWER: kafka_err_t = 6;
/// Kafka broker error 7: the broker timed out the request.
pub const KAFKA_ERR_REQUEST_TIMED_OUT: kafka_err_t = 7;
/// Kafka broker error 10: a message is larger than the broker accepts.
pub const KAFKA_ERR_MESSAGE_TOO_LARGE: kafka_err_t = 10;
/// Kafka broker error 22: the consumer-group generation is over (a commit of messages fetched
/// before a rebalance took their partition away).
pub const KAFKA_ERR_ILLEGAL_GENERATION: kafka_err_t = 22;
/// Kafka broker error 33: the listener does not enable the SASL mechanism asked for.
pub const KAFKA_ERR_UNSUPPORTED_SASL_MECHANISM: kafka_err_t = 33;
/// Kafka broker error 36: the topic already exists.
pub const KAFKA_ERR_TOPIC_ALREADY_EXISTS: kafka_err_t = 36;
/// Kafka broker error 41: this broker is not the controller.
pub const KAFKA_ERR_NOT_CONTROLLER: kafka_err_t = 41;
/// Kafka broker error 58: the broker refused the SASL login (wrong user or password); the
/// message starts with "authentication failed".
pub const KAFKA_ERR_SASL_AUTHENTICATION_FAILED: kafka_err_t = 58;
/// Kafka broker error 82: another group member joined with this reader's group.instance.id; this
/// reader left the group for good (every read fails with it; close it).
pub const KAFKA_ERR_FENCED_INSTANCE_ID: kafka_err_t = 82;
/// Local: an argument was invalid (NULL handle, bad value, wrong or dead handle).
///
/// Handles are checked on every call. Every handle's memory starts with a tag naming its type,
/// so a handle of another type (a kafka_config_t* where a kafka_writer_t* is expected, cast
/// through void*) is always reported, never reinterpreted. Writers and readers are also kept in
/// a registry of live handles that is consulted before their memory is read: a call on a closed
/// writer or reader is always reported, unless a new writer (reader) has since been created at
/// the same address, in which case the call acts on that one. The other handles (config,
/// message, cancel, conn, lists, ...) are checked by their tag alone: freeing one overwrites its
/// tag, so a double free or a call after free is reported while the allocator has not reused
/// the memory; once it has, nothing can be promised (AddressSanitizer reports it). A pointer the
/// library never handed out is undefined behaviour.
pub const KAFKA_ERR_INVALID_ARG: kafka_err_t = -100;
/// Local: the operation did not finish within its timeout.
pub const KAFKA_ERR_TIMED_OUT: kafka_err_t = -101;
/// Local: the operation was cancelled through its `kafka_cancel_t`.
pub const KAFKA_ERR_CANCELLED: kafka_err_t = -102;
/// Local: the handle or its connection is closed.
pub const KAFKA_ERR_CLOSED: kafka_err_t = -103;
/// Local: the network connection to a broker failed.
pub const KAFKA_ERR_TRANSPORT: kafka_err_t = -104;
/// Local: TLS handshake or certificate failure.
pub const KAFKA_ERR_TLS: kafka_err_t = -105;
/// Local: SASL authentication failed on this side (e.g. the broker's SCRAM signature is wrong);
/// a login the broker refuses is KAFKA_ERR_SASL_AUTHENTICATION_FAILED.
pub const KAFKA_ERR_AUTHENTICATION: kafka_err_t = -106;
/// Local: the broker and this library share no version of a needed API.
pub const KAFKA_ERR_UNSUPPORTED_VERSION: kafka_err_t = -107;
/// Local: the broker sent bytes that do not decode.
pub const KAFKA_ERR_MALFORMED: kafka_err_t = -108;
/// Local: a bug in this library (including a caught panic).
pub const KAFKA_ERR_INTERNAL: kafka_err_t = -109;
/// Local: a configuration key is unknown or its value invalid.
pub const KAFKA_ERR_CONFIG: kafka_err_t = -110;
/// Local: a batch iterator has no more messages.
pub const KAFKA_ERR_END_OF_BATCH: kafka_err_t = -111;
/// Local: compressing or decompressing failed.
pub const KAFKA_ERR_COMPRESSION: kafka_err_t = -112;
/// Local: the thing asked for does not exist (an index past the end, an unknown broker).
pub const KAFKA_ERR_NOT_FOUND: kafka_err_t = -113;
/// Local: an output buffer is too small.
pub const KAFKA_ERR_BUFFER_TOO_SMALL: kafka_err_t = -114;
/// Local: the call is not valid in the handle's current state (e.g. after fork()).
pub const KAFKA_ERR_STATE: kafka_err_t = -115;
/// Local: the writer's queue is full (`queue.buffering.max.messages`); poll and retry.
pub const KAFKA_ERR_QUEUE_FULL: kafka_err_t = -116;
/// Local: a blocking call on a writer or reader gave up because kafka_writer_wakeup() /
/// kafka_reader_wakeup() was called, or because another thread is closing the handle.
pub const KAFKA_ERR_WOKEN: kafka_err_t = -117;

thread_local! {
    static LAST_ERROR: RefCell<Option<(kafka_err_t, CString)>> = const { RefCell::new(None) };
}

pub(crate) fn set_last_error(e: Error) {
    let msg = CString::new(e.message().replace('\0', " ")).unwrap_or_default();
    LAST_ERROR.with(|l| *l.borrow_mut() = Some((e.code(), msg)));
}

pub(crate) fn clear_last_error() {
    LAST_ERROR.with(|l| *l.borrow_mut() = None);
}

#[cfg(test)]
pub(crate) fn last_error_string() -> String {
    LAST_ERROR
        .with(|l| l.borrow().as_ref().map(|(_, m)| m.to_string_lossy().into_owned()).unwrap_or_default())
}

struct CodeStrings {
    name: CString,
    desc: CString,
}

static STRINGS: LazyLock<HashMap<i32, CodeStrings>> = LazyLock::new(|| {
    let mut m = HashMap::new();
    for c in (-200..=200).chain([code::OK]) {
        if let Some(name) = error::name(c) {
            let desc = error::describe(c);
            m.insert(
                c,
                CodeStrings {
                    name: CString::new(name).unwrap_or_default(),
                    desc: CString::new(desc).unwrap_or_default(),
                },
            );
        }
    }
    m
});

static UNKNOWN_NAME: &std::ffi::CStr = c"UNKNOWN";
static UNKNOWN_DESC: &std::ffi::CStr = c"Unknown error code";

/// The symbolic name of an error code, e.g. "UNKNOWN_TOPIC_OR_PARTITION" or "TIMED_OUT";
/// "UNKNOWN" for a value that is no code. The string is static: never free it.
/// Any thread may call this.
#[no_mangle]
pub extern "C" fn kafka_err_name(err: kafka_err_t) -> *const c_char {
    guard_value(UNKNOWN_NAME.as_ptr(), || {
        STRINGS.get(&err).map_or(UNKNOWN_NAME.as_ptr(), |s| s.name.as_ptr())
    })
}

/// A short English description of an error code. The string is static: never free it.
/// Any thread may call this.
#[no_mangle]
pub extern "C" fn kafka_err_str(err: kafka_err_t) -> *const c_char {
    guard_value(UNKNOWN_DESC.as_ptr(), || {
        STRINGS.get(&err).map_or(UNKNOWN_DESC.as_ptr(), |s| s.desc.as_ptr())
    })
}

/// The detail of the last failed call on the calling thread, e.g.
/// "connect to 127.0.0.1:9092 (127.0.0.1:9092): Connection refused"; "" if the last call
/// succeeded. Every call into the library resets it. The string belongs to the library and stays
/// valid until the next call into the library on this thread; copy it to keep it.
#[no_mangle]
pub extern "C" fn kafka_last_error_message() -> *const c_char {
    guard_value(c"".as_ptr(), || {
        LAST_ERROR.with(|l| l.borrow().as_ref().map_or(c"".as_ptr(), |(_, m)| m.as_ptr()))
    })
}

/// The code of the last failed call on the calling thread, or KAFKA_OK if it succeeded.
#[no_mangle]
pub extern "C" fn kafka_last_error_code() -> kafka_err_t {
    guard_value(code::INTERNAL, || LAST_ERROR.with(|l| l.borrow().as_ref().map_or(KAFKA_OK, |(c, _)| *c)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    fn s(p: *const c_char) -> String {
        unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_string()
    }

    #[test]
    fn names_and_descriptions_cover_every_code() {
        let table = [
            (KAFKA_OK, "OK"),
            (KAFKA_ERR_UNKNOWN_SERVER_ERROR, "UNKNOWN_SERVER_ERROR"),
            (KAFKA_ERR_UNKNOWN_TOPIC_OR_PARTITION, "UNKNOWN_TOPIC_OR_PARTITION"),
            (KAFKA_ERR_TOPIC_ALREADY_EXISTS, "TOPIC_ALREADY_EXISTS"),
            (KAFKA_ERR_ILLEGAL_GENERATION, "ILLEGAL_GENERATION"),
            (KAFKA_ERR_FENCED_INSTANCE_ID, "FENCED_INSTANCE_ID"),
            (KAFKA_ERR_UNSUPPORTED_SASL_MECHANISM, "UNSUPPORTED_SASL_MECHANISM"),
            (KAFKA_ERR_SASL_AUTHENTICATION_FAILED, "SASL_AUTHENTICATION_FAILED"),
            (KAFKA_ERR_TLS, "TLS"),
            (KAFKA_ERR_TIMED_OUT, "TIMED_OUT"),
            (KAFKA_ERR_CANCELLED, "CANCELLED"),
            (KAFKA_ERR_CONFIG, "CONFIG"),
            (KAFKA_ERR_STATE, "STATE"),
        ];
        for (c, n) in table {
            assert_eq!(s(kafka_err_name(c)), n);
            assert!(!s(kafka_err_str(c)).is_empty());
        }
        assert_eq!(s(kafka_err_str(3)), "Broker: unknown topic or partition");
        assert_eq!(s(kafka_err_str(KAFKA_ERR_TIMED_OUT)), "Local: timed out");
        assert_eq!(s(kafka_err_name(-150)), "UNKNOWN");
        assert_eq!(s(kafka_err_name(9999)), "UNKNOWN");
    }

    #[test]
    fn header_constants_equal_the_internal_codes() {
        let pairs = [
            (KAFKA_ERR_INVALID_ARG, code::INVALID_ARG),
            (KAFKA_ERR_TIMED_OUT, code::TIMED_OUT),
            (KAFKA_ERR_CANCELLED, code::CANCELLED),
            (KAFKA_ERR_CLOSED, code::CLOSED),
            (KAFKA_ERR_TRANSPORT, code::TRANSPORT),
            (KAFKA_ERR_TLS, code::TLS),
            (KAFKA_ERR_AUTHENTICATION, code::AUTHENTICATION),
            (KAFKA_ERR_UNSUPPORTED_VERSION, code::UNSUPPORTED_VERSION),
            (KAFKA_ERR_MALFORMED, code::MALFORMED),
            (KAFKA_ERR_INTERNAL, code::INTERNAL),
            (KAFKA_ERR_CONFIG, code::CONFIG),
            (KAFKA_ERR_END_OF_BATCH, code::END_OF_BATCH),
            (KAFKA_ERR_COMPRESSION, code::COMPRESSION),
            (KAFKA_ERR_NOT_FOUND, code::NOT_FOUND),
            (KAFKA_ERR_BUFFER_TOO_SMALL, code::BUFFER_TOO_SMALL),
            (KAFKA_ERR_STATE, code::STATE),
            (KAFKA_ERR_QUEUE_FULL, code::QUEUE_FULL),
            (KAFKA_ERR_WOKEN, code::WOKEN),
        ];
        for (c, internal) in pairs {
            assert_eq!(c, internal);
            assert_eq!(s(kafka_err_name(c)), crate::error::name(internal).unwrap());
        }
        for (c, n) in [
            (1, "OFFSET_OUT_OF_RANGE"),
            (5, "LEADER_NOT_AVAILABLE"),
            (6, "NOT_LEADER_OR_FOLLOWER"),
            (7, "REQUEST_TIMED_OUT"),
            (10, "MESSAGE_TOO_LARGE"),
            (41, "NOT_CONTROLLER"),
        ] {
            assert_eq!(s(kafka_err_name(c)), n);
        }
    }

    #[test]
    fn last_error_is_per_thread() {
        set_last_error(Error::timed_out("slow broker"));
        assert_eq!(s(kafka_last_error_message()), "slow broker");
        assert_eq!(kafka_last_error_code(), KAFKA_ERR_TIMED_OUT);
        std::thread::spawn(|| assert_eq!(s(kafka_last_error_message()), "")).join().unwrap();
        clear_last_error();
        assert_eq!(kafka_last_error_code(), KAFKA_OK);
    }
}
