//! The first byte picks the codec; the rest is decompressed with a 1 MiB cap.
#![no_main]

use kafka_rs::protocol::compression::{decompress, Compression};
use libfuzzer_sys::fuzz_target;

const CAP: usize = 1 << 20;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, input)) = data.split_first() else { return };
    let codec = Compression::ALL[usize::from(pick) % Compression::ALL.len()];
    if let Ok(out) = decompress(codec, input, CAP) {
        assert!(out.len() <= CAP, "{codec}: {} bytes over the cap", out.len());
    }
});
