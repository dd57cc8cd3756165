//! The first four bytes pick the API key and version (big-endian i16 each); the rest is decoded
//! as that response's body. Compiles once the generated `messages` module is merged.
#![no_main]

use bytes::Bytes;
use kafka_rs::protocol::messages::decode_response_body;
use kafka_rs::protocol::Decoder;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let api_key = i16::from_be_bytes([data[0], data[1]]);
    let version = i16::from_be_bytes([data[2], data[3]]);
    let mut d = Decoder::new(Bytes::copy_from_slice(&data[4..]));
    let _ = decode_response_body(api_key, version, &mut d);
});
