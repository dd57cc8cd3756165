//! `kafka_partition_list_t`: partitions returned by kafka_conn_read_partitions().

use std::ffi::{c_char, CString};

use super::error::kafka_err_t;
use super::handle::{self, borrow, Handle};
use super::panic::{guard, guard_value, guard_void};
use crate::cluster::PartitionInfo;
use crate::error::{code, Error, Result};

/// A list of topic partitions with their leaders and replicas, owned by the caller until
/// kafka_partition_list_free().
pub struct kafka_partition_list_t {
    _private: [u8; 0],
}

pub(crate) struct PartitionEntry {
    topic: CString,
    info: PartitionInfo,
}

impl Handle for kafka_partition_list_t {
    type Inner = Vec<PartitionEntry>;
    const ARG: &'static str = "list";
    const NAME: &'static str = "partition list";
}

pub(crate) fn into_c(parts: Vec<PartitionInfo>) -> *mut kafka_partition_list_t {
    handle::into_raw::<kafka_partition_list_t>(
        parts
            .into_iter()
            .map(|info| PartitionEntry { topic: CString::new(info.topic.as_str()).unwrap_or_default(), info })
            .collect(),
    )
}

fn entry<'a>(list: *const kafka_partition_list_t, index: usize) -> Result<&'a PartitionEntry> {
    let l = unsafe { borrow(list)? };
    l.get(index).ok_or_else(|| Error::new(code::NOT_FOUND, format!("partition {index} of {}", l.len())))
}

/// The number of partitions in the list (0 if `list` is NULL).
#[no_mangle]
pub extern "C" fn kafka_partition_list_count(list: *const kafka_partition_list_t) -> usize {
    guard_value(0, || unsafe { borrow(list) }.map_or(0, Vec::len))
}

/// Entry `index`: topic name (owned by the list), partition id and leader broker id (-1 if none).
/// Any output pointer may be NULL. KAFKA_ERR_NOT_FOUND if `index` is past the end.
#[no_mangle]
pub extern "C" fn kafka_partition_list_get(
    list: *const kafka_partition_list_t,
    index: usize,
    topic: *mut *const c_char,
    partition: *mut i32,
    leader: *mut i32,
) -> kafka_err_t {
    guard("kafka_partition_list_get", || unsafe {
        let e = entry(list, index)?;
        if !topic.is_null() {
            *topic = e.topic.as_ptr();
        }
        if !partition.is_null() {
            *partition = e.info.id;
        }
        if !leader.is_null() {
            *leader = e.info.leader;
        }
        Ok(())
    })
}

/// The replica broker ids of entry `index`: `*ids` points to `*count` ids owned by the list.
#[no_mangle]
pub extern "C" fn kafka_partition_list_replicas(
    list: *const kafka_partition_list_t,
    index: usize,
    ids: *mut *const i32,
    count: *mut usize,
) -> kafka_err_t {
    guard("kafka_partition_list_replicas", || unsafe {
        ids_out(&entry(list, index)?.info.replicas, ids, count)
    })
}

/// The in-sync replica broker ids of entry `index`: `*ids` points to `*count` ids owned by the
/// list.
#[no_mangle]
pub extern "C" fn kafka_partition_list_isr(
    list: *const kafka_partition_list_t,
    index: usize,
    ids: *mut *const i32,
    count: *mut usize,
) -> kafka_err_t {
    guard("kafka_partition_list_isr", || unsafe { ids_out(&entry(list, index)?.info.isr, ids, count) })
}

unsafe fn ids_out(v: &[i32], ids: *mut *const i32, count: *mut usize) -> Result<()> {
    handle::check_out(ids, "ids")?;
    handle::check_out(count, "count")?;
    *ids = v.as_ptr();
    *count = v.len();
    Ok(())
}

/// Frees the list. NULL is ignored.
#[no_mangle]
pub extern "C" fn kafka_partition_list_free(list: *mut kafka_partition_list_t) {
    guard_void(|| {
        unsafe { handle::free(list) }?;
        Ok(())
    });
}
