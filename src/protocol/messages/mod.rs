//! Generated protocol messages.
pub const API_VERSIONS_KEY: i16 = 18;
