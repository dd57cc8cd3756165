//! How C handles map to Rust values: each opaque C type names the Rust type it boxes, and these
//! helpers are the only place raw handle pointers are converted.
//!
//! Every handle's memory starts with a type tag (a hash of the type's name), checked on every
//! call: a pointer to a handle of another type is KAFKA_ERR_INVALID_ARG, never a reinterpreted
//! value. Freeing a handle overwrites its tag with [`FREED`] first, so a second free or a call on
//! a freed handle is reported as long as the allocator has not reused that memory; reading it is
//! still a use-after-free (AddressSanitizer reports it), which is why writers and readers, the
//! handles other threads block in, are also kept in a registry of live handles (`live.rs`) that
//! is consulted before any memory is read.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};

/// An opaque C type that stands for a boxed `Inner`.
pub(crate) trait Handle {
    type Inner;
    /// The name exported functions give a parameter of this type ("w", "list", "cfg"), for
    /// error messages.
    const ARG: &'static str;
    /// The type's name ("writer", "broker list"): its tag is derived from it, and messages about
    /// a handle of the wrong type use it.
    const NAME: &'static str;
}

/// The tag a freed handle's memory carries until the allocator reuses it.
pub(crate) const FREED: u64 = 0xF4EE_D0D0_F4EE_D0D0;

/// The tag of handle type `H`: FNV-1a of its name, never [`FREED`] nor 0.
pub(crate) const fn tag<H: Handle>() -> u64 {
    let b = H::NAME.as_bytes();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < b.len() {
        h ^= b[i] as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    if h == FREED || h == 0 {
        h ^ 0x5a5a
    } else {
        h
    }
}

/// A handle's memory: the tag first (every handle, whatever its type, has it at offset 0).
#[repr(C)]
pub(crate) struct Tagged<T> {
    pub(crate) tag: AtomicU64,
    pub(crate) inner: T,
}

/// Moves `inner` to the heap and hands C an opaque pointer to it.
pub(crate) fn into_raw<H: Handle>(inner: H::Inner) -> *mut H {
    Box::into_raw(Box::new(Tagged { tag: AtomicU64::new(tag::<H>()), inner })).cast::<H>()
}

/// Checks that `ptr` is a live handle of type `H` (NULL, another type or a freed one is
/// INVALID_ARG).
///
/// # Safety
/// `ptr` must be NULL or a pointer the library handed out (any handle type).
pub(crate) unsafe fn check<H: Handle>(ptr: *const H) -> Result<*const Tagged<H::Inner>> {
    if ptr.is_null() {
        return Err(Error::invalid_arg(format!("{} is NULL", H::ARG)));
    }
    let t = (*ptr.cast::<AtomicU64>()).load(Ordering::Acquire);
    if t == tag::<H>() {
        Ok(ptr.cast::<Tagged<H::Inner>>())
    } else if t == FREED {
        Err(Error::invalid_arg(format!("{} was already freed", H::ARG)))
    } else {
        Err(Error::invalid_arg(format!("{} is not a {} handle (another type, or freed)", H::ARG, H::NAME)))
    }
}

/// Borrows the value behind a handle; NULL, a wrong type or a freed handle is INVALID_ARG.
///
/// # Safety
/// `ptr` must be NULL or a pointer returned by the library that has not been freed.
pub(crate) unsafe fn borrow<'a, H: Handle>(ptr: *const H) -> Result<&'a H::Inner> {
    Ok(&(*check(ptr)?).inner)
}

/// Mutably borrows the value behind a handle; NULL, a wrong type or a freed one is INVALID_ARG.
///
/// # Safety
/// As [`borrow`], and no other reference to the value may be live.
pub(crate) unsafe fn borrow_mut<'a, H: Handle>(ptr: *mut H) -> Result<&'a mut H::Inner> {
    let p = check(ptr)?.cast_mut();
    Ok(&mut (*p).inner)
}

/// Takes ownership back from C and drops it. NULL is a no-op; a wrong-type or already-freed
/// handle is INVALID_ARG and nothing is freed.
///
/// # Safety
/// `ptr` must be NULL or a pointer from `into_raw::<H>`, not used again afterwards.
pub(crate) unsafe fn free<H: Handle>(ptr: *mut H) -> Result<Option<H::Inner>> {
    if ptr.is_null() {
        return Ok(None);
    }
    let p = check(ptr)?.cast_mut();
    // Only one of two racing frees wins the tag.
    if (*p).tag.compare_exchange(tag::<H>(), FREED, Ordering::AcqRel, Ordering::Acquire).is_err() {
        return Err(Error::invalid_arg(format!("{} was already freed", H::ARG)));
    }
    let b = Box::from_raw(p);
    let Tagged { inner, .. } = *b;
    Ok(Some(inner))
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
    if len > isize::MAX as usize {
        return Err(Error::invalid_arg(format!("{}'s length {len} is larger than any object", what())));
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
