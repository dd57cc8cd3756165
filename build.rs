//! Generates the C header with cbindgen into OUT_DIR; `tests/header.rs` fails when the committed
//! include/kafka_rs.h differs, and `scripts/update-header.sh` copies the fresh one over it.

fn main() {
    // Only src/ffi is the C surface: parsing the whole crate would export every `pub const`.
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=Cargo.toml");
    let crate_dir = std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR");
    let out_dir = std::env::var("OUT_DIR").expect("OUT_DIR");
    let config = cbindgen::Config::from_file(format!("{crate_dir}/cbindgen.toml")).expect("cbindgen.toml");
    let out = format!("{out_dir}/kafka_rs.h");
    match cbindgen::Builder::new()
        .with_config(config)
        .with_src(format!("{crate_dir}/src/ffi/mod.rs"))
        .generate()
    {
        Ok(bindings) => {
            bindings.write_to_file(&out);
        }
        Err(e) => panic!("cbindgen failed: {e}"),
    }
}
