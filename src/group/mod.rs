//! Consumer groups.
//!
//! The pure parts (no I/O): [`protocol`] encodes and decodes the "consumer" protocol payloads
//! members exchange through JoinGroup (their subscription) and SyncGroup (their assignment), and
//! [`assignor`] holds the partition assignors the group leader runs ("range", "roundrobin",
//! "rack-affinity", "cooperative-sticky").

pub mod assignor;
pub mod protocol;
