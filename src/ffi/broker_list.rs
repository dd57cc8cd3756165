//! `kafka_broker_list_t`: brokers returned by kafka_conn_brokers() and kafka_conn_controller().

use std::ffi::{c_char, CString};

use super::error::kafka_err_t;
use super::handle::{self, borrow, Handle};
use super::panic::{guard, guard_value, guard_void};
use crate::cluster::BrokerInfo;
use crate::error::{code, Error};

/// A list of brokers, owned by the caller until kafka_broker_list_free().
pub struct kafka_broker_list_t {
    _private: [u8; 0],
}

pub(crate) struct BrokerEntry {
    id: i32,
    port: i32,
    host: CString,
    addr: CString,
    rack: Option<CString>,
}

impl Handle for kafka_broker_list_t {
    type Inner = Vec<BrokerEntry>;
    const ARG: &'static str = "list";
    const NAME: &'static str = "broker list";
}

pub(crate) fn into_c(brokers: Vec<BrokerInfo>) -> *mut kafka_broker_list_t {
    let cs = |s: &str| CString::new(s).unwrap_or_default();
    handle::into_raw::<kafka_broker_list_t>(
        brokers
            .iter()
            .map(|b| BrokerEntry {
                id: b.id,
                port: b.port,
                host: cs(&b.host),
                addr: cs(&b.addr()),
                rack: b.rack.as_deref().map(cs),
            })
            .collect(),
    )
}

/// The number of brokers in the list (0 if `list` is NULL).
#[no_mangle]
pub extern "C" fn kafka_broker_list_count(list: *const kafka_broker_list_t) -> usize {
    guard_value(0, || unsafe { borrow(list) }.map_or(0, Vec::len))
}

/// Broker `index`: its id, host, port and rack (NULL if none). Any output pointer may be NULL.
///
/// Returns: KAFKA_ERR_NOT_FOUND if `index` is past the end (outputs untouched).
///
/// Ownership: the strings belong to the list; valid until kafka_broker_list_free().
#[no_mangle]
pub extern "C" fn kafka_broker_list_get(
    list: *const kafka_broker_list_t,
    index: usize,
    id: *mut i32,
    host: *mut *const c_char,
    port: *mut i32,
    rack: *mut *const c_char,
) -> kafka_err_t {
    guard("kafka_broker_list_get", || unsafe {
        let l = borrow(list)?;
        let b = l
            .get(index)
            .ok_or_else(|| Error::new(code::NOT_FOUND, format!("broker {index} of {}", l.len())))?;
        if !id.is_null() {
            *id = b.id;
        }
        if !host.is_null() {
            *host = b.host.as_ptr();
        }
        if !port.is_null() {
            *port = b.port;
        }
        if !rack.is_null() {
            *rack = b.rack.as_ref().map_or(std::ptr::null(), |r| r.as_ptr());
        }
        Ok(())
    })
}

/// Broker `index` as "host:port", ready for kafka_conn_dial(). NULL if `index` is past the end or
/// `list` is NULL.
///
/// Ownership: belongs to the list; valid until kafka_broker_list_free().
#[no_mangle]
pub extern "C" fn kafka_broker_list_addr(list: *const kafka_broker_list_t, index: usize) -> *const c_char {
    guard_value(std::ptr::null(), || {
        unsafe { borrow(list) }.ok().and_then(|l| l.get(index)).map_or(std::ptr::null(), |b| b.addr.as_ptr())
    })
}

/// Frees the list. NULL is ignored.
///
/// Ownership: every string its accessors returned becomes invalid.
#[no_mangle]
pub extern "C" fn kafka_broker_list_free(list: *mut kafka_broker_list_t) {
    guard_void(|| {
        unsafe { handle::free(list) }?;
        Ok(())
    });
}
