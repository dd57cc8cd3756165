//! Generates the C header with cbindgen into OUT_DIR; `tests/header.rs` fails when the committed
//! include/kafka_rs.h differs (`KAFKA_RS_UPDATE_HEADER=1 cargo test --test header` rewrites it).
//!
//! On ELF targets it also gives the shared library its SONAME: `libkafka_rs.so.0.<minor>` while
//! the version is 0.x (a minor release may break the ABI then), `libkafka_rs.so.<major>` from
//! 1.0 on (docs/abi.md). Programs record that name, not the build path, so an installed library
//! can be replaced by a compatible one. CMakeLists.txt installs the file under the same name.

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

    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if matches!(os.as_str(), "linux" | "android" | "freebsd" | "netbsd" | "openbsd" | "dragonfly") {
        let major = std::env::var("CARGO_PKG_VERSION_MAJOR").expect("CARGO_PKG_VERSION_MAJOR");
        let minor = std::env::var("CARGO_PKG_VERSION_MINOR").expect("CARGO_PKG_VERSION_MINOR");
        let soname = if major == "0" {
            format!("libkafka_rs.so.0.{minor}")
        } else {
            format!("libkafka_rs.so.{major}")
        };
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{soname}");
    }
}
