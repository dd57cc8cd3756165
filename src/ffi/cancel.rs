//! `kafka_cancel_t`: a token that makes blocking calls give up early, from any thread. This is
//! what a Go `context.Context` (or any other cancellation scheme) maps onto.

use super::error::kafka_err_t;
use super::handle::{self, borrow, Handle};
use super::panic::{guard, guard_void};
use crate::runtime::CancelToken;

/// A cancellation token. Pass it to blocking calls; kafka_cancel_fire() from any thread makes
/// every call waiting on it return KAFKA_ERR_CANCELLED promptly, and every later call given it
/// return KAFKA_ERR_CANCELLED at once. A token cannot be re-armed: make a new one.
pub struct kafka_cancel_t {
    _private: [u8; 0],
}

impl Handle for kafka_cancel_t {
    type Inner = CancelToken;
    const ARG: &'static str = "cancel";
}

/// Creates a token in `*out`. Free it with kafka_cancel_free once no call uses it.
#[no_mangle]
pub extern "C" fn kafka_cancel_new(out: *mut *mut kafka_cancel_t) -> kafka_err_t {
    guard("kafka_cancel_new", || unsafe {
        handle::write_out(out, "out", handle::into_raw::<kafka_cancel_t>(CancelToken::new()))
    })
}

/// Fires the token. Safe to call from any thread, any number of times, including while other
/// threads block in calls that were given this token.
#[no_mangle]
pub extern "C" fn kafka_cancel_fire(cancel: *const kafka_cancel_t) -> kafka_err_t {
    guard("kafka_cancel_fire", || unsafe {
        borrow(cancel)?.fire();
        Ok(())
    })
}

/// Whether the token has been fired: 1 yes, 0 no (or NULL).
#[no_mangle]
pub extern "C" fn kafka_cancel_is_fired(cancel: *const kafka_cancel_t) -> i32 {
    super::panic::guard_value(0, || unsafe { borrow(cancel).map_or(0, |c| c.is_fired() as i32) })
}

/// Frees the token. No call may still be using it. NULL is ignored.
#[no_mangle]
pub extern "C" fn kafka_cancel_free(cancel: *mut kafka_cancel_t) {
    guard_void(|| {
        unsafe { handle::free(cancel) };
        Ok(())
    });
}

/// The Rust token behind an optional C handle (NULL = no cancellation).
pub(crate) unsafe fn token<'a>(cancel: *const kafka_cancel_t) -> Option<&'a CancelToken> {
    borrow(cancel).ok()
}
