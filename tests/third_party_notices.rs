//! Fails when the committed THIRD-PARTY-NOTICES differs from what `scripts/third_party_notices.py`
//! makes from Cargo.lock and the crates' license files (for instance after a dependency was added
//! or upgraded). Fix with `python3 scripts/third_party_notices.py`.

use std::process::Command;

#[test]
fn third_party_notices_are_current() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new("python3")
        .args(["scripts/third_party_notices.py", "--check"])
        .current_dir(root)
        .output()
        .expect("python3 must be installed to check THIRD-PARTY-NOTICES");
    assert!(
        out.status.success(),
        "THIRD-PARTY-NOTICES is stale or could not be checked; regenerate it with \
         `python3 scripts/third_party_notices.py`:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
