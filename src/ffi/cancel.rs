//! `kafka_cancel_t`: a token that makes blocking calls give up early, from any thread. This is
//! what a Go `context.Context` (or any other cancellation scheme) maps onto.

use super::error::kafka_err_t;
use super::handle::{self, borrow, Handle};
use super::panic::{guard, guard_void};
use crate::runtime::CancelToken;

/// A cancellation token. Pass it to blocking calls (every blocking call takes one; NULL means
/// none); kafka_cancel_fire() from any thread makes every call waiting on it return
/// KAFKA_ERR_CANCELLED promptly, and every later call given it return KAFKA_ERR_CANCELLED at
/// once, until kafka_cancel_reset() re-arms it. A token may be shared by several calls and
/// threads, and reused for any number of calls.
pub struct kafka_cancel_t {
    _private: [u8; 0],
}

impl Handle for kafka_cancel_t {
    type Inner = CancelToken;
    const ARG: &'static str = "cancel";
    const NAME: &'static str = "cancel";
}

/// Creates a token in `*out`, not fired.
///
/// Ownership: `*out` belongs to the caller until kafka_cancel_free(), which may come only once no
/// call uses the token.
///
/// Threads: the token may be fired, reset and passed to calls from any number of threads.
#[no_mangle]
pub extern "C" fn kafka_cancel_new(out: *mut *mut kafka_cancel_t) -> kafka_err_t {
    guard("kafka_cancel_new", || unsafe {
        // checked first: a handle made for a NULL `out` would leak
        handle::check_out(out, "out")?;
        handle::write_out(out, "out", handle::into_raw::<kafka_cancel_t>(CancelToken::new()))
    })
}

/// Fires the token: every call waiting on it returns KAFKA_ERR_CANCELLED promptly, and every later
/// call given it returns KAFKA_ERR_CANCELLED at once, until kafka_cancel_reset().
///
/// Threads: any thread, any number of times, including while other threads block in calls that were
/// given this token; never blocks.
#[no_mangle]
pub extern "C" fn kafka_cancel_fire(cancel: *const kafka_cancel_t) -> kafka_err_t {
    guard("kafka_cancel_fire", || unsafe {
        borrow(cancel)?.fire();
        Ok(())
    })
}

/// Re-arms a fired token, so calls given it from now on run normally (a call it already cancelled
/// stays cancelled).
///
/// Threads: reset it once the calls it was meant to stop have returned; a reset racing with a fire
/// leaves the token in either state.
#[no_mangle]
pub extern "C" fn kafka_cancel_reset(cancel: *const kafka_cancel_t) -> kafka_err_t {
    guard("kafka_cancel_reset", || unsafe {
        borrow(cancel)?.reset();
        Ok(())
    })
}

/// Whether the token has been fired: 1 yes, 0 no (or NULL).
///
/// Threads: any thread; leaves the last error alone.
#[no_mangle]
pub extern "C" fn kafka_cancel_is_fired(cancel: *const kafka_cancel_t) -> i32 {
    super::panic::guard_value(0, || unsafe { borrow(cancel).map_or(0, |c| c.is_fired() as i32) })
}

/// Frees the token. NULL is ignored.
///
/// Threads: no call may still be using it, on any thread.
#[no_mangle]
pub extern "C" fn kafka_cancel_free(cancel: *mut kafka_cancel_t) {
    guard_void(|| {
        unsafe { handle::free(cancel) }?;
        Ok(())
    });
}

/// The Rust token behind an optional C handle (NULL = no cancellation; a pointer that is not a
/// token is INVALID_ARG).
pub(crate) unsafe fn token<'a>(cancel: *const kafka_cancel_t) -> crate::Result<Option<&'a CancelToken>> {
    if cancel.is_null() {
        return Ok(None);
    }
    borrow(cancel).map(Some)
}
