// The one table of error codes: every code the C API can return, with its name, description and
// flags. build.rs reads this file too (with `include!`) and generates from it the `KAFKA_ERR_*`
// constants of src/ffi (so the C header's macros) and the crate's `error::code` constants;
// src/error.rs and src/ffi/error.rs answer every name, description and flag question from it.
// Nothing else lists codes: add a code here and everything follows.
//
// Kafka's broker codes keep their protocol numbers and Kafka's names (the one exception is
// noted at 35); the retriable flags are Kafka's (the Java client's exception for the code is a
// RetriableException), as of Kafka 4.3. Local codes live in -100..=-199.
//
// (Plain comments: this file is `include!`d, where inner doc comments are not allowed.)

/// One error code.
#[derive(Clone, Copy, Debug)]
pub struct ErrorDef {
    /// The `kafka_err_t` value.
    pub code: i32,
    /// Symbolic name without prefix ("UNKNOWN_TOPIC_OR_PARTITION"); the C macro is
    /// `KAFKA_ERR_<name>` (`KAFKA_OK` for 0).
    pub name: &'static str,
    /// One line of English: "Broker: ..." for Kafka's codes, "Local: ..." for this library's.
    pub desc: &'static str,
    /// Trying the same operation again (after a metadata refresh or a backoff) may succeed.
    pub retriable: bool,
    /// The handle that reported it cannot recover: close it and create a new one.
    pub fatal: bool,
    /// More detail for the header's documentation of the macro ("" if none).
    pub note: &'static str,
}

/// Flags for `e`.
const NONE: u8 = 0;
const RETRIABLE: u8 = 1;
const FATAL: u8 = 2;

const fn e(code: i32, name: &'static str, flags: u8, desc: &'static str) -> ErrorDef {
    ErrorDef { code, name, desc, retriable: flags & RETRIABLE != 0, fatal: flags & FATAL != 0, note: "" }
}

impl ErrorDef {
    const fn note(self, note: &'static str) -> ErrorDef {
        ErrorDef { note, ..self }
    }
}

/// Every code: success, Kafka's broker codes in protocol order, then the local codes.
pub const ERRORS: &[ErrorDef] = &[
    e(0, "OK", NONE, "Success"),
    e(-1, "UNKNOWN_SERVER_ERROR", NONE, "Broker: unknown server error").note("the broker hit an unexpected error"),
    e(1, "OFFSET_OUT_OF_RANGE", NONE, "Broker: offset out of range"),
    e(2, "CORRUPT_MESSAGE", RETRIABLE, "Broker: corrupt message"),
    e(3, "UNKNOWN_TOPIC_OR_PARTITION", RETRIABLE, "Broker: unknown topic or partition"),
    e(4, "INVALID_FETCH_SIZE", NONE, "Broker: invalid fetch size"),
    e(5, "LEADER_NOT_AVAILABLE", RETRIABLE, "Broker: leader not available"),
    e(6, "NOT_LEADER_OR_FOLLOWER", RETRIABLE, "Broker: not leader or follower"),
    e(7, "REQUEST_TIMED_OUT", RETRIABLE, "Broker: request timed out"),
    e(8, "BROKER_NOT_AVAILABLE", NONE, "Broker: broker not available"),
    e(9, "REPLICA_NOT_AVAILABLE", RETRIABLE, "Broker: replica not available"),
    e(10, "MESSAGE_TOO_LARGE", NONE, "Broker: message too large").note("a message is larger than the broker accepts (message.max.bytes)"),
    e(11, "STALE_CONTROLLER_EPOCH", NONE, "Broker: stale controller epoch"),
    e(12, "OFFSET_METADATA_TOO_LARGE", NONE, "Broker: offset metadata too large"),
    e(13, "NETWORK_EXCEPTION", RETRIABLE, "Broker: the broker disconnected before answering"),
    e(14, "COORDINATOR_LOAD_IN_PROGRESS", RETRIABLE, "Broker: coordinator load in progress"),
    e(15, "COORDINATOR_NOT_AVAILABLE", RETRIABLE, "Broker: coordinator not available"),
    e(16, "NOT_COORDINATOR", RETRIABLE, "Broker: not coordinator"),
    e(17, "INVALID_TOPIC_EXCEPTION", NONE, "Broker: invalid topic"),
    e(18, "RECORD_LIST_TOO_LARGE", NONE, "Broker: record batch too large"),
    e(19, "NOT_ENOUGH_REPLICAS", RETRIABLE, "Broker: not enough replicas"),
    e(20, "NOT_ENOUGH_REPLICAS_AFTER_APPEND", RETRIABLE, "Broker: not enough replicas after append"),
    e(21, "INVALID_REQUIRED_ACKS", NONE, "Broker: invalid required acks"),
    e(22, "ILLEGAL_GENERATION", NONE, "Broker: illegal generation").note("the consumer-group generation is over (a commit of messages fetched before a rebalance took their partition away)"),
    e(23, "INCONSISTENT_GROUP_PROTOCOL", NONE, "Broker: inconsistent group protocol"),
    e(24, "INVALID_GROUP_ID", NONE, "Broker: invalid group id"),
    e(25, "UNKNOWN_MEMBER_ID", NONE, "Broker: unknown member id"),
    e(26, "INVALID_SESSION_TIMEOUT", NONE, "Broker: invalid session timeout"),
    e(27, "REBALANCE_IN_PROGRESS", NONE, "Broker: rebalance in progress"),
    e(28, "INVALID_COMMIT_OFFSET_SIZE", NONE, "Broker: invalid commit offset size"),
    e(29, "TOPIC_AUTHORIZATION_FAILED", NONE, "Broker: topic authorization failed"),
    e(30, "GROUP_AUTHORIZATION_FAILED", NONE, "Broker: group authorization failed"),
    e(31, "CLUSTER_AUTHORIZATION_FAILED", NONE, "Broker: cluster authorization failed"),
    e(32, "INVALID_TIMESTAMP", NONE, "Broker: invalid timestamp"),
    e(33, "UNSUPPORTED_SASL_MECHANISM", NONE, "Broker: unsupported sasl mechanism").note("the listener does not enable the SASL mechanism asked for"),
    e(34, "ILLEGAL_SASL_STATE", NONE, "Broker: illegal sasl state"),
    e(35, "BROKER_UNSUPPORTED_VERSION", NONE, "Broker: unsupported request version").note("Kafka names this code UNSUPPORTED_VERSION; here it is BROKER_UNSUPPORTED_VERSION because KAFKA_ERR_UNSUPPORTED_VERSION is the local code -107 (no version in common), which is what this library reports"),
    e(36, "TOPIC_ALREADY_EXISTS", NONE, "Broker: topic already exists"),
    e(37, "INVALID_PARTITIONS", NONE, "Broker: invalid partitions"),
    e(38, "INVALID_REPLICATION_FACTOR", NONE, "Broker: invalid replication factor"),
    e(39, "INVALID_REPLICA_ASSIGNMENT", NONE, "Broker: invalid replica assignment"),
    e(40, "INVALID_CONFIG", NONE, "Broker: invalid config"),
    e(41, "NOT_CONTROLLER", RETRIABLE, "Broker: not controller"),
    e(42, "INVALID_REQUEST", NONE, "Broker: invalid request"),
    e(43, "UNSUPPORTED_FOR_MESSAGE_FORMAT", NONE, "Broker: unsupported for message format"),
    e(44, "POLICY_VIOLATION", NONE, "Broker: policy violation"),
    e(45, "OUT_OF_ORDER_SEQUENCE_NUMBER", NONE, "Broker: out of order sequence number"),
    e(46, "DUPLICATE_SEQUENCE_NUMBER", NONE, "Broker: duplicate sequence number"),
    e(47, "INVALID_PRODUCER_EPOCH", NONE, "Broker: invalid producer epoch"),
    e(48, "INVALID_TXN_STATE", NONE, "Broker: invalid transaction state"),
    e(49, "INVALID_PRODUCER_ID_MAPPING", NONE, "Broker: invalid producer id mapping"),
    e(50, "INVALID_TRANSACTION_TIMEOUT", NONE, "Broker: invalid transaction timeout"),
    e(51, "CONCURRENT_TRANSACTIONS", RETRIABLE, "Broker: concurrent transactions"),
    e(52, "TRANSACTION_COORDINATOR_FENCED", NONE, "Broker: transaction coordinator fenced"),
    e(53, "TRANSACTIONAL_ID_AUTHORIZATION_FAILED", NONE, "Broker: transactional id authorization failed"),
    e(54, "SECURITY_DISABLED", NONE, "Broker: security disabled"),
    e(55, "OPERATION_NOT_ATTEMPTED", NONE, "Broker: operation not attempted"),
    e(56, "KAFKA_STORAGE_ERROR", RETRIABLE, "Broker: disk error on the broker"),
    e(57, "LOG_DIR_NOT_FOUND", NONE, "Broker: log dir not found"),
    e(58, "SASL_AUTHENTICATION_FAILED", NONE, "Broker: sasl authentication failed").note("the broker refused the SASL login (wrong user or password); the message starts with \"authentication failed\""),
    e(59, "UNKNOWN_PRODUCER_ID", NONE, "Broker: unknown producer id"),
    e(60, "REASSIGNMENT_IN_PROGRESS", NONE, "Broker: reassignment in progress"),
    e(61, "DELEGATION_TOKEN_AUTH_DISABLED", NONE, "Broker: delegation token auth disabled"),
    e(62, "DELEGATION_TOKEN_NOT_FOUND", NONE, "Broker: delegation token not found"),
    e(63, "DELEGATION_TOKEN_OWNER_MISMATCH", NONE, "Broker: delegation token owner mismatch"),
    e(64, "DELEGATION_TOKEN_REQUEST_NOT_ALLOWED", NONE, "Broker: delegation token request not allowed"),
    e(65, "DELEGATION_TOKEN_AUTHORIZATION_FAILED", NONE, "Broker: delegation token authorization failed"),
    e(66, "DELEGATION_TOKEN_EXPIRED", NONE, "Broker: delegation token expired"),
    e(67, "INVALID_PRINCIPAL_TYPE", NONE, "Broker: invalid principal type"),
    e(68, "NON_EMPTY_GROUP", NONE, "Broker: the group is not empty"),
    e(69, "GROUP_ID_NOT_FOUND", NONE, "Broker: group id not found"),
    e(70, "FETCH_SESSION_ID_NOT_FOUND", RETRIABLE, "Broker: fetch session id not found"),
    e(71, "INVALID_FETCH_SESSION_EPOCH", RETRIABLE, "Broker: invalid fetch session epoch"),
    e(72, "LISTENER_NOT_FOUND", RETRIABLE, "Broker: listener not found"),
    e(73, "TOPIC_DELETION_DISABLED", NONE, "Broker: topic deletion disabled"),
    e(74, "FENCED_LEADER_EPOCH", RETRIABLE, "Broker: fenced leader epoch"),
    e(75, "UNKNOWN_LEADER_EPOCH", RETRIABLE, "Broker: unknown leader epoch"),
    e(76, "UNSUPPORTED_COMPRESSION_TYPE", NONE, "Broker: unsupported compression type"),
    e(77, "STALE_BROKER_EPOCH", NONE, "Broker: stale broker epoch"),
    e(78, "OFFSET_NOT_AVAILABLE", RETRIABLE, "Broker: offset not available"),
    e(79, "MEMBER_ID_REQUIRED", NONE, "Broker: member id required"),
    e(80, "PREFERRED_LEADER_NOT_AVAILABLE", RETRIABLE, "Broker: preferred leader not available"),
    e(81, "GROUP_MAX_SIZE_REACHED", NONE, "Broker: group max size reached"),
    e(82, "FENCED_INSTANCE_ID", FATAL, "Broker: fenced instance id").note("another group member joined with this reader's group.instance.id; this reader left the group for good (every read fails with it; close it)"),
    e(83, "ELIGIBLE_LEADERS_NOT_AVAILABLE", RETRIABLE, "Broker: eligible leaders not available"),
    e(84, "ELECTION_NOT_NEEDED", RETRIABLE, "Broker: election not needed"),
    e(85, "NO_REASSIGNMENT_IN_PROGRESS", NONE, "Broker: no reassignment in progress"),
    e(86, "GROUP_SUBSCRIBED_TO_TOPIC", NONE, "Broker: group subscribed to topic"),
    e(87, "INVALID_RECORD", NONE, "Broker: invalid record"),
    e(88, "UNSTABLE_OFFSET_COMMIT", RETRIABLE, "Broker: unstable offset commit"),
    e(89, "THROTTLING_QUOTA_EXCEEDED", RETRIABLE, "Broker: throttling quota exceeded"),
    e(90, "PRODUCER_FENCED", FATAL, "Broker: producer fenced").note("a newer producer with the same transactional.id took over; the fenced one can never write again"),
    e(91, "RESOURCE_NOT_FOUND", NONE, "Broker: resource not found"),
    e(92, "DUPLICATE_RESOURCE", NONE, "Broker: duplicate resource"),
    e(93, "UNACCEPTABLE_CREDENTIAL", NONE, "Broker: unacceptable credential"),
    e(94, "INCONSISTENT_VOTER_SET", NONE, "Broker: inconsistent voter set"),
    e(95, "INVALID_UPDATE_VERSION", NONE, "Broker: invalid update version"),
    e(96, "FEATURE_UPDATE_FAILED", NONE, "Broker: feature update failed"),
    e(97, "PRINCIPAL_DESERIALIZATION_FAILURE", NONE, "Broker: principal deserialization failure"),
    e(98, "SNAPSHOT_NOT_FOUND", NONE, "Broker: snapshot not found"),
    e(99, "POSITION_OUT_OF_RANGE", NONE, "Broker: position out of range"),
    e(100, "UNKNOWN_TOPIC_ID", RETRIABLE, "Broker: unknown topic id"),
    e(101, "DUPLICATE_BROKER_REGISTRATION", NONE, "Broker: duplicate broker registration"),
    e(102, "BROKER_ID_NOT_REGISTERED", NONE, "Broker: broker id not registered"),
    e(103, "INCONSISTENT_TOPIC_ID", RETRIABLE, "Broker: inconsistent topic id"),
    e(104, "INCONSISTENT_CLUSTER_ID", NONE, "Broker: inconsistent cluster id"),
    e(105, "TRANSACTIONAL_ID_NOT_FOUND", NONE, "Broker: transactional id not found"),
    e(106, "FETCH_SESSION_TOPIC_ID_ERROR", RETRIABLE, "Broker: fetch session topic id error"),
    e(107, "INELIGIBLE_REPLICA", NONE, "Broker: ineligible replica"),
    e(108, "NEW_LEADER_ELECTED", NONE, "Broker: new leader elected"),
    e(109, "OFFSET_MOVED_TO_TIERED_STORAGE", NONE, "Broker: offset moved to tiered storage"),
    e(110, "FENCED_MEMBER_EPOCH", NONE, "Broker: fenced member epoch"),
    e(111, "UNRELEASED_INSTANCE_ID", NONE, "Broker: unreleased instance id"),
    e(112, "UNSUPPORTED_ASSIGNOR", NONE, "Broker: unsupported assignor"),
    e(113, "STALE_MEMBER_EPOCH", NONE, "Broker: stale member epoch"),
    e(114, "MISMATCHED_ENDPOINT_TYPE", NONE, "Broker: mismatched endpoint type"),
    e(115, "UNSUPPORTED_ENDPOINT_TYPE", NONE, "Broker: unsupported endpoint type"),
    e(116, "UNKNOWN_CONTROLLER_ID", NONE, "Broker: unknown controller id"),
    e(117, "UNKNOWN_SUBSCRIPTION_ID", NONE, "Broker: unknown subscription id"),
    e(118, "TELEMETRY_TOO_LARGE", NONE, "Broker: telemetry too large"),
    e(119, "INVALID_REGISTRATION", NONE, "Broker: invalid registration"),
    e(120, "TRANSACTION_ABORTABLE", NONE, "Broker: transaction abortable"),
    e(121, "INVALID_RECORD_STATE", NONE, "Broker: invalid record state"),
    e(122, "SHARE_SESSION_NOT_FOUND", RETRIABLE, "Broker: share session not found"),
    e(123, "INVALID_SHARE_SESSION_EPOCH", RETRIABLE, "Broker: invalid share session epoch"),
    e(124, "FENCED_STATE_EPOCH", NONE, "Broker: fenced state epoch"),
    e(125, "INVALID_VOTER_KEY", NONE, "Broker: invalid voter key"),
    e(126, "DUPLICATE_VOTER", NONE, "Broker: duplicate voter"),
    e(127, "VOTER_NOT_FOUND", NONE, "Broker: voter not found"),
    e(128, "INVALID_REGULAR_EXPRESSION", NONE, "Broker: invalid regular expression"),
    e(129, "REBOOTSTRAP_REQUIRED", NONE, "Broker: rebootstrap required"),
    e(130, "STREAMS_INVALID_TOPOLOGY", NONE, "Broker: streams invalid topology"),
    e(131, "STREAMS_INVALID_TOPOLOGY_EPOCH", NONE, "Broker: streams invalid topology epoch"),
    e(132, "STREAMS_TOPOLOGY_FENCED", NONE, "Broker: streams topology fenced"),
    e(133, "SHARE_SESSION_LIMIT_REACHED", RETRIABLE, "Broker: share session limit reached"),
    // Local codes: raised by this library, never sent by a broker.
    e(-100, "INVALID_ARG", NONE, "Local: invalid argument").note("an argument was invalid (NULL handle, bad value, wrong or dead handle); the message names the function and the argument. Handles are checked on every call. Every handle's memory starts with a tag naming its type, so a handle of another type (a kafka_config_t* where a kafka_writer_t* is expected, cast through void*) is always reported, never reinterpreted. Writers and readers are also kept in a registry of live handles that is consulted before their memory is read: a call on a closed writer or reader is always reported, unless a new writer (reader) has since been created at the same address, in which case the call acts on that one. The other handles (config, message, cancel, conn, lists, ...) are checked by their tag alone: freeing one overwrites its tag, so a double free or a call after free is reported while the allocator has not reused the memory; once it has, nothing can be promised (AddressSanitizer reports it). A pointer the library never handed out is undefined behaviour."),
    e(-101, "TIMED_OUT", RETRIABLE, "Local: timed out").note("the operation did not finish within its timeout"),
    e(-102, "CANCELLED", NONE, "Local: operation cancelled").note("the operation was cancelled through its kafka_cancel_t"),
    e(-103, "CLOSED", NONE, "Local: handle or connection closed").note("the handle or its connection is closed"),
    e(-104, "TRANSPORT", RETRIABLE, "Local: broker transport failure").note("the network connection to a broker failed"),
    e(-105, "TLS", NONE, "Local: TLS failure").note("TLS handshake or certificate failure"),
    e(-106, "AUTHENTICATION", NONE, "Local: authentication failed").note("SASL authentication failed on this side (e.g. the broker's SCRAM signature is wrong); a login the broker refuses is KAFKA_ERR_SASL_AUTHENTICATION_FAILED"),
    e(-107, "UNSUPPORTED_VERSION", NONE, "Local: no protocol version in common with the broker").note("the broker and this library share no version of a needed API"),
    e(-108, "MALFORMED", NONE, "Local: malformed response from broker").note("the broker sent bytes that do not decode (or the server is not a Kafka broker)"),
    e(-109, "INTERNAL", NONE, "Local: internal error").note("a bug in this library (including a caught panic)"),
    e(-110, "CONFIG", NONE, "Local: invalid configuration").note("a configuration key is unknown or its value invalid"),
    e(-111, "END_OF_BATCH", NONE, "Local: no more messages in batch").note("a batch iterator has no more messages"),
    e(-112, "COMPRESSION", NONE, "Local: compression or decompression failed"),
    e(-113, "NOT_FOUND", NONE, "Local: not found").note("the thing asked for does not exist (an index past the end, an unknown broker)"),
    e(-114, "BUFFER_TOO_SMALL", NONE, "Local: buffer too small").note("an output buffer is too small; the size needed was written"),
    e(-115, "STATE", NONE, "Local: operation not valid in the current state").note("the call is not valid in the handle's current state (e.g. after fork())"),
    e(-116, "QUEUE_FULL", RETRIABLE, "Local: the producer queue is full").note("the writer's queue is full (queue.buffering.max.messages or queue.buffering.max.kbytes, counting reports not yet polled); poll and retry"),
    e(-117, "WOKEN", NONE, "Local: woken by a wakeup or close of the handle").note("a blocking call on a writer or reader gave up because kafka_writer_wakeup() / kafka_reader_wakeup() was called, or because another thread is closing the handle"),
];
