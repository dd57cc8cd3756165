//! `kafka_config_t`: string key/value configuration shared by every handle type.

use std::ffi::c_char;

use super::error::kafka_err_t;
use super::handle::{self, borrow, borrow_mut, c_str, Handle};
use super::panic::guard;
use crate::config::Config;

/// A configuration: string keys and values with librdkafka's names where one exists
/// (`bootstrap.servers`, `client.id`, `socket.timeout.ms`, ...). Handles copy what they need when
/// created, so a config may be freed or reused right after. Not thread-safe: use one config from
/// one thread at a time.
pub struct kafka_config_t {
    _private: [u8; 0],
}

impl Handle for kafka_config_t {
    type Inner = Config;
    const NAME: &'static str = "config";
}

/// Creates an empty configuration (every key at its default) in `*out`.
/// Returns KAFKA_OK, or KAFKA_ERR_INVALID_ARG if `out` is NULL. Free it with kafka_config_free.
#[no_mangle]
pub extern "C" fn kafka_config_new(out: *mut *mut kafka_config_t) -> kafka_err_t {
    guard(|| unsafe { handle::write_out(out, "out", handle::into_raw::<kafka_config_t>(Config::new())) })
}

/// Sets `key` to `value`. Returns KAFKA_ERR_CONFIG for an unknown key or a value of the wrong
/// type or range (kafka_last_error_message() says which and why; secret values are never shown),
/// KAFKA_ERR_INVALID_ARG for NULL arguments. The strings are copied.
#[no_mangle]
pub extern "C" fn kafka_config_set(
    cfg: *mut kafka_config_t,
    key: *const c_char,
    value: *const c_char,
) -> kafka_err_t {
    guard(|| unsafe {
        let cfg = borrow_mut(cfg)?;
        cfg.set(c_str(key, "key")?, c_str(value, "value")?)
    })
}

/// Copies the current value of `key` (or its default) into `buf` of `*size` bytes, NUL-terminated.
/// On return `*size` holds the size needed including the NUL; if `buf` is NULL or too small,
/// nothing is written to it and KAFKA_ERR_BUFFER_TOO_SMALL is returned (call again with a larger
/// buffer). KAFKA_ERR_CONFIG for an unknown key.
#[no_mangle]
pub extern "C" fn kafka_config_get(
    cfg: *const kafka_config_t,
    key: *const c_char,
    buf: *mut c_char,
    size: *mut usize,
) -> kafka_err_t {
    guard(|| unsafe {
        let cfg = borrow(cfg)?;
        handle::copy_to_buffer(cfg.get(c_str(key, "key")?)?, buf, size)
    })
}

/// Frees a configuration. NULL is ignored.
#[no_mangle]
pub extern "C" fn kafka_config_free(cfg: *mut kafka_config_t) {
    let _ = guard(|| {
        unsafe { handle::free(cfg) }?;
        Ok(())
    });
}

/// Borrows the Rust config behind a C handle, for the other handle constructors.
pub(crate) unsafe fn config_ref<'a>(cfg: *const kafka_config_t) -> crate::Result<&'a Config> {
    borrow(cfg)
}
