//! The Kafka wire protocol with no I/O: primitive types, request/response headers, every message
//! the client speaks (generated from Apache Kafka's JSON specs), record batches and codecs.

pub mod compression;
pub mod header;
pub mod messages;
pub mod records;
pub mod wire;

use std::fmt;

use bytes::BytesMut;
pub use wire::Decoder;

/// Why bytes could not be decoded or a message could not be encoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProtocolError {
    /// The frame ended before a field did.
    Truncated { what: &'static str, needed: usize, remaining: usize },
    /// A field holds a value the protocol does not allow (bad length, bad UTF-8, bad CRC...).
    Invalid(String),
    /// A message was asked for at a version this code does not know.
    UnsupportedVersion { api_key: i16, version: i16 },
    /// A value cannot be written at all (too long for its length prefix...).
    Encode(String),
    /// A compressed payload could not be (de)compressed, or was larger than allowed.
    Compression(String),
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtocolError::Truncated { what, needed, remaining } => {
                write!(f, "truncated {what}: need {needed} bytes, {remaining} left")
            }
            ProtocolError::Invalid(m) => write!(f, "invalid data: {m}"),
            ProtocolError::UnsupportedVersion { api_key, version } => {
                write!(f, "api key {api_key} version {version} is not supported")
            }
            ProtocolError::Encode(m) => write!(f, "cannot encode: {m}"),
            ProtocolError::Compression(m) => write!(f, "compression: {m}"),
        }
    }
}

impl std::error::Error for ProtocolError {}

impl From<ProtocolError> for crate::error::Error {
    fn from(e: ProtocolError) -> Self {
        use crate::error::code;
        let c = match e {
            ProtocolError::UnsupportedVersion { .. } => code::UNSUPPORTED_VERSION,
            ProtocolError::Encode(_) => code::INVALID_ARG,
            ProtocolError::Compression(_) => code::COMPRESSION,
            _ => code::MALFORMED,
        };
        crate::error::Error::new(c, e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, ProtocolError>;

/// A message body that can be written at a given version.
pub trait Encodable {
    fn encode(&self, buf: &mut BytesMut, version: i16) -> Result<()>;
}

/// A message body that can be read at a given version.
pub trait Decodable: Sized {
    fn decode(d: &mut Decoder, version: i16) -> Result<Self>;
}

/// A request type: its API key, the versions this library implements, and its response.
pub trait Request: Encodable + Send + Sync {
    const API_KEY: i16;
    const NAME: &'static str;
    const MIN_VERSION: i16;
    const MAX_VERSION: i16;
    /// The first flexible version (compact encodings, tagged fields, header v2); i16::MAX if none.
    const FLEXIBLE_MIN_VERSION: i16;
    type Response: Decodable + Send + 'static;

    /// The request header version for `version` (1 classic, 2 flexible).
    fn request_header_version(version: i16) -> i16 {
        if version >= Self::FLEXIBLE_MIN_VERSION {
            2
        } else {
            1
        }
    }
    /// The response header version for `version` (0 classic, 1 flexible). ApiVersions always
    /// answers with header v0 so that a client of any version can read it.
    fn response_header_version(version: i16) -> i16 {
        if Self::API_KEY != messages::API_VERSIONS_KEY && version >= Self::FLEXIBLE_MIN_VERSION {
            1
        } else {
            0
        }
    }
}
