//! Signed checkpoints checked by another Ed25519 implementation: OpenSSL's command line,
//! given the key as `VerifierKey::to_pem` writes it and the note's body and signature as
//! C2SP `signed-note` defines them.

use std::path::Path;
use std::process::Command;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use sha2::{Digest, Sha256};

use crate::support::{ORIGIN, TestLog};

/// Runs `openssl pkeyutl -verify` on `body` and `signature`; returns what it printed and
/// whether it succeeded.
fn openssl_verify(dir: &Path, body: &[u8], signature: &[u8]) -> (bool, String) {
    std::fs::write(dir.join("body"), body).unwrap();
    std::fs::write(dir.join("sig"), signature).unwrap();
    let output = Command::new("openssl")
        .args([
            "pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin",
        ])
        .args(["-in", "body", "-sigfile", "sig"])
        .current_dir(dir)
        .output()
        .expect("openssl runs");
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), printed)
}

#[tokio::test]
async fn a_checkpoint_signature_verifies_with_openssl_and_fails_with_one_byte_changed() {
    let test = TestLog::start(4).await;
    test.fill(0..3, 3).await;
    let note = test.log.latest_checkpoint().await.unwrap().unwrap().note;

    let lines: Vec<&str> = note.split('\n').collect();
    let body = format!("{}\n{}\n{}\n", lines[0], lines[1], lines[2]);
    assert_eq!(lines[..4], [ORIGIN, "3", lines[2], ""]);
    let (name, signature) = lines[4]
        .strip_prefix("\u{2014} ")
        .unwrap()
        .split_once(' ')
        .unwrap();
    assert_eq!(name, ORIGIN);
    let raw = B64.decode(signature).unwrap();
    assert_eq!(raw.len(), 4 + 64);

    // The key id, as signed-note defines it: SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key)[..4].
    let key = test.log.verifier_key();
    let digest = Sha256::new()
        .chain_update(format!("{ORIGIN}\n"))
        .chain_update([0x01])
        .chain_update(key.public_key)
        .finalize();
    assert_eq!(raw[..4], digest[..4]);

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pub.pem"), key.to_pem()).unwrap();
    let (ok, printed) = openssl_verify(dir.path(), body.as_bytes(), &raw[4..]);
    assert!(ok, "{printed}");
    assert!(
        printed.contains("Signature Verified Successfully"),
        "{printed}"
    );

    let mut changed = body.into_bytes();
    let at = ORIGIN.len() + 1;
    assert_eq!(changed[at], b'3');
    changed[at] = b'4';
    let (ok, printed) = openssl_verify(dir.path(), &changed, &raw[4..]);
    assert!(!ok, "{printed}");
    assert!(
        printed.contains("Signature Verification Failure"),
        "{printed}"
    );
}
