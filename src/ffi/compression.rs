//! Compression codec numbers for C (the record batch attribute values Kafka uses).

use crate::error::{Error, Result};
use crate::protocol::compression::Compression;

/// No compression.
pub const KAFKA_COMPRESSION_NONE: i32 = 0;
/// gzip.
pub const KAFKA_COMPRESSION_GZIP: i32 = 1;
/// Snappy (raw blocks; reads xerial framing too).
pub const KAFKA_COMPRESSION_SNAPPY: i32 = 2;
/// LZ4 frame format.
pub const KAFKA_COMPRESSION_LZ4: i32 = 3;
/// Zstandard.
pub const KAFKA_COMPRESSION_ZSTD: i32 = 4;

pub(crate) fn from_c(codec: i32) -> Result<Compression> {
    Ok(match codec {
        KAFKA_COMPRESSION_NONE => Compression::None,
        KAFKA_COMPRESSION_GZIP => Compression::Gzip,
        KAFKA_COMPRESSION_SNAPPY => Compression::Snappy,
        KAFKA_COMPRESSION_LZ4 => Compression::Lz4,
        KAFKA_COMPRESSION_ZSTD => Compression::Zstd,
        other => {
            return Err(Error::invalid_arg(format!(
                "codec is {other}: use a KAFKA_COMPRESSION_* value (0..4)"
            )))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codec_numbers_are_the_batch_attribute_bits() {
        for (c, want) in [
            (0, Compression::None),
            (1, Compression::Gzip),
            (2, Compression::Snappy),
            (3, Compression::Lz4),
            (4, Compression::Zstd),
        ] {
            assert_eq!(from_c(c).unwrap(), want);
            assert_eq!(want as i32, c);
        }
        assert!(from_c(5).is_err());
    }
}
