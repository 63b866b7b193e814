//! `/.well-known/security.txt` (RFC 9116): its fields point at the program's own pages, its
//! `Expires` is always ahead by the configured lifetime, and the `sectxt` validator, fetching
//! it from the running server over TLS, finds nothing wrong.
//!
//! sectxt is found through `RAMPART_SECTXT_PYTHON` (a Python that can import it, set by
//! `cargo xtask ci`, which installs it into its schemathesis environment), or in that
//! environment under `target/`. Without either, the Rust-side checks still run and only the
//! validator is skipped, with a note.

use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

use platform::clock::Timestamp;

use super::support::ADA_EMAIL;
use crate::identity::support::{IdentityApp, now_secs, spawn_with_mail, spawn_with_mail_and};

/// The environment `cargo xtask ci` installs schemathesis and sectxt into (`xtask/src/ci.rs`).
const SCHEMATHESIS_VERSION: &str = "4.32.5";
const SECTXT_VERSION: &str = "0.9.8";
const DAY_MS: i64 = 86_400_000;

/// The file as served: its fields in order, after checking the response's type and syntax.
async fn fetch(app: &IdentityApp) -> Vec<(String, String)> {
    let response = app.app.get(&app.app.url("/.well-known/security.txt")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; charset=utf-8"
    );
    let text = response.text().await.unwrap();
    assert!(text.ends_with('\n'), "every line ends with a line break");
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| {
            let (name, value) = line
                .split_once(": ")
                .unwrap_or_else(|| panic!("not a field: {line:?}"));
            (name.to_owned(), value.to_owned())
        })
        .collect()
}

fn values<'a>(fields: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    fields
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

/// `Expires` holds once, and lies `days` ahead of now (give or take a minute).
#[track_caller]
fn assert_expires_in(fields: &[(String, String)], days: i64) {
    let expires = values(fields, "Expires");
    assert_eq!(expires.len(), 1, "{fields:?}");
    let at = Timestamp::parse_rfc3339(expires[0]).expect("Expires is an RFC 3339 time");
    let ahead = at.as_millis() - now_secs() as i64 * 1000;
    assert!(ahead > 0, "Expires {} is not in the future", expires[0]);
    assert!(
        (ahead - days * DAY_MS).abs() < 60_000,
        "Expires {} is not {days} days ahead",
        expires[0]
    );
}

#[tokio::test]
async fn security_txt_points_at_the_programs_pages_and_expires_180_days_ahead() {
    let app = spawn_with_mail().await;
    let origin = app.origin();
    let fields = fetch(&app).await;
    assert_eq!(
        values(&fields, "Contact"),
        [format!("{origin}/security/report")]
    );
    assert_eq!(
        values(&fields, "Policy"),
        [format!("{origin}/security/policy")]
    );
    assert_eq!(
        values(&fields, "Acknowledgments"),
        [format!("{origin}/security/hall-of-fame")]
    );
    assert_eq!(values(&fields, "Preferred-Languages"), ["en"]);
    assert_eq!(
        values(&fields, "Canonical"),
        [format!("{origin}/.well-known/security.txt")]
    );
    assert!(values(&fields, "Encryption").is_empty(), "{fields:?}");
    assert_expires_in(&fields, 180);
    // Every page the file names is served.
    let mut visitor = app.visitor();
    for (name, value) in &fields {
        if let Some(path) = value.strip_prefix(&origin) {
            let page = visitor.get(path).await;
            assert_eq!(page.status, 200, "{name}: {path}");
        }
    }
    validate_with_sectxt(&app).await;
}

#[tokio::test]
async fn security_txt_adds_the_configured_mailto_contact_encryption_key_and_lifetime() {
    let app = spawn_with_mail_and(|config| {
        config.disclosure.contact_email = Some(ADA_EMAIL.to_owned());
        config.disclosure.encryption_url = Some("https://keys.rampart.example/pgp.asc".into());
        config.disclosure.security_txt_expires_days = 30;
    })
    .await;
    let fields = fetch(&app).await;
    assert_eq!(
        values(&fields, "Contact"),
        [
            format!("{}/security/report", app.origin()),
            format!("mailto:{ADA_EMAIL}")
        ]
    );
    assert_eq!(
        values(&fields, "Encryption"),
        ["https://keys.rampart.example/pgp.asc"]
    );
    assert_expires_in(&fields, 30);
    validate_with_sectxt(&app).await;
}

#[tokio::test]
async fn security_txt_expires_as_far_ahead_as_configured_at_either_end_of_1_to_365_days() {
    for days in [1, 365] {
        let app = spawn_with_mail_and(|config| {
            config.disclosure.security_txt_expires_days = days;
        })
        .await;
        assert_expires_in(&fetch(&app).await, i64::from(days));
    }
}

/// The Python that imports sectxt, or None when there is none to use here.
async fn sectxt_python() -> Option<OsString> {
    if let Some(python) = std::env::var_os("RAMPART_SECTXT_PYTHON") {
        // CI sets it: the validation must run.
        assert!(
            imports_sectxt(&python).await,
            "RAMPART_SECTXT_PYTHON={python:?} cannot import sectxt"
        );
        return Some(python);
    }
    let installed = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../target")
        .join(format!("schemathesis-{SCHEMATHESIS_VERSION}/bin/python"))
        .into_os_string();
    imports_sectxt(&installed).await.then_some(installed)
}

async fn imports_sectxt(python: &OsString) -> bool {
    tokio::process::Command::new(python)
        .args(["-c", "import sectxt"])
        .output()
        .await
        .is_ok_and(|output| output.status.success())
}

/// Fetches the served file with sectxt, as a researcher's tool would (trusting the test
/// server's certificate), and prints what it found.
const VALIDATE: &str = "\
import json, sys
from sectxt import SecurityTXT
s = SecurityTXT(sys.argv[1])
print(json.dumps({'errors': s.errors, 'recommendations': s.recommendations, \
'notifications': s.notifications}))
";

async fn validate_with_sectxt(app: &IdentityApp) {
    let Some(python) = sectxt_python().await else {
        eprintln!(
            "note: sectxt is not installed, so security.txt was not run through it; \
             `cargo xtask ci` installs it, or by hand: \
             `target/schemathesis-{SCHEMATHESIS_VERSION}/bin/pip install sectxt=={SECTXT_VERSION}`"
        );
        return;
    };
    let certificate = app
        .app
        .data_dir
        .path()
        .join("data/tls/self-signed-cert.pem");
    let mut command = tokio::process::Command::new(python);
    command
        .args(["-c", VALIDATE, &app.origin()])
        .env("REQUESTS_CA_BUNDLE", certificate)
        .env("NO_PROXY", "*")
        .kill_on_drop(true);
    for proxy in ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"] {
        command.env_remove(proxy);
    }
    let output = tokio::time::timeout(Duration::from_secs(60), command.output())
        .await
        .expect("sectxt finished within a minute")
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "sectxt failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let verdict: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(verdict["errors"], serde_json::json!([]), "{verdict}");
    assert_eq!(verdict["notifications"], serde_json::json!([]), "{verdict}");
    // The one recommendation left is a PGP signature, which Rampart does not make.
    for recommendation in verdict["recommendations"].as_array().unwrap() {
        assert_eq!(recommendation["code"], "not_signed", "{verdict}");
    }
}
