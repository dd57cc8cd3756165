//! How C handles map to Rust values: each opaque C type names the Rust type it boxes, and these
//! helpers are the only place raw handle pointers are converted.

use crate::error::{Error, Result};

/// An opaque C type that stands for a boxed `Inner`.
pub(crate) trait Handle {
    type Inner;
    /// The name exported functions give a parameter of this type ("w", "list", "cfg"), for
    /// error messages.
    const ARG: &'static str;
}

/// Moves `inner` to the heap and hands C an opaque pointer to it.
pub(crate) fn into_raw<H: Handle>(inner: H::Inner) -> *mut H {
    Box::into_raw(Box::new(inner)).cast::<H>()
}

/// Borrows the value behind a handle; NULL is INVALID_ARG.
///
/// # Safety
/// `ptr` must be NULL or a pointer returned by `into_raw::<H>` that has not been freed.
pub(crate) unsafe fn borrow<'a, H: Handle>(ptr: *const H) -> Result<&'a H::Inner> {
    if ptr.is_null() {
        return Err(Error::invalid_arg(format!("{} is NULL", H::ARG)));
    }
    Ok(&*ptr.cast::<H::Inner>())
}

/// Mutably borrows the value behind a handle; NULL is INVALID_ARG.
///
/// # Safety
/// As [`borrow`], and no other reference to the value may be live.
pub(crate) unsafe fn borrow_mut<'a, H: Handle>(ptr: *mut H) -> Result<&'a mut H::Inner> {
    if ptr.is_null() {
        return Err(Error::invalid_arg(format!("{} is NULL", H::ARG)));
    }
    Ok(&mut *ptr.cast::<H::Inner>())
}

/// Takes ownership back from C and drops it. NULL is a no-op.
///
/// # Safety
/// `ptr` must be NULL or a live pointer from `into_raw::<H>`, not used again afterwards.
pub(crate) unsafe fn free<H: Handle>(ptr: *mut H) -> Option<H::Inner> {
    if ptr.is_null() {
        return None;
    }
    Some(*Box::from_raw(ptr.cast::<H::Inner>()))
}

/// A (pointer, count) array argument that must hold at least one element; `what` is the
/// pointer's parameter name, and the count's is `count` in every function that takes one.
///
/// # Safety
/// `p` must be valid for `count` elements, or NULL.
pub(crate) unsafe fn c_array<'a, T>(p: *const T, count: usize, what: &str) -> Result<&'a [T]> {
    if count == 0 {
        return Err(Error::invalid_arg(format!("count is 0: {what} must hold at least one element")));
    }
    if p.is_null() {
        return Err(Error::invalid_arg(format!("{what} is NULL with count {count}")));
    }
    if count > isize::MAX as usize / std::mem::size_of::<T>().max(1) {
        return Err(Error::invalid_arg(format!("count {count} is too large for {what}")));
    }
    Ok(std::slice::from_raw_parts(p, count))
}

/// Writes an output parameter; a NULL out-pointer is INVALID_ARG.
///
/// # Safety
/// `out` must be NULL or valid for a write of `T`.
pub(crate) unsafe fn write_out<T>(out: *mut T, what: &str, value: T) -> Result<()> {
    if out.is_null() {
        return Err(Error::invalid_arg(format!("{what} is NULL")));
    }
    out.write(value);
    Ok(())
}

/// Checks an out-pointer before doing work, so outputs are written only on success.
pub(crate) fn check_out<T>(out: *mut T, what: &str) -> Result<()> {
    if out.is_null() {
        Err(Error::invalid_arg(format!("{what} is NULL")))
    } else {
        Ok(())
    }
}

/// A C string argument as &str; NULL or invalid UTF-8 is INVALID_ARG.
///
/// # Safety
/// `s` must be NULL or a NUL-terminated string valid for the call's duration.
pub(crate) unsafe fn c_str<'a>(s: *const libc::c_char, what: &str) -> Result<&'a str> {
    if s.is_null() {
        return Err(Error::invalid_arg(format!("{what} is NULL")));
    }
    std::ffi::CStr::from_ptr(s).to_str().map_err(|_| Error::invalid_arg(format!("{what} is not valid UTF-8")))
}

/// A (pointer, length) byte argument; NULL with length 0 is an empty slice. The argument's name
/// is built only on failure (for per-message fields such as "msgs[3].key", so the success path
/// does not allocate).
///
/// # Safety
/// `p` must be valid for `len` bytes, or NULL with `len` 0.
pub(crate) unsafe fn c_bytes_named<'a>(
    p: *const u8,
    len: usize,
    what: impl FnOnce() -> String,
) -> Result<&'a [u8]> {
    if p.is_null() {
        if len == 0 {
            return Ok(&[]);
        }
        return Err(Error::invalid_arg(format!("{} is NULL but its length is {len}", what())));
    }
    Ok(std::slice::from_raw_parts(p, len))
}

/// Copies `s` NUL-terminated into `buf` of `*size` bytes. `*size` always receives the size
/// needed; if `buf` is NULL or too small nothing is copied and the result is BUFFER_TOO_SMALL.
///
/// # Safety
/// `size` must be valid; `buf` must be NULL or valid for `*size` bytes.
pub(crate) unsafe fn copy_to_buffer(s: &str, buf: *mut libc::c_char, size: *mut usize) -> Result<()> {
    check_out(size, "size")?;
    let needed = s.len() + 1;
    let have = *size;
    *size = needed;
    if buf.is_null() || have < needed {
        return Err(Error::new(
            crate::error::code::BUFFER_TOO_SMALL,
            format!("{needed} bytes are needed, the buffer has {have}"),
        ));
    }
    std::ptr::copy_nonoverlapping(s.as_ptr(), buf.cast::<u8>(), s.len());
    *buf.add(s.len()) = 0;
    Ok(())
}
