//! Library version, as macros for compile time and functions for run time.

use std::ffi::c_char;

/// Major version of the header this program was compiled against.
pub const KAFKA_RS_VERSION_MAJOR: u32 = 0;
/// Minor version of the header this program was compiled against.
pub const KAFKA_RS_VERSION_MINOR: u32 = 1;
/// Patch version of the header this program was compiled against.
pub const KAFKA_RS_VERSION_PATCH: u32 = 0;

/// The version of the header this program was compiled against, packed as kafka_version() packs
/// the library's: (major << 16) | (minor << 8) | patch. `#if KAFKA_RS_VERSION >= 0x000200` tests
/// for a feature at compile time.
pub const KAFKA_RS_VERSION: u32 =
    (KAFKA_RS_VERSION_MAJOR << 16) | (KAFKA_RS_VERSION_MINOR << 8) | KAFKA_RS_VERSION_PATCH;

/// The library's version as (major << 16) | (minor << 8) | patch, e.g. 0x000100 for 0.1.0. Compare
/// with KAFKA_RS_VERSION (or the KAFKA_RS_VERSION_* macros) to detect a header/library mismatch.
///
/// Threads: any thread; leaves the last error alone.
#[no_mangle]
pub extern "C" fn kafka_version() -> u32 {
    KAFKA_RS_VERSION
}

/// The library's version as a string, e.g. "0.1.0".
///
/// Ownership: static; never free it.
///
/// Threads: any thread; leaves the last error alone.
#[no_mangle]
pub extern "C" fn kafka_version_str() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macros_match_cargo_toml() {
        assert_eq!(KAFKA_RS_VERSION_MAJOR.to_string(), env!("CARGO_PKG_VERSION_MAJOR"));
        assert_eq!(KAFKA_RS_VERSION_MINOR.to_string(), env!("CARGO_PKG_VERSION_MINOR"));
        assert_eq!(KAFKA_RS_VERSION_PATCH.to_string(), env!("CARGO_PKG_VERSION_PATCH"));
        let s = unsafe { std::ffi::CStr::from_ptr(kafka_version_str()) };
        assert_eq!(s.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
        assert_eq!(kafka_version(), 0x000100);
        assert_eq!(KAFKA_RS_VERSION, kafka_version());
    }
}
