//! libkafka_rs: a Kafka client with a C ABI.
//!
//! Layers, each using only the one below it:
//! `protocol` (wire types, records, codecs; no I/O) → `net` (one broker connection) →
//! `cluster` (metadata, broker pool, leader lookup) → `conn` (kafka-go's Conn) → `ffi` (the C API).
//! `group` holds the pure parts of consumer groups (protocol payloads, assignors).
//! `admin` (kafka-go's Client: admin calls that route themselves) sits on `cluster` beside `conn`.
//! `error` and `runtime` are shared foundations. `mock` is a test tool beside the layers: an
//! in-process mock cluster built on `protocol` alone.

pub mod admin;
pub mod cluster;
pub mod config;
pub mod conn;
pub mod error;
pub mod ffi;
pub mod group;
pub mod mock;
pub mod net;
pub mod protocol;
pub mod reader;
pub mod runtime;
pub mod writer;

pub use error::{Error, Result};
