//! The one error type every layer returns, and the stable numeric codes behind it.
//!
//! Codes are the C API's `kafka_err_t` values: 0 is success, Kafka's own broker error codes keep
//! their numbers (so 3 is UNKNOWN_TOPIC_OR_PARTITION and -1 is UNKNOWN_SERVER_ERROR), and errors
//! raised inside this library use the reserved band -100..=-199. A code never changes meaning.

use std::fmt;

/// Local (non-broker) error codes. They live in -100..=-199 so they can never collide with Kafka's.
pub mod code {
    pub const OK: i32 = 0;
    pub const INVALID_ARG: i32 = -100;
    pub const TIMED_OUT: i32 = -101;
    pub const CANCELLED: i32 = -102;
    pub const CLOSED: i32 = -103;
    pub const TRANSPORT: i32 = -104;
    pub const TLS: i32 = -105;
    pub const AUTHENTICATION: i32 = -106;
    pub const UNSUPPORTED_VERSION: i32 = -107;
    pub const MALFORMED: i32 = -108;
    pub const INTERNAL: i32 = -109;
    pub const CONFIG: i32 = -110;
    pub const END_OF_BATCH: i32 = -111;
    pub const COMPRESSION: i32 = -112;
    pub const NOT_FOUND: i32 = -113;
    pub const BUFFER_TOO_SMALL: i32 = -114;
    pub const STATE: i32 = -115;
    pub const QUEUE_FULL: i32 = -116;
    pub const WOKEN: i32 = -117;
}

/// (code, NAME, description) for every local code, in code order.
const LOCAL: &[(i32, &str, &str)] = &[
    (code::INVALID_ARG, "INVALID_ARG", "Local: invalid argument"),
    (code::TIMED_OUT, "TIMED_OUT", "Local: timed out"),
    (code::CANCELLED, "CANCELLED", "Local: operation cancelled"),
    (code::CLOSED, "CLOSED", "Local: handle or connection closed"),
    (code::TRANSPORT, "TRANSPORT", "Local: broker transport failure"),
    (code::TLS, "TLS", "Local: TLS failure"),
    (code::AUTHENTICATION, "AUTHENTICATION", "Local: authentication failed"),
    (
        code::UNSUPPORTED_VERSION,
        "UNSUPPORTED_VERSION",
        "Local: no protocol version in common with the broker",
    ),
    (code::MALFORMED, "MALFORMED", "Local: malformed response from broker"),
    (code::INTERNAL, "INTERNAL", "Local: internal error"),
    (code::CONFIG, "CONFIG", "Local: invalid configuration"),
    (code::END_OF_BATCH, "END_OF_BATCH", "Local: no more messages in batch"),
    (code::COMPRESSION, "COMPRESSION", "Local: compression or decompression failed"),
    (code::NOT_FOUND, "NOT_FOUND", "Local: not found"),
    (code::BUFFER_TOO_SMALL, "BUFFER_TOO_SMALL", "Local: buffer too small"),
    (code::STATE, "STATE", "Local: operation not valid in the current state"),
    (code::QUEUE_FULL, "QUEUE_FULL", "Local: the producer queue is full"),
    (code::WOKEN, "WOKEN", "Local: woken by a wakeup or close of the handle"),
];

/// Kafka's broker error codes (org.apache.kafka.common.protocol.Errors), indexed by code + 1.
const BROKER: &[&str] = &[
    "UNKNOWN_SERVER_ERROR",
    "NONE",
    "OFFSET_OUT_OF_RANGE",
    "CORRUPT_MESSAGE",
    "UNKNOWN_TOPIC_OR_PARTITION",
    "INVALID_FETCH_SIZE",
    "LEADER_NOT_AVAILABLE",
    "NOT_LEADER_OR_FOLLOWER",
    "REQUEST_TIMED_OUT",
    "BROKER_NOT_AVAILABLE",
    "REPLICA_NOT_AVAILABLE",
    "MESSAGE_TOO_LARGE",
    "STALE_CONTROLLER_EPOCH",
    "OFFSET_METADATA_TOO_LARGE",
    "NETWORK_EXCEPTION",
    "COORDINATOR_LOAD_IN_PROGRESS",
    "COORDINATOR_NOT_AVAILABLE",
    "NOT_COORDINATOR",
    "INVALID_TOPIC_EXCEPTION",
    "RECORD_LIST_TOO_LARGE",
    "NOT_ENOUGH_REPLICAS",
    "NOT_ENOUGH_REPLICAS_AFTER_APPEND",
    "INVALID_REQUIRED_ACKS",
    "ILLEGAL_GENERATION",
    "INCONSISTENT_GROUP_PROTOCOL",
    "INVALID_GROUP_ID",
    "UNKNOWN_MEMBER_ID",
    "INVALID_SESSION_TIMEOUT",
    "REBALANCE_IN_PROGRESS",
    "INVALID_COMMIT_OFFSET_SIZE",
    "TOPIC_AUTHORIZATION_FAILED",
    "GROUP_AUTHORIZATION_FAILED",
    "CLUSTER_AUTHORIZATION_FAILED",
    "INVALID_TIMESTAMP",
    "UNSUPPORTED_SASL_MECHANISM",
    "ILLEGAL_SASL_STATE",
    "UNSUPPORTED_VERSION",
    "TOPIC_ALREADY_EXISTS",
    "INVALID_PARTITIONS",
    "INVALID_REPLICATION_FACTOR",
    "INVALID_REPLICA_ASSIGNMENT",
    "INVALID_CONFIG",
    "NOT_CONTROLLER",
    "INVALID_REQUEST",
    "UNSUPPORTED_FOR_MESSAGE_FORMAT",
    "POLICY_VIOLATION",
    "OUT_OF_ORDER_SEQUENCE_NUMBER",
    "DUPLICATE_SEQUENCE_NUMBER",
    "INVALID_PRODUCER_EPOCH",
    "INVALID_TXN_STATE",
    "INVALID_PRODUCER_ID_MAPPING",
    "INVALID_TRANSACTION_TIMEOUT",
    "CONCURRENT_TRANSACTIONS",
    "TRANSACTION_COORDINATOR_FENCED",
    "TRANSACTIONAL_ID_AUTHORIZATION_FAILED",
    "SECURITY_DISABLED",
    "OPERATION_NOT_ATTEMPTED",
    "KAFKA_STORAGE_ERROR",
    "LOG_DIR_NOT_FOUND",
    "SASL_AUTHENTICATION_FAILED",
    "UNKNOWN_PRODUCER_ID",
    "REASSIGNMENT_IN_PROGRESS",
    "DELEGATION_TOKEN_AUTH_DISABLED",
    "DELEGATION_TOKEN_NOT_FOUND",
    "DELEGATION_TOKEN_OWNER_MISMATCH",
    "DELEGATION_TOKEN_REQUEST_NOT_ALLOWED",
    "DELEGATION_TOKEN_AUTHORIZATION_FAILED",
    "DELEGATION_TOKEN_EXPIRED",
    "INVALID_PRINCIPAL_TYPE",
    "NON_EMPTY_GROUP",
    "GROUP_ID_NOT_FOUND",
    "FETCH_SESSION_ID_NOT_FOUND",
    "INVALID_FETCH_SESSION_EPOCH",
    "LISTENER_NOT_FOUND",
    "TOPIC_DELETION_DISABLED",
    "FENCED_LEADER_EPOCH",
    "UNKNOWN_LEADER_EPOCH",
    "UNSUPPORTED_COMPRESSION_TYPE",
    "STALE_BROKER_EPOCH",
    "OFFSET_NOT_AVAILABLE",
    "MEMBER_ID_REQUIRED",
    "PREFERRED_LEADER_NOT_AVAILABLE",
    "GROUP_MAX_SIZE_REACHED",
    "FENCED_INSTANCE_ID",
    "ELIGIBLE_LEADERS_NOT_AVAILABLE",
    "ELECTION_NOT_NEEDED",
    "NO_REASSIGNMENT_IN_PROGRESS",
    "GROUP_SUBSCRIBED_TO_TOPIC",
    "INVALID_RECORD",
    "UNSTABLE_OFFSET_COMMIT",
    "THROTTLING_QUOTA_EXCEEDED",
    "PRODUCER_FENCED",
    "RESOURCE_NOT_FOUND",
    "DUPLICATE_RESOURCE",
    "UNACCEPTABLE_CREDENTIAL",
    "INCONSISTENT_VOTER_SET",
    "INVALID_UPDATE_VERSION",
    "FEATURE_UPDATE_FAILED",
    "PRINCIPAL_DESERIALIZATION_FAILURE",
    "SNAPSHOT_NOT_FOUND",
    "POSITION_OUT_OF_RANGE",
    "UNKNOWN_TOPIC_ID",
    "DUPLICATE_BROKER_REGISTRATION",
    "BROKER_ID_NOT_REGISTERED",
    "INCONSISTENT_TOPIC_ID",
    "INCONSISTENT_CLUSTER_ID",
    "TRANSACTIONAL_ID_NOT_FOUND",
    "FETCH_SESSION_TOPIC_ID_ERROR",
    "INELIGIBLE_REPLICA",
    "NEW_LEADER_ELECTED",
    "OFFSET_MOVED_TO_TIERED_STORAGE",
    "FENCED_MEMBER_EPOCH",
    "UNRELEASED_INSTANCE_ID",
    "UNSUPPORTED_ASSIGNOR",
    "STALE_MEMBER_EPOCH",
    "MISMATCHED_ENDPOINT_TYPE",
    "UNSUPPORTED_ENDPOINT_TYPE",
    "UNKNOWN_CONTROLLER_ID",
    "UNKNOWN_SUBSCRIPTION_ID",
    "TELEMETRY_TOO_LARGE",
    "INVALID_REGISTRATION",
    "TRANSACTION_ABORTABLE",
    "INVALID_RECORD_STATE",
    "SHARE_SESSION_NOT_FOUND",
    "INVALID_SHARE_SESSION_EPOCH",
    "FENCED_STATE_EPOCH",
    "INVALID_VOTER_KEY",
    "DUPLICATE_VOTER",
    "VOTER_NOT_FOUND",
    "INVALID_REGULAR_EXPRESSION",
    "REBOOTSTRAP_REQUIRED",
    "STREAMS_INVALID_TOPOLOGY",
    "STREAMS_INVALID_TOPOLOGY_EPOCH",
    "STREAMS_TOPOLOGY_FENCED",
    "SHARE_SESSION_LIMIT_REACHED",
];

/// The symbolic name of a code ("UNKNOWN_TOPIC_OR_PARTITION", "TIMED_OUT"), or None if unknown.
pub fn name(code: i32) -> Option<&'static str> {
    if code == code::OK {
        return Some("OK");
    }
    if code >= -1 {
        return BROKER.get((code + 1) as usize).copied();
    }
    LOCAL.iter().find(|e| e.0 == code).map(|e| e.1)
}

/// A short human description of a code: "Local: timed out", "Broker: unknown topic or partition".
pub fn describe(code: i32) -> String {
    if code == code::OK {
        return "Success".to_string();
    }
    if let Some(e) = LOCAL.iter().find(|e| e.0 == code) {
        return e.2.to_string();
    }
    match name(code) {
        Some(n) => format!("Broker: {}", n.replace('_', " ").to_lowercase()),
        None => "Unknown error code".to_string(),
    }
}

/// Broker error codes a client should retry after refreshing metadata or backing off.
pub fn is_retriable(code: i32) -> bool {
    matches!(code, 2 | 3 | 5 | 6 | 7 | 13 | 14 | 15 | 16 | 19 | 20 | 56 | 74 | 75 | 78 | 89 | 100 | 108)
        || matches!(code, code::TRANSPORT | code::TIMED_OUT)
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
        for (c, n, d) in LOCAL {
            assert!((-199..=-100).contains(c), "{n}");
            assert_eq!(name(*c), Some(*n));
            assert_eq!(describe(*c), *d);
        }
        assert_eq!(describe(3), "Broker: unknown topic or partition");
        assert_eq!(name(-150), None);
    }

    #[test]
    fn broker_error_message_names_the_code() {
        let e = Error::broker(3, "produce to t/0");
        assert_eq!(e.code(), 3);
        assert_eq!(e.message(), "produce to t/0: broker error 3 UNKNOWN_TOPIC_OR_PARTITION");
        assert!(e.is_retriable());
    }
}
