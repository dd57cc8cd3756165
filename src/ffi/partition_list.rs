//! `kafka_partition_list_t`: partitions returned by kafka_conn_read_partitions();
//! `kafka_topic_partition_list_t`: the partitions handed to the rebalance callback.

use std::ffi::{c_char, CString};
use std::sync::Arc;

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

/// Entry `index`: topic name, partition id and leader broker id (-1 if none). Any output pointer
/// may be NULL.
///
/// Returns: KAFKA_ERR_NOT_FOUND if `index` is past the end (outputs untouched).
///
/// Ownership: the topic name belongs to the list; valid until kafka_partition_list_free().
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

/// The replica broker ids of entry `index`: `*ids` points to `*count` ids.
///
/// Returns: KAFKA_ERR_NOT_FOUND if `index` is past the end.
///
/// Ownership: the ids belong to the list; valid until kafka_partition_list_free().
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

/// The in-sync replica broker ids of entry `index`: `*ids` points to `*count` ids.
///
/// Returns: KAFKA_ERR_NOT_FOUND if `index` is past the end.
///
/// Ownership: the ids belong to the list; valid until kafka_partition_list_free().
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
///
/// Ownership: every string and id array its accessors returned becomes invalid.
#[no_mangle]
pub extern "C" fn kafka_partition_list_free(list: *mut kafka_partition_list_t) {
    guard_void(|| {
        unsafe { handle::free(list) }?;
        Ok(())
    });
}

/// Topic partitions handed to the rebalance callback: owned by the library, valid only during
/// the callback (never free it). Opaque, so that later versions can carry offsets and leader
/// epochs through new accessors without changing the callback.
pub struct kafka_topic_partition_list_t {
    _private: [u8; 0],
}

impl Handle for kafka_topic_partition_list_t {
    type Inner = Vec<(Arc<CString>, i32)>;
    const ARG: &'static str = "list";
    const NAME: &'static str = "topic partition list";
}

pub(crate) fn topic_partitions_into_c(v: Vec<(Arc<CString>, i32)>) -> *mut kafka_topic_partition_list_t {
    handle::into_raw::<kafka_topic_partition_list_t>(v)
}

/// Frees a list made by [`topic_partitions_into_c`] once its callback has returned; a pointer
/// kept past the callback is then reported as freed (until the memory is reused).
pub(crate) fn topic_partitions_free(list: *mut kafka_topic_partition_list_t) {
    let _ = unsafe { handle::free(list) };
}

/// The number of entries (0 if `list` is NULL or not a topic partition list).
#[no_mangle]
pub extern "C" fn kafka_topic_partition_list_count(list: *const kafka_topic_partition_list_t) -> usize {
    guard_value(0, || unsafe { borrow(list) }.map_or(0, Vec::len))
}

/// Entry `index`: the topic name (NUL-terminated) and the partition id. Either output pointer may
/// be NULL.
///
/// Returns: KAFKA_ERR_NOT_FOUND if `index` is past the end; outputs are written only on success.
///
/// Ownership: the list is the rebalance callback's, owned by the library and valid only during the
/// callback; so is the topic name. Never free either.
#[no_mangle]
pub extern "C" fn kafka_topic_partition_list_get(
    list: *const kafka_topic_partition_list_t,
    index: usize,
    topic: *mut *const c_char,
    partition: *mut i32,
) -> kafka_err_t {
    guard("kafka_topic_partition_list_get", || unsafe {
        let l = borrow(list)?;
        let (t, p) = l
            .get(index)
            .ok_or_else(|| Error::new(code::NOT_FOUND, format!("partition {index} of {}", l.len())))?;
        if !topic.is_null() {
            *topic = t.as_ptr();
        }
        if !partition.is_null() {
            *partition = *p;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_partition_list_reads_entries_and_is_gone_after_its_callback() {
        let t = Arc::new(CString::new("t").unwrap());
        let l = topic_partitions_into_c(vec![(t.clone(), 3), (t, 5)]);
        assert_eq!(kafka_topic_partition_list_count(l), 2);
        let (mut topic, mut p) = (std::ptr::null(), -1);
        assert_eq!(kafka_topic_partition_list_get(l, 1, &mut topic, &mut p), code::OK);
        assert_eq!(unsafe { std::ffi::CStr::from_ptr(topic) }.to_str().unwrap(), "t");
        assert_eq!(p, 5);
        let mut q = -7;
        assert_eq!(kafka_topic_partition_list_get(l, 2, std::ptr::null_mut(), &mut q), code::NOT_FOUND);
        assert_eq!(q, -7, "outputs untouched on failure");
        assert_eq!(
            kafka_topic_partition_list_get(std::ptr::null(), 0, &mut topic, &mut p),
            code::INVALID_ARG
        );
        // A handle of another type is refused, not reinterpreted.
        let other = into_c(Vec::new());
        assert_eq!(kafka_topic_partition_list_count(other.cast()), 0);
        assert_eq!(kafka_topic_partition_list_get(other.cast(), 0, &mut topic, &mut p), code::INVALID_ARG);
        kafka_partition_list_free(other);
        topic_partitions_free(l);
    }
}
