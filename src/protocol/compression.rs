//! Codecs: gzip, snappy, lz4, zstd.
