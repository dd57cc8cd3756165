//! The boundary every exported function's body runs inside: panics are caught and turned into
//! KAFKA_ERR_INTERNAL, errors are recorded as the calling thread's last error, and nothing ever
//! unwinds into C.

use std::panic::{catch_unwind, AssertUnwindSafe};

use super::error::{clear_last_error, set_last_error};
use crate::error::{code, Error, Result};

/// Runs `f`, the body of the exported function `func`; returns 0 on success, or the error code
/// after recording the error's detail. An invalid argument's message starts with `func`
/// ("kafka_writer_write: msgs is NULL with count 3"), so the reader knows which call it was.
pub(crate) fn guard(func: &'static str, f: impl FnOnce() -> Result<()>) -> i32 {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => {
            clear_last_error();
            code::OK
        }
        Ok(Err(e)) => {
            let c = e.code();
            set_last_error(if c == code::INVALID_ARG { e.context(func) } else { e });
            c
        }
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            set_last_error(Error::internal(format!("internal error (panic): {what}")));
            code::INTERNAL
        }
    }
}

/// For the void functions (`*_free`, `kafka_*_close` without a result): runs `f`, catching a
/// panic, and leaves the last error alone (only calls returning kafka_err_t record one), so
/// freeing things between a failed call and reading its error does not erase it.
pub(crate) fn guard_void(f: impl FnOnce() -> Result<()>) {
    let _ = catch_unwind(AssertUnwindSafe(f));
}

/// For functions that return a value rather than an error code: `fallback` on panic. The last
/// error is left alone.
pub(crate) fn guard_value<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(fallback)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_become_internal_errors() {
        let c = guard("f", || panic!("boom"));
        assert_eq!(c, code::INTERNAL);
        assert!(super::super::error::last_error_string().contains("boom"));
        assert_eq!(guard("f", || Err(Error::timed_out("slow"))), code::TIMED_OUT);
        assert_eq!(guard("f", || Ok(())), code::OK);
        assert_eq!(guard("kafka_f", || Err(Error::invalid_arg("x is NULL"))), code::INVALID_ARG);
        assert_eq!(super::super::error::last_error_string(), "kafka_f: x is NULL");
        assert_eq!(guard_value(7, || panic!("x")), 7);
        // Void functions keep the last error of the call before them.
        assert_eq!(guard("f", || Err(Error::timed_out("slow"))), code::TIMED_OUT);
        guard_void(|| Ok(()));
        guard_void(|| panic!("y"));
        assert_eq!(super::super::error::last_error_string(), "slow");
    }
}
