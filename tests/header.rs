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

/// cbindgen drops parentheses; build.rs puts them back around every negative value so a macro
/// is one operand wherever it is pasted (`x-KAFKA_OFFSET_FIRST`).
#[test]
fn negative_macros_are_parenthesised() {
    let header = include_str!(concat!(env!("OUT_DIR"), "/kafka_rs.h"));
    let mut negatives = 0;
    for line in header.lines().filter(|l| l.starts_with("#define ")) {
        let value = line.splitn(3, ' ').nth(2).unwrap_or("");
        assert!(!value.starts_with('-'), "unparenthesised negative macro: {line}");
        if value.starts_with("(-") && value.ends_with(')') {
            negatives += 1;
        }
    }
    // KAFKA_OFFSET_FIRST/LAST, UNKNOWN_SERVER_ERROR and the local error codes at least.
    assert!(negatives >= 20, "{negatives}");
    assert!(header.contains("#define KAFKA_OFFSET_FIRST (-2)\n"));
}
