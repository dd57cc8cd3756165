//! `kafka_client_t`: kafka-go's Client for C — admin calls on the whole cluster that find their
//! own broker (the controller, a group's coordinator, partition leaders, or every broker).
//!
//! Every call blocks the calling thread, takes `timeout_ms` (-1 = no limit) and an optional
//! `kafka_cancel_t` (NULL = none). Within the timeout, errors that are retriable
//! (kafka_err_is_retriable) are retried with backoff (`retry.backoff.ms`..`retry.backoff.max.ms`),
//! re-routing each time. A call's return value says whether the call as a whole ran (an invalid
//! argument, KAFKA_ERR_TIMED_OUT, KAFKA_ERR_CANCELLED, no broker reachable...); what happened
//! to each item — a topic, a group, a config resource, a partition — is in the result object
//! written to `*out` on success, each item with its own error code and message.
//!
//! Result objects are read with their accessors and freed with one call (`*_free`). Accessors
//! take the item index (0 .. count-1): out of range, string accessors return NULL, numeric ones
//! -1 and error accessors KAFKA_ERR_INVALID_ARG. Strings belong to the result object. Accessors
//! leave the thread's last error alone. See docs/admin.md.

use std::ffi::{c_char, CString};

use super::cancel::{kafka_cancel_t, token};
use super::config::{config_ref, kafka_config_t};
use super::error::kafka_err_t;
use super::handle::{self, borrow, c_str, check_out, Handle};
use super::new_topic::kafka_new_topic_t;
use super::panic::{guard, guard_value, guard_void};
use crate::admin::{
    self, AlterConfigOp, Client, ClientSettings, ConfigResource, Deadline, NewPartitions, OffsetQuery,
};
use crate::error::{code, Error, Result};
use crate::runtime::{block_on, timeout_from_ms};

/// Config resource type: a topic (name = the topic).
pub const KAFKA_RESOURCE_TOPIC: i32 = 2;
/// Config resource type: a broker (name = its id in decimal; "" = the cluster-wide defaults).
pub const KAFKA_RESOURCE_BROKER: i32 = 4;
/// Config resource type: a broker's loggers (name = the broker id).
pub const KAFKA_RESOURCE_BROKER_LOGGER: i32 = 8;

/// IncrementalAlterConfigs: set the config to `value`.
pub const KAFKA_CONFIG_OP_SET: i32 = 0;
/// IncrementalAlterConfigs: remove the config (back to its default); `value` is ignored.
pub const KAFKA_CONFIG_OP_DELETE: i32 = 1;
/// IncrementalAlterConfigs: append `value` to a list config.
pub const KAFKA_CONFIG_OP_APPEND: i32 = 2;
/// IncrementalAlterConfigs: remove `value` from a list config.
pub const KAFKA_CONFIG_OP_SUBTRACT: i32 = 3;

/// Config source: set on the topic.
pub const KAFKA_CONFIG_SOURCE_TOPIC: i32 = 1;
/// Config source: set dynamically on this broker.
pub const KAFKA_CONFIG_SOURCE_DYNAMIC_BROKER: i32 = 2;
/// Config source: set dynamically as the default of all brokers.
pub const KAFKA_CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER: i32 = 3;
/// Config source: the broker's properties file.
pub const KAFKA_CONFIG_SOURCE_STATIC_BROKER: i32 = 4;
/// Config source: Kafka's default value.
pub const KAFKA_CONFIG_SOURCE_DEFAULT: i32 = 5;

/// ListOffsets: the offset of the message with the largest timestamp (its timestamp comes
/// with it). KAFKA_OFFSET_FIRST (-2) and KAFKA_OFFSET_LAST (-1) ask for the earliest and the
/// end offset; a value >= 0 is a time in ms (the first offset at or after it).
pub const KAFKA_OFFSET_MAX_TIMESTAMP: i64 = -3;

/// An admin client of the whole cluster. Safe to use from several threads at once, except
/// kafka_client_close(), which must be the last call.
pub struct kafka_client_t {
    _private: [u8; 0],
}

impl Handle for kafka_client_t {
    type Inner = Client;
    const ARG: &'static str = "client";
    const NAME: &'static str = "client";
}

/// A topic to grow to `total_count` partitions (kafka_client_create_partitions). The
/// controller places the new partitions.
#[repr(C)]
pub struct kafka_new_partitions_t {
    pub topic: *const c_char,
    pub total_count: i32,
}

/// A config resource: KAFKA_RESOURCE_TOPIC with a topic name, or KAFKA_RESOURCE_BROKER /
/// KAFKA_RESOURCE_BROKER_LOGGER with a broker id ("1").
#[repr(C)]
pub struct kafka_config_resource_t {
    pub resource_type: i32,
    pub name: *const c_char,
}

/// One config change (kafka_client_incremental_alter_configs): on the resource
/// (`resource_type`, `resource_name`), apply `op` (KAFKA_CONFIG_OP_*) to config `name` with
/// `value` (NULL allowed for KAFKA_CONFIG_OP_DELETE).
#[repr(C)]
pub struct kafka_config_op_t {
    pub resource_type: i32,
    pub resource_name: *const c_char,
    pub name: *const c_char,
    pub value: *const c_char,
    pub op: i32,
}

/// A partition to look up (kafka_client_list_offsets): `timestamp` is KAFKA_OFFSET_FIRST,
/// KAFKA_OFFSET_LAST, KAFKA_OFFSET_MAX_TIMESTAMP or a time in ms since the epoch.
#[repr(C)]
pub struct kafka_offset_query_t {
    pub topic: *const c_char,
    pub partition: i32,
    pub timestamp: i64,
}

// ---- helpers ---------------------------------------------------------------------------------

fn cstring(s: &str) -> CString {
    CString::new(s.replace('\0', " ")).unwrap_or_default()
}

/// An item's error as C sees it.
struct CErr {
    code: kafka_err_t,
    message: Option<CString>,
}

impl CErr {
    fn of(e: Option<&Error>) -> CErr {
        match e {
            None => CErr { code: code::OK, message: None },
            Some(e) => CErr { code: e.code(), message: Some(cstring(e.message())) },
        }
    }
}

fn ptr(s: &CString) -> *const c_char {
    s.as_ptr()
}

fn opt_ptr(s: &Option<CString>) -> *const c_char {
    s.as_ref().map_or(std::ptr::null(), |s| s.as_ptr())
}

/// Entry `i` of a result object, or None (NULL handle, index out of range).
fn at<'a, H: Handle<Inner = Vec<T>>, T: 'a>(r: *const H, i: usize) -> Option<&'a T> {
    unsafe { borrow(r) }.ok().and_then(|v| v.get(i))
}

fn count<H: Handle<Inner = Vec<T>>, T>(r: *const H) -> usize {
    guard_value(0, || unsafe { borrow(r) }.map_or(0, Vec::len))
}

/// Runs an admin future on the shared runtime within the call's timeout and cancel token.
fn block<'a, T>(
    timeout_ms: i32,
    cancel: *const kafka_cancel_t,
    fut: impl FnOnce(Deadline) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<T>> + 'a>>,
) -> Result<T> {
    let timeout = timeout_from_ms(timeout_ms);
    let cancel = unsafe { token(cancel) }?;
    block_on(fut(Deadline::after(timeout)), timeout, cancel)
}

/// `n` C strings; `allow_empty`: n may be 0 (then `list` may be NULL).
unsafe fn strings(
    list: *const *const c_char,
    n: usize,
    what: &str,
    allow_empty: bool,
) -> Result<Vec<String>> {
    if n == 0 && allow_empty {
        return Ok(Vec::new());
    }
    handle::c_array(list, n, what)?
        .iter()
        .enumerate()
        .map(|(i, s)| c_str(*s, &format!("{what}[{i}]")).map(str::to_string))
        .collect()
}

fn resource_type(t: i32, what: impl FnOnce() -> String) -> Result<i8> {
    match t {
        KAFKA_RESOURCE_TOPIC | KAFKA_RESOURCE_BROKER | KAFKA_RESOURCE_BROKER_LOGGER => Ok(t as i8),
        _ => Err(Error::invalid_arg(format!(
            "{} is {t}: use KAFKA_RESOURCE_TOPIC, KAFKA_RESOURCE_BROKER or KAFKA_RESOURCE_BROKER_LOGGER",
            what()
        ))),
    }
}

// ---- the client ------------------------------------------------------------------------------

/// Creates a client from `cfg` in `*out`: `bootstrap.servers` is required; `client.id`, the socket
/// timeouts, TLS (`security.protocol`, `ssl.*`) and SASL (`sasl.*`) apply to every connection;
/// `retry.backoff.ms` / `retry.backoff.max.ms` pace retries; `metadata.max.age.ms` bounds cached
/// topic metadata; `isolation.level` (read_committed) makes ListOffsets and group lag use the last
/// stable offset. No connection is made until the first call.
///
/// Returns: KAFKA_ERR_CONFIG (the whole config is validated here; the message says what is wrong).
///
/// Ownership: `*out` belongs to the caller until kafka_client_close(). `cfg` is copied: free or
/// reuse it at once.
///
/// Threads: the client may be used from any number of threads.
#[no_mangle]
pub extern "C" fn kafka_client_new(cfg: *const kafka_config_t, out: *mut *mut kafka_client_t) -> kafka_err_t {
    guard("kafka_client_new", || unsafe {
        check_out(out, "out")?;
        let settings = ClientSettings::from_config(config_ref(cfg)?)?;
        let c = Client::new(settings)?;
        *out = handle::into_raw::<kafka_client_t>(c);
        Ok(())
    })
}

/// Closes the client's connections and frees it. NULL is ignored.
///
/// Ownership: results objects obtained from the client stay valid until their own *_free().
///
/// Threads: must be the last call: no other call on it may be running or follow (fire the cancel
/// tokens of calls blocked on other threads and wait for them to return first).
#[no_mangle]
pub extern "C" fn kafka_client_close(client: *mut kafka_client_t) {
    guard_void(|| {
        if let Some(c) = unsafe { handle::free(client) }? {
            c.close();
        }
        Ok(())
    });
}

// ---- topics ----------------------------------------------------------------------------------

/// Per-item results of the topic calls (create/delete topics, create partitions), in the order
/// the items were given: each topic's name, error code (KAFKA_OK when it succeeded) and message.
pub struct kafka_topic_results_t {
    _private: [u8; 0],
}

pub(crate) struct CItem {
    name: CString,
    err: CErr,
}

impl Handle for kafka_topic_results_t {
    type Inner = Vec<CItem>;
    const ARG: &'static str = "results";
    const NAME: &'static str = "topic results";
}

fn items<'a>(names: impl IntoIterator<Item = &'a str>, results: Vec<Result<()>>) -> Vec<CItem> {
    names
        .into_iter()
        .zip(results)
        .map(|(n, r)| CItem { name: cstring(n), err: CErr::of(r.as_ref().err()) })
        .collect()
}

/// Creates `count` topics described by `topics` (kafka_new_topic_new); with `validate_only` the
/// controller only checks them. The controller waits for the creation up to the call's timeout (30
/// s when -1).
///
/// Returns: KAFKA_OK with one result per topic in `*out`, each with its own code (e.g. an existing
/// topic gets KAFKA_ERR_TOPIC_ALREADY_EXISTS while the others are created); KAFKA_ERR_TIMED_OUT
/// after `timeout_ms` (-1 = no limit); KAFKA_ERR_CANCELLED when `cancel` (may be NULL) fires;
/// KAFKA_ERR_TRANSPORT, KAFKA_ERR_TLS or an authentication code when no broker can be reached.
///
/// Ownership: `*out` belongs to the caller until kafka_topic_results_free(); its strings belong to
/// it and stay valid until then. Inputs are copied during the call. The kafka_new_topic_t objects
/// stay the caller's.
///
/// Threads: blocks the calling thread; any thread, also while other calls use the client.
#[no_mangle]
pub extern "C" fn kafka_client_create_topics(
    client: *const kafka_client_t,
    topics: *const *const kafka_new_topic_t,
    count: usize,
    validate_only: bool,
    timeout_ms: i32,
    cancel: *const kafka_cancel_t,
    out: *mut *mut kafka_topic_results_t,
) -> kafka_err_t {
    guard("kafka_client_create_topics", || unsafe {
        let c = borrow(client)?;
        check_out(out, "out")?;
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
        let r = block(timeout_ms, cancel, |d| Box::pin(c.create_topics(&specs, validate_only, d)))?;
        *out = handle::into_raw::<kafka_topic_results_t>(items(specs.iter().map(|s| s.name.as_str()), r));
        Ok(())
    })
}

/// Deletes the `count` topics named in `topics`.
///
/// Returns: KAFKA_OK with one result per topic in `*out`, each with its own code (a topic that does
/// not exist gets KAFKA_ERR_UNKNOWN_TOPIC_OR_PARTITION); KAFKA_ERR_TIMED_OUT after `timeout_ms` (-1
/// = no limit); KAFKA_ERR_CANCELLED when `cancel` (may be NULL) fires; KAFKA_ERR_TRANSPORT,
/// KAFKA_ERR_TLS or an authentication code when no broker can be reached.
///
/// Ownership: `*out` belongs to the caller until kafka_topic_results_free(); its strings belong to
/// it and stay valid until then. Inputs are copied during the call.
///
/// Threads: blocks the calling thread; any thread, also while other calls use the client.
#[no_mangle]
pub extern "C" fn kafka_client_delete_topics(
    client: *const kafka_client_t,
    topics: *const *const c_char,
    count: usize,
    timeout_ms: i32,
    cancel: *const kafka_cancel_t,
    out: *mut *mut kafka_topic_results_t,
) -> kafka_err_t {
    guard("kafka_client_delete_topics", || unsafe {
        let c = borrow(client)?;
        check_out(out, "out")?;
        let names = strings(topics, count, "topics", false)?;
        let r = block(timeout_ms, cancel, |d| Box::pin(c.delete_topics(&names, d)))?;
        *out = handle::into_raw::<kafka_topic_results_t>(items(names.iter().map(String::as_str), r));
        Ok(())
    })
}

/// Grows each topic of `topics` to its `total_count` partitions; with `validate_only` nothing
/// changes.
///
/// Returns: KAFKA_OK with one result per topic in `*out`, each with its own code (a count below the
/// current one is KAFKA_ERR_INVALID_PARTITIONS for that topic); KAFKA_ERR_TIMED_OUT after
/// `timeout_ms` (-1 = no limit); KAFKA_ERR_CANCELLED when `cancel` (may be NULL) fires;
/// KAFKA_ERR_TRANSPORT, KAFKA_ERR_TLS or an authentication code when no broker can be reached.
///
/// Ownership: `*out` belongs to the caller until kafka_topic_results_free(); its strings belong to
/// it and stay valid until then. Inputs are copied during the call.
///
/// Threads: blocks the calling thread; any thread, also while other calls use the client.
#[no_mangle]
pub extern "C" fn kafka_client_create_partitions(
    client: *const kafka_client_t,
    topics: *const kafka_new_partitions_t,
    count: usize,
    validate_only: bool,
    timeout_ms: i32,
    cancel: *const kafka_cancel_t,
    out: *mut *mut kafka_topic_results_t,
) -> kafka_err_t {
    guard("kafka_client_create_partitions", || unsafe {
        let c = borrow(client)?;
        check_out(out, "out")?;
        let asks = handle::c_array(topics, count, "topics")?
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let topic = c_str(t.topic, &format!("topics[{i}].topic"))?.to_string();
                if t.total_count < 1 {
                    return Err(Error::invalid_arg(format!("topics[{i}].total_count is {}", t.total_count)));
                }
                Ok(NewPartitions { topic, total_count: t.total_count })
            })
            .collect::<Result<Vec<_>>>()?;
        let r = block(timeout_ms, cancel, |d| Box::pin(c.create_partitions(&asks, validate_only, d)))?;
        *out = handle::into_raw::<kafka_topic_results_t>(items(asks.iter().map(|a| a.topic.as_str()), r));
        Ok(())
    })
}

/// The number of topics in the results (0 if `results` is NULL).
#[no_mangle]
pub extern "C" fn kafka_topic_results_count(results: *const kafka_topic_results_t) -> usize {
    count(results)
}

/// The name of topic `index`.
///
/// Ownership: belongs to the results; valid until kafka_topic_results_free().
#[no_mangle]
pub extern "C" fn kafka_topic_results_name(
    results: *const kafka_topic_results_t,
    index: usize,
) -> *const c_char {
    guard_value(std::ptr::null(), || at(results, index).map_or(std::ptr::null(), |e: &CItem| ptr(&e.name)))
}

/// The error code of topic `index`: KAFKA_OK if the operation succeeded for it.
#[no_mangle]
pub extern "C" fn kafka_topic_results_error(
    results: *const kafka_topic_results_t,
    index: usize,
) -> kafka_err_t {
    guard_value(code::INVALID_ARG, || at(results, index).map_or(code::INVALID_ARG, |e: &CItem| e.err.code))
}

/// The error message of topic `index` (what was done and the broker's own words), or NULL if it
/// succeeded.
///
/// Ownership: belongs to the results; valid until kafka_topic_results_free().
#[no_mangle]
pub extern "C" fn kafka_topic_results_error_message(
    results: *const kafka_topic_results_t,
    index: usize,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        at(results, index).map_or(std::ptr::null(), |e: &CItem| opt_ptr(&e.err.message))
    })
}

/// Frees the results. NULL is ignored.
#[no_mangle]
pub extern "C" fn kafka_topic_results_free(results: *mut kafka_topic_results_t) {
    guard_void(|| {
        unsafe { handle::free(results) }?;
        Ok(())
    });
}

// ---- configs ---------------------------------------------------------------------------------

/// Per-resource results of kafka_client_describe_configs (with each resource's configs) and
/// kafka_client_incremental_alter_configs (without configs), in the order given.
pub struct kafka_config_results_t {
    _private: [u8; 0],
}

struct CConfigEntry {
    name: CString,
    value: Option<CString>,
    read_only: bool,
    sensitive: bool,
    source: i32,
}

pub(crate) struct CConfigResource {
    resource_type: i32,
    name: CString,
    err: CErr,
    entries: Vec<CConfigEntry>,
}

impl Handle for kafka_config_results_t {
    type Inner = Vec<CConfigResource>;
    const ARG: &'static str = "results";
    const NAME: &'static str = "config results";
}

fn c_resource(r: &ConfigResource, err: Option<&Error>, entries: &[admin::ConfigEntry]) -> CConfigResource {
    CConfigResource {
        resource_type: i32::from(r.resource_type),
        name: cstring(&r.name),
        err: CErr::of(err),
        entries: entries
            .iter()
            .map(|e| CConfigEntry {
                name: cstring(&e.name),
                value: e.value.as_deref().map(cstring),
                read_only: e.read_only,
                sensitive: e.is_sensitive,
                source: i32::from(e.source),
            })
            .collect(),
    }
}

/// Describes the configs of `count` resources. `names` (`name_count` of them) limits the configs
/// returned; 0 and NULL mean all. A broker's configs are asked of that broker.
///
/// Returns: KAFKA_OK with one result per resource in `*out`, each with its own code and its configs
/// (e.g. a missing topic gets KAFKA_ERR_UNKNOWN_TOPIC_OR_PARTITION); KAFKA_ERR_TIMED_OUT after
/// `timeout_ms` (-1 = no limit); KAFKA_ERR_CANCELLED when `cancel` (may be NULL) fires;
/// KAFKA_ERR_TRANSPORT, KAFKA_ERR_TLS or an authentication code when no broker can be reached.
///
/// Ownership: `*out` belongs to the caller until kafka_config_results_free(); its strings belong to
/// it and stay valid until then. Inputs are copied during the call.
///
/// Threads: blocks the calling thread; any thread, also while other calls use the client.
#[no_mangle]
pub extern "C" fn kafka_client_describe_configs(
    client: *const kafka_client_t,
    resources: *const kafka_config_resource_t,
    count: usize,
    names: *const *const c_char,
    name_count: usize,
    timeout_ms: i32,
    cancel: *const kafka_cancel_t,
    out: *mut *mut kafka_config_results_t,
) -> kafka_err_t {
    guard("kafka_client_describe_configs", || unsafe {
        let c = borrow(client)?;
        check_out(out, "out")?;
        let rs = handle::c_array(resources, count, "resources")?
            .iter()
            .enumerate()
            .map(|(i, r)| {
                Ok(ConfigResource {
                    resource_type: resource_type(r.resource_type, || {
                        format!("resources[{i}].resource_type")
                    })?,
                    name: c_str(r.name, &format!("resources[{i}].name"))?.to_string(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let names = strings(names, name_count, "names", true)?;
        let results = block(timeout_ms, cancel, |d| Box::pin(c.describe_configs(&rs, &names, d)))?;
        let list = rs
            .iter()
            .zip(results)
            .map(|(r, res)| match res {
                Ok(ok) => c_resource(r, None, &ok.entries),
                Err(e) => c_resource(r, Some(&e), &[]),
            })
            .collect();
        *out = handle::into_raw::<kafka_config_results_t>(list);
        Ok(())
    })
}

/// Applies `count` config changes (grouped by resource, each resource in one request; a broker's at
/// that broker); with `validate_only` nothing changes.
///
/// Returns: KAFKA_OK with one result per distinct resource in `*out`, in the order each first
/// appears in `ops`, each with its own code and without configs; KAFKA_ERR_TIMED_OUT after
/// `timeout_ms` (-1 = no limit); KAFKA_ERR_CANCELLED when `cancel` (may be NULL) fires;
/// KAFKA_ERR_TRANSPORT, KAFKA_ERR_TLS or an authentication code when no broker can be reached.
///
/// Ownership: `*out` belongs to the caller until kafka_config_results_free(); its strings belong to
/// it and stay valid until then. Inputs are copied during the call.
///
/// Threads: blocks the calling thread; any thread, also while other calls use the client.
#[no_mangle]
pub extern "C" fn kafka_client_incremental_alter_configs(
    client: *const kafka_client_t,
    ops: *const kafka_config_op_t,
    count: usize,
    validate_only: bool,
    timeout_ms: i32,
    cancel: *const kafka_cancel_t,
    out: *mut *mut kafka_config_results_t,
) -> kafka_err_t {
    guard("kafka_client_incremental_alter_configs", || unsafe {
        let c = borrow(client)?;
        check_out(out, "out")?;
        let ops = handle::c_array(ops, count, "ops")?
            .iter()
            .enumerate()
            .map(|(i, o)| {
                let op = i8::try_from(o.op).ok().filter(|op| (0..=3).contains(op)).ok_or_else(|| {
                    Error::invalid_arg(format!("ops[{i}].op is {}: use a KAFKA_CONFIG_OP_* value", o.op))
                })?;
                let value = if o.value.is_null() {
                    if op != 1 {
                        return Err(Error::invalid_arg(format!("ops[{i}].value is NULL")));
                    }
                    None
                } else {
                    Some(c_str(o.value, &format!("ops[{i}].value"))?.to_string())
                };
                Ok(AlterConfigOp {
                    resource: ConfigResource {
                        resource_type: resource_type(o.resource_type, || format!("ops[{i}].resource_type"))?,
                        name: c_str(o.resource_name, &format!("ops[{i}].resource_name"))?.to_string(),
                    },
                    name: c_str(o.name, &format!("ops[{i}].name"))?.to_string(),
                    value,
                    op,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let results =
            block(timeout_ms, cancel, |d| Box::pin(c.incremental_alter_configs(&ops, validate_only, d)))?;
        let list = results.iter().map(|(r, res)| c_resource(r, res.as_ref().err(), &[])).collect();
        *out = handle::into_raw::<kafka_config_results_t>(list);
        Ok(())
    })
}

fn config_entry<'a>(r: *const kafka_config_results_t, i: usize, j: usize) -> Option<&'a CConfigEntry> {
    at(r, i).and_then(|res: &CConfigResource| res.entries.get(j))
}

/// The number of resources in the results (0 if `results` is NULL).
#[no_mangle]
pub extern "C" fn kafka_config_results_count(results: *const kafka_config_results_t) -> usize {
    count(results)
}

/// The type (KAFKA_RESOURCE_*) of resource `index`, or -1.
#[no_mangle]
pub extern "C" fn kafka_config_results_resource_type(
    results: *const kafka_config_results_t,
    index: usize,
) -> i32 {
    guard_value(-1, || at(results, index).map_or(-1, |r: &CConfigResource| r.resource_type))
}

/// The name of resource `index` (topic name or broker id).
///
/// Ownership: belongs to the results; valid until kafka_config_results_free().
#[no_mangle]
pub extern "C" fn kafka_config_results_name(
    results: *const kafka_config_results_t,
    index: usize,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        at(results, index).map_or(std::ptr::null(), |r: &CConfigResource| ptr(&r.name))
    })
}

/// The error code of resource `index`: KAFKA_OK if the call succeeded for it.
#[no_mangle]
pub extern "C" fn kafka_config_results_error(
    results: *const kafka_config_results_t,
    index: usize,
) -> kafka_err_t {
    guard_value(code::INVALID_ARG, || {
        at(results, index).map_or(code::INVALID_ARG, |r: &CConfigResource| r.err.code)
    })
}

/// The error message of resource `index`, or NULL if it succeeded.
///
/// Ownership: belongs to the results; valid until kafka_config_results_free().
#[no_mangle]
pub extern "C" fn kafka_config_results_error_message(
    results: *const kafka_config_results_t,
    index: usize,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        at(results, index).map_or(std::ptr::null(), |r: &CConfigResource| opt_ptr(&r.err.message))
    })
}

/// The number of configs of resource `index` (0 after an error or for alter results).
#[no_mangle]
pub extern "C" fn kafka_config_results_entry_count(
    results: *const kafka_config_results_t,
    index: usize,
) -> usize {
    guard_value(0, || at(results, index).map_or(0, |r: &CConfigResource| r.entries.len()))
}

/// The name of config `entry` of resource `index`.
///
/// Ownership: belongs to the results; valid until kafka_config_results_free().
#[no_mangle]
pub extern "C" fn kafka_config_results_entry_name(
    results: *const kafka_config_results_t,
    index: usize,
    entry: usize,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        config_entry(results, index, entry).map_or(std::ptr::null(), |e| ptr(&e.name))
    })
}

/// The value of config `entry` of resource `index`; NULL for a sensitive config or one without
/// a value.
///
/// Ownership: belongs to the results; valid until kafka_config_results_free().
#[no_mangle]
pub extern "C" fn kafka_config_results_entry_value(
    results: *const kafka_config_results_t,
    index: usize,
    entry: usize,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        config_entry(results, index, entry).map_or(std::ptr::null(), |e| opt_ptr(&e.value))
    })
}

/// Where the value of config `entry` comes from: KAFKA_CONFIG_SOURCE_* (0 unknown), or -1.
#[no_mangle]
pub extern "C" fn kafka_config_results_entry_source(
    results: *const kafka_config_results_t,
    index: usize,
    entry: usize,
) -> i32 {
    guard_value(-1, || config_entry(results, index, entry).map_or(-1, |e| e.source))
}

/// Whether config `entry` is read-only (false out of range).
#[no_mangle]
pub extern "C" fn kafka_config_results_entry_is_read_only(
    results: *const kafka_config_results_t,
    index: usize,
    entry: usize,
) -> bool {
    guard_value(false, || config_entry(results, index, entry).is_some_and(|e| e.read_only))
}

/// Whether config `entry` is sensitive (its value is then NULL; false out of range).
#[no_mangle]
pub extern "C" fn kafka_config_results_entry_is_sensitive(
    results: *const kafka_config_results_t,
    index: usize,
    entry: usize,
) -> bool {
    guard_value(false, || config_entry(results, index, entry).is_some_and(|e| e.sensitive))
}

/// The value of the config named `name` of resource `index`, or NULL if the resource has no
/// such config (or it is sensitive or has no value).
///
/// Ownership: belongs to the results; valid until kafka_config_results_free().
#[no_mangle]
pub extern "C" fn kafka_config_results_value(
    results: *const kafka_config_results_t,
    index: usize,
    name: *const c_char,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        let Ok(name) = (unsafe { c_str(name, "name") }) else {
            return std::ptr::null();
        };
        at(results, index)
            .and_then(|r: &CConfigResource| r.entries.iter().find(|e| e.name.as_bytes() == name.as_bytes()))
            .map_or(std::ptr::null(), |e| opt_ptr(&e.value))
    })
}

/// Frees the results. NULL is ignored.
#[no_mangle]
pub extern "C" fn kafka_config_results_free(results: *mut kafka_config_results_t) {
    guard_void(|| {
        unsafe { handle::free(results) }?;
        Ok(())
    });
}

// ---- groups ----------------------------------------------------------------------------------

/// The groups of the cluster (kafka_client_list_groups), sorted by id.
pub struct kafka_group_list_t {
    _private: [u8; 0],
}

pub(crate) struct CListedGroup {
    group_id: CString,
    protocol_type: CString,
    state: CString,
    group_type: CString,
    coordinator: i32,
}

impl Handle for kafka_group_list_t {
    type Inner = Vec<CListedGroup>;
    const ARG: &'static str = "list";
    const NAME: &'static str = "group list";
}

/// Lists every group of the cluster: ListGroups is asked of every broker and the answers are
/// merged.
///
/// Returns: a broker that keeps failing within the timeout fails the call (a partial list would
/// pass for a complete one); KAFKA_ERR_TIMED_OUT after `timeout_ms` (-1 = no limit);
/// KAFKA_ERR_CANCELLED when `cancel` (may be NULL) fires; KAFKA_ERR_TRANSPORT, KAFKA_ERR_TLS or an
/// authentication code when no broker can be reached.
///
/// Ownership: `*out` belongs to the caller until kafka_group_list_free(); its strings belong to it
/// and stay valid until then. Inputs are copied during the call.
///
/// Threads: blocks the calling thread; any thread, also while other calls use the client.
#[no_mangle]
pub extern "C" fn kafka_client_list_groups(
    client: *const kafka_client_t,
    timeout_ms: i32,
    cancel: *const kafka_cancel_t,
    out: *mut *mut kafka_group_list_t,
) -> kafka_err_t {
    guard("kafka_client_list_groups", || unsafe {
        let c = borrow(client)?;
        check_out(out, "out")?;
        let groups = block(timeout_ms, cancel, |d| Box::pin(c.list_groups(d)))?;
        let list = groups
            .iter()
            .map(|g| CListedGroup {
                group_id: cstring(&g.group_id),
                protocol_type: cstring(&g.protocol_type),
                state: cstring(&g.state),
                group_type: cstring(&g.group_type),
                coordinator: g.coordinator,
            })
            .collect();
        *out = handle::into_raw::<kafka_group_list_t>(list);
        Ok(())
    })
}

/// The number of groups in the list (0 if `list` is NULL).
#[no_mangle]
pub extern "C" fn kafka_group_list_count(list: *const kafka_group_list_t) -> usize {
    count(list)
}

/// The id of group `index`.
///
/// Ownership: belongs to the list; valid until kafka_group_list_free().
#[no_mangle]
pub extern "C" fn kafka_group_list_group_id(list: *const kafka_group_list_t, index: usize) -> *const c_char {
    guard_value(std::ptr::null(), || {
        at(list, index).map_or(std::ptr::null(), |g: &CListedGroup| ptr(&g.group_id))
    })
}

/// The protocol type of group `index`: "consumer" for consumer groups.
///
/// Ownership: belongs to the list; valid until kafka_group_list_free().
#[no_mangle]
pub extern "C" fn kafka_group_list_protocol_type(
    list: *const kafka_group_list_t,
    index: usize,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        at(list, index).map_or(std::ptr::null(), |g: &CListedGroup| ptr(&g.protocol_type))
    })
}

/// The state of group `index` ("Stable", "Empty", "PreparingRebalance", ...).
///
/// Ownership: belongs to the list; valid until kafka_group_list_free().
#[no_mangle]
pub extern "C" fn kafka_group_list_state(list: *const kafka_group_list_t, index: usize) -> *const c_char {
    guard_value(std::ptr::null(), || {
        at(list, index).map_or(std::ptr::null(), |g: &CListedGroup| ptr(&g.state))
    })
}

/// The type of group `index`: "classic" or "consumer" (KIP-848).
///
/// Ownership: belongs to the list; valid until kafka_group_list_free().
#[no_mangle]
pub extern "C" fn kafka_group_list_type(list: *const kafka_group_list_t, index: usize) -> *const c_char {
    guard_value(std::ptr::null(), || {
        at(list, index).map_or(std::ptr::null(), |g: &CListedGroup| ptr(&g.group_type))
    })
}

/// The id of the broker coordinating group `index`, or -1.
#[no_mangle]
pub extern "C" fn kafka_group_list_coordinator(list: *const kafka_group_list_t, index: usize) -> i32 {
    guard_value(-1, || at(list, index).map_or(-1, |g: &CListedGroup| g.coordinator))
}

/// Frees the list. NULL is ignored.
#[no_mangle]
pub extern "C" fn kafka_group_list_free(list: *mut kafka_group_list_t) {
    guard_void(|| {
        unsafe { handle::free(list) }?;
        Ok(())
    });
}

/// Per-group results of kafka_client_describe_groups, in the order given: each group's error,
/// state, protocol and members with their decoded subscriptions and assignments.
pub struct kafka_group_descriptions_t {
    _private: [u8; 0],
}

struct CMember {
    member_id: CString,
    instance_id: Option<CString>,
    client_id: CString,
    host: CString,
    topics: Vec<CString>,
    assignment: Vec<(CString, i32)>,
}

pub(crate) struct CGroup {
    group_id: CString,
    err: CErr,
    state: CString,
    protocol_type: CString,
    protocol: CString,
    members: Vec<CMember>,
}

impl Handle for kafka_group_descriptions_t {
    type Inner = Vec<CGroup>;
    const ARG: &'static str = "groups";
    const NAME: &'static str = "group descriptions";
}

/// Describes the `count` groups named in `groups`, each asked of its coordinator.
///
/// Returns: KAFKA_OK with one result per group in `*out`, each with its own code (a group that does
/// not exist gets KAFKA_ERR_GROUP_ID_NOT_FOUND); KAFKA_ERR_TIMED_OUT after `timeout_ms` (-1 = no
/// limit); KAFKA_ERR_CANCELLED when `cancel` (may be NULL) fires; KAFKA_ERR_TRANSPORT,
/// KAFKA_ERR_TLS or an authentication code when no broker can be reached.
///
/// Ownership: `*out` belongs to the caller until kafka_group_descriptions_free(); its strings
/// belong to it and stay valid until then. Inputs are copied during the call.
///
/// Threads: blocks the calling thread; any thread, also while other calls use the client.
#[no_mangle]
pub extern "C" fn kafka_client_describe_groups(
    client: *const kafka_client_t,
    groups: *const *const c_char,
    count: usize,
    timeout_ms: i32,
    cancel: *const kafka_cancel_t,
    out: *mut *mut kafka_group_descriptions_t,
) -> kafka_err_t {
    guard("kafka_client_describe_groups", || unsafe {
        let c = borrow(client)?;
        check_out(out, "out")?;
        let names = strings(groups, count, "groups", false)?;
        let results = block(timeout_ms, cancel, |d| Box::pin(c.describe_groups(&names, d)))?;
        let list = names
            .iter()
            .zip(results)
            .map(|(name, r)| match r {
                Ok(g) => CGroup {
                    group_id: cstring(name),
                    err: CErr::of(None),
                    state: cstring(&g.state),
                    protocol_type: cstring(&g.protocol_type),
                    protocol: cstring(&g.protocol),
                    members: g
                        .members
                        .iter()
                        .map(|m| CMember {
                            member_id: cstring(&m.member_id),
                            instance_id: m.instance_id.as_deref().map(cstring),
                            client_id: cstring(&m.client_id),
                            host: cstring(&m.client_host),
                            topics: m.subscribed_topics.iter().map(|t| cstring(t)).collect(),
                            assignment: m.assignment.iter().map(|(t, p)| (cstring(t), *p)).collect(),
                        })
                        .collect(),
                },
                Err(e) => CGroup {
                    group_id: cstring(name),
                    err: CErr::of(Some(&e)),
                    state: CString::default(),
                    protocol_type: CString::default(),
                    protocol: CString::default(),
                    members: Vec::new(),
                },
            })
            .collect();
        *out = handle::into_raw::<kafka_group_descriptions_t>(list);
        Ok(())
    })
}

fn member<'a>(r: *const kafka_group_descriptions_t, i: usize, m: usize) -> Option<&'a CMember> {
    at(r, i).and_then(|g: &CGroup| g.members.get(m))
}

/// The number of groups in the results (0 if `groups` is NULL).
#[no_mangle]
pub extern "C" fn kafka_group_descriptions_count(groups: *const kafka_group_descriptions_t) -> usize {
    count(groups)
}

/// The id of group `index`.
///
/// Ownership: belongs to the results; valid until kafka_group_descriptions_free().
#[no_mangle]
pub extern "C" fn kafka_group_descriptions_group_id(
    groups: *const kafka_group_descriptions_t,
    index: usize,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        at(groups, index).map_or(std::ptr::null(), |g: &CGroup| ptr(&g.group_id))
    })
}

/// The error code of group `index`: KAFKA_OK if it was described.
#[no_mangle]
pub extern "C" fn kafka_group_descriptions_error(
    groups: *const kafka_group_descriptions_t,
    index: usize,
) -> kafka_err_t {
    guard_value(code::INVALID_ARG, || at(groups, index).map_or(code::INVALID_ARG, |g: &CGroup| g.err.code))
}

/// The error message of group `index`, or NULL if it was described.
///
/// Ownership: belongs to the results; valid until kafka_group_descriptions_free().
#[no_mangle]
pub extern "C" fn kafka_group_descriptions_error_message(
    groups: *const kafka_group_descriptions_t,
    index: usize,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        at(groups, index).map_or(std::ptr::null(), |g: &CGroup| opt_ptr(&g.err.message))
    })
}

/// The state of group `index` ("Stable", "Empty", "Dead", ...; "" after an error).
///
/// Ownership: belongs to the results; valid until kafka_group_descriptions_free().
#[no_mangle]
pub extern "C" fn kafka_group_descriptions_state(
    groups: *const kafka_group_descriptions_t,
    index: usize,
) -> *const c_char {
    guard_value(std::ptr::null(), || at(groups, index).map_or(std::ptr::null(), |g: &CGroup| ptr(&g.state)))
}

/// The protocol type of group `index` ("consumer" for consumer groups).
///
/// Ownership: belongs to the results; valid until kafka_group_descriptions_free().
#[no_mangle]
pub extern "C" fn kafka_group_descriptions_protocol_type(
    groups: *const kafka_group_descriptions_t,
    index: usize,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        at(groups, index).map_or(std::ptr::null(), |g: &CGroup| ptr(&g.protocol_type))
    })
}

/// The protocol (assignor: "range", "roundrobin", ...) group `index` chose; "" when none.
///
/// Ownership: belongs to the results; valid until kafka_group_descriptions_free().
#[no_mangle]
pub extern "C" fn kafka_group_descriptions_protocol(
    groups: *const kafka_group_descriptions_t,
    index: usize,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        at(groups, index).map_or(std::ptr::null(), |g: &CGroup| ptr(&g.protocol))
    })
}

/// The number of members of group `index`.
#[no_mangle]
pub extern "C" fn kafka_group_descriptions_member_count(
    groups: *const kafka_group_descriptions_t,
    index: usize,
) -> usize {
    guard_value(0, || at(groups, index).map_or(0, |g: &CGroup| g.members.len()))
}

/// The member id of member `member` of group `index`.
///
/// Ownership: belongs to the results; valid until kafka_group_descriptions_free().
#[no_mangle]
pub extern "C" fn kafka_group_descriptions_member_id(
    groups: *const kafka_group_descriptions_t,
    index: usize,
    member: usize,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        self::member(groups, index, member).map_or(std::ptr::null(), |m| ptr(&m.member_id))
    })
}

/// The group.instance.id of a member (static membership), or NULL.
///
/// Ownership: belongs to the results; valid until kafka_group_descriptions_free().
#[no_mangle]
pub extern "C" fn kafka_group_descriptions_member_instance_id(
    groups: *const kafka_group_descriptions_t,
    index: usize,
    member: usize,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        self::member(groups, index, member).map_or(std::ptr::null(), |m| opt_ptr(&m.instance_id))
    })
}

/// The client.id of a member.
///
/// Ownership: belongs to the results; valid until kafka_group_descriptions_free().
#[no_mangle]
pub extern "C" fn kafka_group_descriptions_member_client_id(
    groups: *const kafka_group_descriptions_t,
    index: usize,
    member: usize,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        self::member(groups, index, member).map_or(std::ptr::null(), |m| ptr(&m.client_id))
    })
}

/// The host a member connects from, as the broker saw it ("/127.0.0.1").
///
/// Ownership: belongs to the results; valid until kafka_group_descriptions_free().
#[no_mangle]
pub extern "C" fn kafka_group_descriptions_member_host(
    groups: *const kafka_group_descriptions_t,
    index: usize,
    member: usize,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        self::member(groups, index, member).map_or(std::ptr::null(), |m| ptr(&m.host))
    })
}

/// The number of topics a member subscribed to (consumer groups).
#[no_mangle]
pub extern "C" fn kafka_group_descriptions_member_topic_count(
    groups: *const kafka_group_descriptions_t,
    index: usize,
    member: usize,
) -> usize {
    guard_value(0, || self::member(groups, index, member).map_or(0, |m| m.topics.len()))
}

/// Subscribed topic `topic` of a member.
///
/// Ownership: belongs to the results; valid until kafka_group_descriptions_free().
#[no_mangle]
pub extern "C" fn kafka_group_descriptions_member_topic(
    groups: *const kafka_group_descriptions_t,
    index: usize,
    member: usize,
    topic: usize,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        self::member(groups, index, member).and_then(|m| m.topics.get(topic)).map_or(std::ptr::null(), ptr)
    })
}

/// The number of partitions assigned to a member (consumer groups), sorted by topic, partition.
#[no_mangle]
pub extern "C" fn kafka_group_descriptions_member_assignment_count(
    groups: *const kafka_group_descriptions_t,
    index: usize,
    member: usize,
) -> usize {
    guard_value(0, || self::member(groups, index, member).map_or(0, |m| m.assignment.len()))
}

/// Assigned partition `n` of a member: `*topic` (owned by the results) and `*partition`.
/// Either output may be NULL. KAFKA_ERR_NOT_FOUND if an index is out of range.
#[no_mangle]
pub extern "C" fn kafka_group_descriptions_member_assignment(
    groups: *const kafka_group_descriptions_t,
    index: usize,
    member: usize,
    n: usize,
    topic: *mut *const c_char,
    partition: *mut i32,
) -> kafka_err_t {
    guard("kafka_group_descriptions_member_assignment", || unsafe {
        borrow(groups)?;
        let (t, p) =
            self::member(groups, index, member).and_then(|m| m.assignment.get(n)).ok_or_else(|| {
                Error::new(code::NOT_FOUND, format!("no assignment {n} of member {member} of group {index}"))
            })?;
        if !topic.is_null() {
            *topic = t.as_ptr();
        }
        if !partition.is_null() {
            *partition = *p;
        }
        Ok(())
    })
}

/// Frees the results. NULL is ignored.
#[no_mangle]
pub extern "C" fn kafka_group_descriptions_free(groups: *mut kafka_group_descriptions_t) {
    guard_void(|| {
        unsafe { handle::free(groups) }?;
        Ok(())
    });
}

/// Per-group results of kafka_client_delete_groups, in the order given.
pub struct kafka_group_results_t {
    _private: [u8; 0],
}

impl Handle for kafka_group_results_t {
    type Inner = Vec<CItem>;
    const ARG: &'static str = "results";
    const NAME: &'static str = "group results";
}

/// Deletes the `count` groups named in `groups`.
///
/// Returns: KAFKA_OK with one result per group in `*out`, each with its own code (a group with
/// members gets KAFKA_ERR_NON_EMPTY_GROUP, a missing one KAFKA_ERR_GROUP_ID_NOT_FOUND);
/// KAFKA_ERR_TIMED_OUT after `timeout_ms` (-1 = no limit); KAFKA_ERR_CANCELLED when `cancel` (may
/// be NULL) fires; KAFKA_ERR_TRANSPORT, KAFKA_ERR_TLS or an authentication code when no broker can
/// be reached.
///
/// Ownership: `*out` belongs to the caller until kafka_group_results_free(); its strings belong to
/// it and stay valid until then. Inputs are copied during the call.
///
/// Threads: blocks the calling thread; any thread, also while other calls use the client.
#[no_mangle]
pub extern "C" fn kafka_client_delete_groups(
    client: *const kafka_client_t,
    groups: *const *const c_char,
    count: usize,
    timeout_ms: i32,
    cancel: *const kafka_cancel_t,
    out: *mut *mut kafka_group_results_t,
) -> kafka_err_t {
    guard("kafka_client_delete_groups", || unsafe {
        let c = borrow(client)?;
        check_out(out, "out")?;
        let names = strings(groups, count, "groups", false)?;
        let r = block(timeout_ms, cancel, |d| Box::pin(c.delete_groups(&names, d)))?;
        *out = handle::into_raw::<kafka_group_results_t>(items(names.iter().map(String::as_str), r));
        Ok(())
    })
}

/// The number of groups in the results (0 if `results` is NULL).
#[no_mangle]
pub extern "C" fn kafka_group_results_count(results: *const kafka_group_results_t) -> usize {
    count(results)
}

/// The id of group `index`.
///
/// Ownership: belongs to the results; valid until kafka_group_results_free().
#[no_mangle]
pub extern "C" fn kafka_group_results_group_id(
    results: *const kafka_group_results_t,
    index: usize,
) -> *const c_char {
    guard_value(std::ptr::null(), || at(results, index).map_or(std::ptr::null(), |e: &CItem| ptr(&e.name)))
}

/// The error code of group `index`: KAFKA_OK if the operation succeeded for it.
#[no_mangle]
pub extern "C" fn kafka_group_results_error(
    results: *const kafka_group_results_t,
    index: usize,
) -> kafka_err_t {
    guard_value(code::INVALID_ARG, || at(results, index).map_or(code::INVALID_ARG, |e: &CItem| e.err.code))
}

/// The error message of group `index`, or NULL if it succeeded.
///
/// Ownership: belongs to the results; valid until kafka_group_results_free().
#[no_mangle]
pub extern "C" fn kafka_group_results_error_message(
    results: *const kafka_group_results_t,
    index: usize,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        at(results, index).map_or(std::ptr::null(), |e: &CItem| opt_ptr(&e.err.message))
    })
}

/// Frees the results. NULL is ignored.
#[no_mangle]
pub extern "C" fn kafka_group_results_free(results: *mut kafka_group_results_t) {
    guard_void(|| {
        unsafe { handle::free(results) }?;
        Ok(())
    });
}

// ---- offsets ---------------------------------------------------------------------------------

/// Per-partition offsets: from kafka_client_list_offsets (one per query, in order: offset,
/// timestamp, leader epoch) or kafka_client_offset_fetch (a group's committed offsets sorted by
/// topic and partition: offset, leader epoch, commit metadata).
pub struct kafka_offset_results_t {
    _private: [u8; 0],
}

pub(crate) struct COffset {
    topic: CString,
    partition: i32,
    offset: i64,
    timestamp: i64,
    leader_epoch: i32,
    metadata: Option<CString>,
    err: CErr,
}

impl Handle for kafka_offset_results_t {
    type Inner = Vec<COffset>;
    const ARG: &'static str = "results";
    const NAME: &'static str = "offset results";
}

/// Looks up `count` offsets, each asked of its partition's leader (one request per leader). A time
/// query with no message at or after that time gives offset -1.
///
/// Returns: KAFKA_OK with one result per query in `*out`, in order, each with its own code (a
/// partition or topic that does not exist gets KAFKA_ERR_UNKNOWN_TOPIC_OR_PARTITION at once);
/// KAFKA_ERR_TIMED_OUT after `timeout_ms` (-1 = no limit); KAFKA_ERR_CANCELLED when `cancel` (may
/// be NULL) fires; KAFKA_ERR_TRANSPORT, KAFKA_ERR_TLS or an authentication code when no broker can
/// be reached.
///
/// Ownership: `*out` belongs to the caller until kafka_offset_results_free(); its strings belong to
/// it and stay valid until then. Inputs are copied during the call.
///
/// Threads: blocks the calling thread; any thread, also while other calls use the client.
#[no_mangle]
pub extern "C" fn kafka_client_list_offsets(
    client: *const kafka_client_t,
    queries: *const kafka_offset_query_t,
    count: usize,
    timeout_ms: i32,
    cancel: *const kafka_cancel_t,
    out: *mut *mut kafka_offset_results_t,
) -> kafka_err_t {
    guard("kafka_client_list_offsets", || unsafe {
        let c = borrow(client)?;
        check_out(out, "out")?;
        let qs = handle::c_array(queries, count, "queries")?
            .iter()
            .enumerate()
            .map(|(i, q)| {
                let topic = c_str(q.topic, &format!("queries[{i}].topic"))?.to_string();
                if q.partition < 0 {
                    return Err(Error::invalid_arg(format!("queries[{i}].partition is {}", q.partition)));
                }
                if q.timestamp < KAFKA_OFFSET_MAX_TIMESTAMP {
                    return Err(Error::invalid_arg(format!("queries[{i}].timestamp is {}", q.timestamp)));
                }
                Ok(OffsetQuery { topic, partition: q.partition, timestamp: q.timestamp })
            })
            .collect::<Result<Vec<_>>>()?;
        let results = block(timeout_ms, cancel, |d| Box::pin(c.list_offsets(&qs, d)))?;
        let list = qs
            .iter()
            .zip(results)
            .map(|(q, r)| {
                let (offset, timestamp, leader_epoch) =
                    r.as_ref().map_or((-1, -1, -1), |o| (o.offset, o.timestamp, o.leader_epoch));
                COffset {
                    topic: cstring(&q.topic),
                    partition: q.partition,
                    offset,
                    timestamp,
                    leader_epoch,
                    metadata: None,
                    err: CErr::of(r.as_ref().err()),
                }
            })
            .collect();
        *out = handle::into_raw::<kafka_offset_results_t>(list);
        Ok(())
    })
}

/// The offsets group `group` committed, from its coordinator: for every partition it committed to
/// (`topic_count` 0, `topics` may be NULL), or for every partition of the named topics (offset -1
/// where it committed nothing; a topic that does not exist is one entry with partition -1 and
/// KAFKA_ERR_UNKNOWN_TOPIC_OR_PARTITION). A group that never committed has no entries.
///
/// Returns: a group-wide error (e.g. KAFKA_ERR_GROUP_AUTHORIZATION_FAILED) fails the call;
/// KAFKA_ERR_TIMED_OUT after `timeout_ms` (-1 = no limit); KAFKA_ERR_CANCELLED when `cancel` (may
/// be NULL) fires; KAFKA_ERR_TRANSPORT, KAFKA_ERR_TLS or an authentication code when no broker can
/// be reached.
///
/// Ownership: `*out` belongs to the caller until kafka_offset_results_free(); its strings belong to
/// it and stay valid until then. Inputs are copied during the call.
///
/// Threads: blocks the calling thread; any thread, also while other calls use the client.
#[no_mangle]
pub extern "C" fn kafka_client_offset_fetch(
    client: *const kafka_client_t,
    group: *const c_char,
    topics: *const *const c_char,
    topic_count: usize,
    timeout_ms: i32,
    cancel: *const kafka_cancel_t,
    out: *mut *mut kafka_offset_results_t,
) -> kafka_err_t {
    guard("kafka_client_offset_fetch", || unsafe {
        let c = borrow(client)?;
        check_out(out, "out")?;
        let group = c_str(group, "group")?;
        let names = strings(topics, topic_count, "topics", true)?;
        let results = block(timeout_ms, cancel, |d| Box::pin(c.offset_fetch(group, &names, d)))?;
        let list = results
            .into_iter()
            .map(|o| COffset {
                topic: cstring(&o.topic),
                partition: o.partition,
                offset: o.offset,
                timestamp: -1,
                leader_epoch: o.leader_epoch,
                metadata: o.metadata.as_deref().map(cstring),
                err: CErr::of(o.error.as_ref()),
            })
            .collect();
        *out = handle::into_raw::<kafka_offset_results_t>(list);
        Ok(())
    })
}

/// The number of partitions in the results (0 if `results` is NULL).
#[no_mangle]
pub extern "C" fn kafka_offset_results_count(results: *const kafka_offset_results_t) -> usize {
    count(results)
}

/// The topic of entry `index`.
///
/// Ownership: belongs to the results; valid until kafka_offset_results_free().
#[no_mangle]
pub extern "C" fn kafka_offset_results_topic(
    results: *const kafka_offset_results_t,
    index: usize,
) -> *const c_char {
    guard_value(std::ptr::null(), || at(results, index).map_or(std::ptr::null(), |o: &COffset| ptr(&o.topic)))
}

/// The partition of entry `index` (-1 for an error about a whole topic, or out of range).
#[no_mangle]
pub extern "C" fn kafka_offset_results_partition(
    results: *const kafka_offset_results_t,
    index: usize,
) -> i32 {
    guard_value(-1, || at(results, index).map_or(-1, |o: &COffset| o.partition))
}

/// The offset of entry `index` (-1 after an error, when nothing was committed, or when no
/// message matched a time query).
#[no_mangle]
pub extern "C" fn kafka_offset_results_offset(results: *const kafka_offset_results_t, index: usize) -> i64 {
    guard_value(-1, || at(results, index).map_or(-1, |o: &COffset| o.offset))
}

/// The timestamp of the message found by a time or KAFKA_OFFSET_MAX_TIMESTAMP query, else -1.
#[no_mangle]
pub extern "C" fn kafka_offset_results_timestamp(
    results: *const kafka_offset_results_t,
    index: usize,
) -> i64 {
    guard_value(-1, || at(results, index).map_or(-1, |o: &COffset| o.timestamp))
}

/// The leader epoch of entry `index` (-1 when unknown).
#[no_mangle]
pub extern "C" fn kafka_offset_results_leader_epoch(
    results: *const kafka_offset_results_t,
    index: usize,
) -> i32 {
    guard_value(-1, || at(results, index).map_or(-1, |o: &COffset| o.leader_epoch))
}

/// The metadata string committed with the offset (offset fetch), or NULL.
///
/// Ownership: belongs to the results; valid until kafka_offset_results_free().
#[no_mangle]
pub extern "C" fn kafka_offset_results_metadata(
    results: *const kafka_offset_results_t,
    index: usize,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        at(results, index).map_or(std::ptr::null(), |o: &COffset| opt_ptr(&o.metadata))
    })
}

/// The error code of entry `index`: KAFKA_OK if its offset was read.
#[no_mangle]
pub extern "C" fn kafka_offset_results_error(
    results: *const kafka_offset_results_t,
    index: usize,
) -> kafka_err_t {
    guard_value(code::INVALID_ARG, || at(results, index).map_or(code::INVALID_ARG, |o: &COffset| o.err.code))
}

/// The error message of entry `index`, or NULL.
///
/// Ownership: belongs to the results; valid until kafka_offset_results_free().
#[no_mangle]
pub extern "C" fn kafka_offset_results_error_message(
    results: *const kafka_offset_results_t,
    index: usize,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        at(results, index).map_or(std::ptr::null(), |o: &COffset| opt_ptr(&o.err.message))
    })
}

/// Frees the results. NULL is ignored.
#[no_mangle]
pub extern "C" fn kafka_offset_results_free(results: *mut kafka_offset_results_t) {
    guard_void(|| {
        unsafe { handle::free(results) }?;
        Ok(())
    });
}

// ---- lag -------------------------------------------------------------------------------------

/// A group's lag per partition (kafka_client_group_lag), sorted by topic and partition.
pub struct kafka_group_lag_t {
    _private: [u8; 0],
}

pub(crate) struct CLag {
    topic: CString,
    partition: i32,
    committed: i64,
    end_offset: i64,
    lag: i64,
    err: CErr,
}

impl Handle for kafka_group_lag_t {
    type Inner = Vec<CLag>;
    const ARG: &'static str = "lag";
    const NAME: &'static str = "group lag";
}

/// The lag of group `group` on every partition it committed to, in one call: its committed offsets
/// (OffsetFetch at the coordinator) against the partitions' end offsets (ListOffsets at each
/// leader; the last stable offset with isolation.level=read_committed). A group that never
/// committed (or does not exist) has no entries.
///
/// Returns: KAFKA_OK with one entry per partition in `*out`, each with its own code;
/// KAFKA_ERR_TIMED_OUT after `timeout_ms` (-1 = no limit); KAFKA_ERR_CANCELLED when `cancel` (may
/// be NULL) fires; KAFKA_ERR_TRANSPORT, KAFKA_ERR_TLS or an authentication code when no broker can
/// be reached.
///
/// Ownership: `*out` belongs to the caller until kafka_group_lag_free(); its strings belong to it
/// and stay valid until then. Inputs are copied during the call.
///
/// Threads: blocks the calling thread; any thread, also while other calls use the client.
#[no_mangle]
pub extern "C" fn kafka_client_group_lag(
    client: *const kafka_client_t,
    group: *const c_char,
    timeout_ms: i32,
    cancel: *const kafka_cancel_t,
    out: *mut *mut kafka_group_lag_t,
) -> kafka_err_t {
    guard("kafka_client_group_lag", || unsafe {
        let c = borrow(client)?;
        check_out(out, "out")?;
        let group = c_str(group, "group")?;
        let lags = block(timeout_ms, cancel, |d| Box::pin(c.group_lag(group, d)))?;
        let list = lags
            .into_iter()
            .map(|l| CLag {
                topic: cstring(&l.topic),
                partition: l.partition,
                committed: l.committed,
                end_offset: l.end_offset,
                lag: l.lag,
                err: CErr::of(l.error.as_ref()),
            })
            .collect();
        *out = handle::into_raw::<kafka_group_lag_t>(list);
        Ok(())
    })
}

/// The number of partitions in the lag report (0 if `lag` is NULL).
#[no_mangle]
pub extern "C" fn kafka_group_lag_count(lag: *const kafka_group_lag_t) -> usize {
    count(lag)
}

/// The topic of entry `index`.
///
/// Ownership: belongs to the list; valid until kafka_group_lag_free().
#[no_mangle]
pub extern "C" fn kafka_group_lag_topic(lag: *const kafka_group_lag_t, index: usize) -> *const c_char {
    guard_value(std::ptr::null(), || at(lag, index).map_or(std::ptr::null(), |l: &CLag| ptr(&l.topic)))
}

/// The partition of entry `index`, or -1.
#[no_mangle]
pub extern "C" fn kafka_group_lag_partition(lag: *const kafka_group_lag_t, index: usize) -> i32 {
    guard_value(-1, || at(lag, index).map_or(-1, |l: &CLag| l.partition))
}

/// The group's committed offset on entry `index` (the next offset it will read), or -1.
#[no_mangle]
pub extern "C" fn kafka_group_lag_committed(lag: *const kafka_group_lag_t, index: usize) -> i64 {
    guard_value(-1, || at(lag, index).map_or(-1, |l: &CLag| l.committed))
}

/// The partition's end offset on entry `index`, or -1 when it could not be read.
#[no_mangle]
pub extern "C" fn kafka_group_lag_end_offset(lag: *const kafka_group_lag_t, index: usize) -> i64 {
    guard_value(-1, || at(lag, index).map_or(-1, |l: &CLag| l.end_offset))
}

/// end offset - committed offset on entry `index` (never negative), or -1 when unknown.
#[no_mangle]
pub extern "C" fn kafka_group_lag_lag(lag: *const kafka_group_lag_t, index: usize) -> i64 {
    guard_value(-1, || at(lag, index).map_or(-1, |l: &CLag| l.lag))
}

/// The error code of entry `index`: KAFKA_OK if both offsets were read.
#[no_mangle]
pub extern "C" fn kafka_group_lag_error(lag: *const kafka_group_lag_t, index: usize) -> kafka_err_t {
    guard_value(code::INVALID_ARG, || at(lag, index).map_or(code::INVALID_ARG, |l: &CLag| l.err.code))
}

/// The error message of entry `index`, or NULL.
///
/// Ownership: belongs to the list; valid until kafka_group_lag_free().
#[no_mangle]
pub extern "C" fn kafka_group_lag_error_message(
    lag: *const kafka_group_lag_t,
    index: usize,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        at(lag, index).map_or(std::ptr::null(), |l: &CLag| opt_ptr(&l.err.message))
    })
}

/// Frees the lag report. NULL is ignored.
#[no_mangle]
pub extern "C" fn kafka_group_lag_free(lag: *mut kafka_group_lag_t) {
    guard_void(|| {
        unsafe { handle::free(lag) }?;
        Ok(())
    });
}
