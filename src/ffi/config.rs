//! `kafka_config_t`: string key/value configuration shared by every handle type.

use std::ffi::c_char;

use super::error::kafka_err_t;
use super::handle::{self, borrow, borrow_mut, c_str, Handle};
use super::panic::{guard, guard_void};
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
    const ARG: &'static str = "cfg";
    const NAME: &'static str = "config";
}

/// Creates an empty configuration (every key at its default) in `*out`.
///
/// Ownership: `*out` belongs to the caller until kafka_config_free(). Handles created from it copy
/// what they need, so it may be freed right after.
///
/// Threads: one thread at a time per configuration.
#[no_mangle]
pub extern "C" fn kafka_config_new(out: *mut *mut kafka_config_t) -> kafka_err_t {
    guard("kafka_config_new", || unsafe {
        // checked first: a handle made for a NULL `out` would leak
        handle::check_out(out, "out")?;
        handle::write_out(out, "out", handle::into_raw::<kafka_config_t>(Config::new()))
    })
}

/// Sets `key` to `value`. Values are stored without surrounding whitespace, except those of the
/// secret keys (`sasl.password`, `ssl.key.password`, `ssl.key.pem`), which are stored exactly as
/// given and wiped from memory when the configuration is freed.
///
/// Returns: KAFKA_ERR_CONFIG for an unknown key or a value of the wrong type or range
/// (kafka_last_error_message() says which and why; secret values are never shown).
///
/// Ownership: `key` and `value` are copied; the caller's own copy of a secret `value` is the
/// caller's to wipe.
///
/// Threads: one thread at a time per configuration.
#[no_mangle]
pub extern "C" fn kafka_config_set(
    cfg: *mut kafka_config_t,
    key: *const c_char,
    value: *const c_char,
) -> kafka_err_t {
    guard("kafka_config_set", || unsafe {
        let cfg = borrow_mut(cfg)?;
        cfg.set(c_str(key, "key")?, c_str(value, "value")?)
    })
}

/// Copies the current value of `key` (or its default) into `buf` of `*size` bytes, NUL-terminated.
///
/// Secrets are never returned: a secret key (`sasl.password`, `ssl.key.password`, `ssl.key.pem`)
/// that has a value reads as the fixed text `[redacted]` (KAFKA_OK), and as the empty string when
/// unset or set to "", so a program can dump its whole configuration, or check that a password was
/// set, without revealing it; a marker rather than an error, so that generic code that reads every
/// key keeps working. There is no way to read a secret back.
///
/// Returns: KAFKA_ERR_BUFFER_TOO_SMALL if `buf` is NULL or too small (nothing written; call again
/// with a larger buffer); KAFKA_ERR_CONFIG for an unknown key. `*size` (required) receives the size
/// needed, NUL included, in both the success and the BUFFER_TOO_SMALL case.
///
/// Ownership: `buf` is the caller's.
///
/// Threads: one thread at a time per configuration.
#[no_mangle]
pub extern "C" fn kafka_config_get(
    cfg: *const kafka_config_t,
    key: *const c_char,
    buf: *mut c_char,
    size: *mut usize,
) -> kafka_err_t {
    guard("kafka_config_get", || unsafe {
        let cfg = borrow(cfg)?;
        handle::copy_to_buffer(cfg.get_redacted(c_str(key, "key")?)?, buf, size)
    })
}

/// Frees a configuration, wiping its secret values. NULL is ignored.
///
/// Ownership: handles created from it are not affected.
#[no_mangle]
pub extern "C" fn kafka_config_free(cfg: *mut kafka_config_t) {
    guard_void(|| {
        unsafe { handle::free(cfg) }?;
        Ok(())
    });
}

/// Borrows the Rust config behind a C handle, for the other handle constructors.
pub(crate) unsafe fn config_ref<'a>(cfg: *const kafka_config_t) -> crate::Result<&'a Config> {
    borrow(cfg)
}

#[cfg(test)]
mod tests {
    use std::ffi::{CStr, CString};

    use super::*;
    use crate::error::code;

    /// kafka_config_get through the C ABI: every secret key reads as "[redacted]" once set, ""
    /// when not, and the NUL-terminated size convention holds for the marker too.
    #[test]
    fn kafka_config_get_never_returns_a_secret() {
        let mut cfg = std::ptr::null_mut();
        assert_eq!(kafka_config_new(&mut cfg), code::OK);
        let get = |key: &str| -> String {
            let key = CString::new(key).unwrap();
            let mut size = 0usize;
            let e = kafka_config_get(cfg, key.as_ptr(), std::ptr::null_mut(), &mut size);
            assert_eq!(e, code::BUFFER_TOO_SMALL);
            let mut buf = vec![0 as c_char; size];
            assert_eq!(kafka_config_get(cfg, key.as_ptr(), buf.as_mut_ptr(), &mut size), code::OK);
            unsafe { CStr::from_ptr(buf.as_ptr()) }.to_str().unwrap().to_string()
        };
        for key in ["sasl.password", "ssl.key.password", "ssl.key.pem"] {
            assert!(crate::config::Config::is_secret_key(key));
            assert_eq!(get(key), "", "{key} unset");
            let (k, v) =
                (CString::new(key).unwrap(), CString::new(" the secret of ".to_string() + key).unwrap());
            assert_eq!(kafka_config_set(cfg, k.as_ptr(), v.as_ptr()), code::OK);
            assert_eq!(get(key), "[redacted]", "{key}");
        }
        let (k, v) = (CString::new("sasl.username").unwrap(), CString::new("alice").unwrap());
        assert_eq!(kafka_config_set(cfg, k.as_ptr(), v.as_ptr()), code::OK);
        assert_eq!(get("sasl.username"), "alice");
        // The library itself still has the exact value.
        let inner = unsafe { config_ref(cfg) }.unwrap();
        assert_eq!(inner.get("sasl.password").unwrap(), " the secret of sasl.password");
        kafka_config_free(cfg);
    }
}
