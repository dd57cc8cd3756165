//! The committed C header must be exactly what cbindgen generates from src/ffi.
//! Regenerate with: KAFKA_RS_UPDATE_HEADER=1 cargo test --test header

#[test]
fn committed_header_matches_cbindgen_output() {
    let fresh = include_str!(concat!(env!("OUT_DIR"), "/kafka_rs.h"));
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/include/kafka_rs.h");
    if std::env::var_os("KAFKA_RS_UPDATE_HEADER").is_some() {
        std::fs::write(path, fresh).expect("write include/kafka_rs.h");
        return;
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == fresh,
        "include/kafka_rs.h is stale: regenerate it with `KAFKA_RS_UPDATE_HEADER=1 cargo test --test header` and commit it"
    );
}
