//! `kafka_batch_t`: the messages of one fetch from a Conn, read one at a time.

use std::ffi::CString;
use std::sync::Arc;

use super::error::kafka_err_t;
use super::handle::{self, borrow, borrow_mut, check_out, Handle};
use super::message::{into_c, kafka_message_t};
use super::panic::{guard, guard_value, guard_void};
use crate::conn::FetchedBatch;
use crate::error::{code, Error};

/// A fetched batch (kafka-go's Batch). Reading messages advances the Conn's offset. Use from one
/// thread at a time; close it with kafka_batch_close() (messages already taken stay valid).
pub struct kafka_batch_t {
    _private: [u8; 0],
}

pub(crate) struct BatchState {
    pub(crate) batch: FetchedBatch,
    pub(crate) topic: Arc<CString>,
}

impl Handle for kafka_batch_t {
    type Inner = BatchState;
    const ARG: &'static str = "batch";
    const NAME: &'static str = "batch";
}

pub(crate) fn into_c_batch(batch: FetchedBatch) -> *mut kafka_batch_t {
    let topic = Arc::new(CString::new(batch.topic()).unwrap_or_default());
    handle::into_raw::<kafka_batch_t>(BatchState { batch, topic })
}

/// Takes the next message into `*out`. No network I/O happens here.
///
/// Returns: KAFKA_ERR_END_OF_BATCH when there are no more; KAFKA_ERR_MALFORMED /
/// KAFKA_ERR_COMPRESSION for a corrupt batch (which also ends it).
///
/// Ownership: `*out` belongs to the caller until kafka_message_free(); it stays valid after
/// kafka_batch_close().
///
/// Threads: one thread at a time per batch.
#[no_mangle]
pub extern "C" fn kafka_batch_next(batch: *mut kafka_batch_t, out: *mut *mut kafka_message_t) -> kafka_err_t {
    guard("kafka_batch_next", || unsafe {
        let b = borrow_mut(batch)?;
        check_out(out, "out")?;
        match b.batch.next_message()? {
            Some(m) => {
                *out = into_c(m, b.topic.clone());
                Ok(())
            }
            None => Err(Error::new(code::END_OF_BATCH, "no more messages in this batch")),
        }
    })
}

/// The partition's high watermark reported with this batch (-1 if `batch` is NULL).
#[no_mangle]
pub extern "C" fn kafka_batch_high_water_mark(batch: *const kafka_batch_t) -> i64 {
    guard_value(-1, || unsafe { borrow(batch) }.map_or(-1, |b| b.batch.high_water_mark()))
}

/// Frees the batch. NULL is ignored.
///
/// Ownership: messages taken from it stay valid until kafka_message_free().
#[no_mangle]
pub extern "C" fn kafka_batch_close(batch: *mut kafka_batch_t) {
    guard_void(|| {
        unsafe { handle::free(batch) }?;
        Ok(())
    });
}
