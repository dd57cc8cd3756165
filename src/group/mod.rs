//! Consumer groups.
//!
//! The pure parts (no I/O): [`protocol`] encodes and decodes the "consumer" protocol payloads
//! members exchange through JoinGroup (their subscription) and SyncGroup (their assignment).

pub mod protocol;
