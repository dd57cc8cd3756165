//! The C API. One file per C concept; nothing outside this folder knows C exists.
//!
//! Rules every function here keeps: NULL arguments are KAFKA_ERR_INVALID_ARG, panics are caught
//! (KAFKA_ERR_INTERNAL), outputs are written only on success, and the detail of a failure is
//! available from kafka_last_error_message() on the same thread. Only functions returning
//! kafka_err_t set or reset that last error (`panic::guard`); accessors and void functions
//! leave it alone (`guard_value`, `guard_void`).
#![allow(non_camel_case_types)]
#![allow(clippy::missing_safety_doc)]
// Exported functions take raw pointers from C by design; each one NULL-checks through `handle`.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

pub mod batch;
pub mod broker_list;
pub mod cancel;
pub mod client;
pub mod compression;
pub mod config;
pub mod conn;
pub mod error;
mod handle;
mod live;
pub mod message;
pub mod mock_cluster;
pub mod new_topic;
mod panic;
pub mod partition_list;
pub mod reader;
pub mod version;
pub mod writer;
