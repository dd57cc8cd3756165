//! Fails when the committed `src/protocol/messages/` differs from what `scripts/gen_protocol.py`
//! generates from Kafka's JSON message specs, which it reads from the `kafka-clients` jar of the
//! test broker's Kafka version (fetched from Maven Central and cached by
//! `scripts/kafka-local.sh clients-jar`). Fix with `python3 scripts/gen_protocol.py`.

use std::process::Command;

#[test]
fn generated_protocol_is_current() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new("python3")
        .args(["scripts/gen_protocol.py", "--check"])
        .current_dir(root)
        .output()
        .expect("python3 must be installed to check the generated protocol code");
    assert!(
        out.status.success(),
        "generated protocol code is stale or could not be checked \
         (regenerate with `python3 scripts/gen_protocol.py`):\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
