//! The one error type every layer returns, and the stable numeric codes behind it.
//!
//! Codes are the C API's `kafka_err_t` values: 0 is success, Kafka's own broker error codes keep
//! their numbers (so 3 is UNKNOWN_TOPIC_OR_PARTITION and -1 is UNKNOWN_SERVER_ERROR), and errors
//! raised inside this library use the reserved band -100..=-199. A code never changes meaning.

use std::fmt;

#[path = "error_table.rs"]
mod table;
pub use table::ErrorDef;

/// Every error code with its name, description and flags (src/error_table.rs).
pub const ERRORS: &[ErrorDef] = table::ERRORS;

/// Local (non-broker) error codes, generated from the table. They live in -100..=-199 so they
/// can never collide with Kafka's.
pub mod code {
    include!(concat!(env!("OUT_DIR"), "/local_codes.rs"));
}

/// The table's row for a code, or None if the code is unknown.
pub fn lookup(code: i32) -> Option<&'static ErrorDef> {
    ERRORS.iter().find(|d| d.code == code)
}

/// The symbolic name of a code ("UNKNOWN_TOPIC_OR_PARTITION", "TIMED_OUT"), or None if unknown.
pub fn name(code: i32) -> Option<&'static str> {
    lookup(code).map(|d| d.name)
}

/// A short human description of a code: "Local: timed out", "Broker: unknown topic or partition".
pub fn describe(code: i32) -> &'static str {
    lookup(code).map_or("Unknown error code", |d| d.desc)
}

/// Trying again (after a metadata refresh or a backoff) may succeed: Kafka's retriable broker
/// codes, and the local TIMED_OUT, TRANSPORT and QUEUE_FULL. False for unknown codes.
pub fn is_retriable(code: i32) -> bool {
    lookup(code).is_some_and(|d| d.retriable)
}

/// The handle that reported the code cannot recover (e.g. FENCED_INSTANCE_ID). False for
/// unknown codes.
pub fn is_fatal(code: i32) -> bool {
    lookup(code).is_some_and(|d| d.fatal)
}

/// An error: a stable code plus a message with the detail ("connect to 127.0.0.1:9092: refused").
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    code: i32,
    message: String,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn new(code: i32, message: impl Into<String>) -> Self {
        Error { code, message: message.into() }
    }
    /// An error the broker returned, with what we were doing when it did.
    pub fn broker(code: i16, context: impl fmt::Display) -> Self {
        let code = i32::from(code);
        let name = name(code).unwrap_or("UNKNOWN");
        Error::new(code, format!("{context}: broker error {code} {name}"))
    }
    pub fn invalid_arg(message: impl Into<String>) -> Self {
        Error::new(code::INVALID_ARG, message)
    }
    pub fn config(message: impl Into<String>) -> Self {
        Error::new(code::CONFIG, message)
    }
    pub fn timed_out(message: impl Into<String>) -> Self {
        Error::new(code::TIMED_OUT, message)
    }
    pub fn cancelled() -> Self {
        Error::new(code::CANCELLED, "operation cancelled")
    }
    pub fn closed(message: impl Into<String>) -> Self {
        Error::new(code::CLOSED, message)
    }
    pub fn transport(message: impl Into<String>) -> Self {
        Error::new(code::TRANSPORT, message)
    }
    pub fn malformed(message: impl Into<String>) -> Self {
        Error::new(code::MALFORMED, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Error::new(code::INTERNAL, message)
    }
    pub fn code(&self) -> i32 {
        self.code
    }
    pub fn message(&self) -> &str {
        &self.message
    }
    pub fn is_retriable(&self) -> bool {
        is_retriable(self.code)
    }
    /// Prefix the message with what the caller was doing, keeping the code.
    pub fn context(mut self, what: impl fmt::Display) -> Self {
        self.message = format!("{what}: {}", self.message);
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, name(self.code).unwrap_or("UNKNOWN"))
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Error({}, {:?})", self.code, self.message)
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        match e.kind() {
            std::io::ErrorKind::TimedOut => Error::timed_out(e.to_string()),
            _ => Error::transport(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broker_codes_keep_kafka_numbers() {
        assert_eq!(name(-1), Some("UNKNOWN_SERVER_ERROR"));
        assert_eq!(name(0), Some("OK"));
        assert_eq!(name(3), Some("UNKNOWN_TOPIC_OR_PARTITION"));
        assert_eq!(name(36), Some("TOPIC_ALREADY_EXISTS"));
        assert_eq!(name(58), Some("SASL_AUTHENTICATION_FAILED"));
        assert_eq!(name(79), Some("MEMBER_ID_REQUIRED"));
        assert_eq!(name(100), Some("UNKNOWN_TOPIC_ID"));
        assert_eq!(name(133), Some("SHARE_SESSION_LIMIT_REACHED"));
        assert_eq!(name(134), None);
    }

    #[test]
    fn local_codes_are_in_their_band_and_named() {
        for d in ERRORS.iter().filter(|d| d.code < -1) {
            assert!((-199..=-100).contains(&d.code), "{}", d.name);
            assert!(d.desc.starts_with("Local: "), "{}", d.name);
        }
        assert_eq!(code::INVALID_ARG, -100);
        assert_eq!(code::QUEUE_FULL, -116);
        assert_eq!(describe(3), "Broker: unknown topic or partition");
        assert_eq!(describe(code::TIMED_OUT), "Local: timed out");
        assert_eq!(name(-150), None);
        assert_eq!(describe(-150), "Unknown error code");
    }

    #[test]
    fn the_table_has_no_duplicate_code_or_name() {
        let mut codes = std::collections::HashSet::new();
        let mut names = std::collections::HashSet::new();
        for d in ERRORS {
            assert!(codes.insert(d.code), "code {} twice", d.code);
            assert!(names.insert(d.name), "name {} twice", d.name);
            assert!(!d.desc.is_empty() && !d.desc.contains('\0'), "{}", d.name);
            assert!(d.name.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'));
        }
        // Kafka's codes -1..=133 are all there (Kafka 4.3), with nothing between them missing.
        assert!((-1..=133).all(|c| lookup(c).is_some()));
        assert!(ERRORS.iter().all(|d| d.code >= -1 || (-199..=-100).contains(&d.code)));
    }

    #[test]
    fn retriable_and_fatal_follow_kafka() {
        // Retriable in Kafka's Java client (a RetriableException).
        for c in [2, 3, 5, 6, 7, 9, 13, 14, 15, 16, 19, 20, 41, 51, 56, 74, 75, 78, 88, 89, 100, 133] {
            assert!(is_retriable(c), "{c} {:?}", name(c));
        }
        for c in [-1, 1, 10, 22, 25, 27, 29, 35, 47, 58, 82, 87, 90, 108, code::INVALID_ARG, code::CONFIG] {
            assert!(!is_retriable(c), "{c} {:?}", name(c));
        }
        assert!(is_retriable(code::TIMED_OUT) && is_retriable(code::TRANSPORT));
        assert!(is_fatal(82) && is_fatal(90));
        assert!(!is_fatal(3) && !is_fatal(code::TIMED_OUT) && !is_fatal(9999) && !is_retriable(9999));
        assert!(ERRORS.iter().all(|d| !(d.retriable && d.fatal)), "retriable and fatal exclude each other");
    }

    #[test]
    fn broker_error_message_names_the_code() {
        let e = Error::broker(3, "produce to t/0");
        assert_eq!(e.code(), 3);
        assert_eq!(e.message(), "produce to t/0: broker error 3 UNKNOWN_TOPIC_OR_PARTITION");
        assert!(e.is_retriable());
    }
}
