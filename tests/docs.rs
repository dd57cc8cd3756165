//! docs/configuration.md must list every configuration key as src/config.rs defines it.
//! Regenerate with: KAFKA_RS_UPDATE_DOCS=1 cargo test --test docs

#[test]
fn configuration_reference_is_current() {
    let fresh = kafka_rs::config::Config::reference_markdown();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/configuration.md");
    if std::env::var_os("KAFKA_RS_UPDATE_DOCS").is_some() {
        std::fs::write(path, &fresh).expect("write docs/configuration.md");
        return;
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == fresh,
        "docs/configuration.md is stale: KAFKA_RS_UPDATE_DOCS=1 cargo test --test docs"
    );
}
