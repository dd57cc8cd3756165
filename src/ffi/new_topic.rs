//! `kafka_new_topic_t`: the description of a topic to create with kafka_conn_create_topics().

use std::ffi::c_char;

use super::error::kafka_err_t;
use super::handle::{self, borrow_mut, c_str, Handle};
use super::panic::{guard, guard_void};
use crate::conn::TopicSpec;
use crate::error::Error;

/// A topic to create: name, partitions, replication factor, optional replica assignment and
/// topic configs. Built with kafka_new_topic_new() and the setters; freed with
/// kafka_new_topic_free().
pub struct kafka_new_topic_t {
    _private: [u8; 0],
}

impl Handle for kafka_new_topic_t {
    type Inner = TopicSpec;
    const ARG: &'static str = "topic";
    const NAME: &'static str = "new topic";
}

/// Describes a topic `name` with `num_partitions` partitions and `replication_factor` replicas (-1
/// for either means the broker's default). The result goes to `*out`.
///
/// Returns: KAFKA_ERR_INVALID_ARG also for an empty name, and for a partition count or replication
/// factor that is neither positive nor -1.
///
/// Ownership: `*out` belongs to the caller until kafka_new_topic_free(); `name` is copied. Passing
/// it to kafka_conn_create_topics() or kafka_client_create_topics() does not free it.
#[no_mangle]
pub extern "C" fn kafka_new_topic_new(
    name: *const c_char,
    num_partitions: i32,
    replication_factor: i32,
    out: *mut *mut kafka_new_topic_t,
) -> kafka_err_t {
    guard("kafka_new_topic_new", || unsafe {
        handle::check_out(out, "out")?;
        let name = c_str(name, "name")?;
        if name.is_empty() {
            return Err(Error::invalid_arg("name is empty"));
        }
        if num_partitions == 0 || num_partitions < -1 {
            return Err(Error::invalid_arg(format!(
                "num_partitions must be positive or -1, not {num_partitions}"
            )));
        }
        let rf = i16::try_from(replication_factor).ok().filter(|r| *r == -1 || *r > 0).ok_or_else(|| {
            Error::invalid_arg(format!("replication_factor must be positive or -1, not {replication_factor}"))
        })?;
        let spec = TopicSpec {
            name: name.to_string(),
            num_partitions,
            replication_factor: rf,
            ..Default::default()
        };
        *out = handle::into_raw::<kafka_new_topic_t>(spec);
        Ok(())
    })
}

/// Sets a topic config entry (e.g. "cleanup.policy" = "compact"); the broker validates it when the
/// topic is created.
///
/// Ownership: `key` and `value` are copied.
#[no_mangle]
pub extern "C" fn kafka_new_topic_set_config(
    topic: *mut kafka_new_topic_t,
    key: *const c_char,
    value: *const c_char,
) -> kafka_err_t {
    guard("kafka_new_topic_set_config", || unsafe {
        let t = borrow_mut(topic)?;
        t.configs.push((c_str(key, "key")?.to_string(), c_str(value, "value")?.to_string()));
        Ok(())
    })
}

/// Places partition `partition` on the brokers `broker_ids[0..count]` (the first is the preferred
/// leader). With an assignment, create the topic with num_partitions and replication_factor -1.
///
/// Ownership: `broker_ids` is copied.
#[no_mangle]
pub extern "C" fn kafka_new_topic_set_replica_assignment(
    topic: *mut kafka_new_topic_t,
    partition: i32,
    broker_ids: *const i32,
    count: usize,
) -> kafka_err_t {
    guard("kafka_new_topic_set_replica_assignment", || unsafe {
        let t = borrow_mut(topic)?;
        if partition < 0 {
            return Err(Error::invalid_arg(format!("partition is {partition}: a partition id is 0 or more")));
        }
        let ids = handle::c_array(broker_ids, count, "broker_ids")?;
        t.replica_assignment.push((partition, ids.to_vec()));
        Ok(())
    })
}

/// Frees the description. NULL is ignored.
#[no_mangle]
pub extern "C" fn kafka_new_topic_free(topic: *mut kafka_new_topic_t) {
    guard_void(|| {
        unsafe { handle::free(topic) }?;
        Ok(())
    });
}
