//! Every route of the contacts API, driven by schemathesis from the served OpenAPI document:
//! no answer is a server error, and every status is one the document names.
//!
//! schemathesis is found through `RAMPART_SCHEMATHESIS` (set by `cargo xtask ci`, which
//! installs it), under `target/` where xtask puts it, or on `PATH`; without it the test fails
//! and says how to install it.

use std::ffi::OsString;
use std::path::Path;

use serde_json::{Value, json};

use crate::audit::support::customer;
use crate::identity::support::spawn_with_mail;
use crate::vault::support::{api_send, create_contact};

/// The version `cargo xtask ci` installs (`xtask/src/ci.rs`), and where.
const SCHEMATHESIS_VERSION: &str = "4.32.5";
/// Test cases per operation in each phase: enough to reach every branch the document
/// describes, few enough that the run stays within a couple of minutes on two cores.
pub(crate) const EXAMPLES: &str = "250";
/// Every check whose verdict does not depend on the tenant's data. Left out:
/// `positive_data_acceptance` and `negative_data_rejection`, since whether a value is
/// accepted can depend on what exists (a custom field must be defined before it is set, a
/// cursor must be one the server gave, duplicates in a list count once); and
/// `ensure_resource_availability`, since the fuzzer sends the same `Idempotency-Key` again
/// after deleting what the first request created, and the kept answer, rightly, names a
/// resource that no longer exists.
pub(crate) const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
    response_headers_conformance,response_schema_conformance,missing_required_header,\
    unsupported_method,allow_header_conformance,use_after_free,ignored_auth";
/// The vault's resources, whose routes are fuzzed: `/api/v1/<resource>` and below.
const VAULT_RESOURCES: [&str; 3] = ["contacts", "contact-fields", "imports"];

fn is_vault_path(path: &str) -> bool {
    VAULT_RESOURCES.iter().any(|resource| {
        path.strip_prefix("/api/v1/")
            .and_then(|rest| rest.strip_prefix(resource))
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// The schemathesis command: `RAMPART_SCHEMATHESIS`, else the one `cargo xtask ci`
/// installs under `target/`, else `schemathesis` on `PATH`; or a failure that says how to get
/// one.
pub(crate) fn schemathesis() -> OsString {
    let installed = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../target")
        .join(format!(
            "schemathesis-{SCHEMATHESIS_VERSION}/bin/schemathesis"
        ));
    let candidates: Vec<OsString> = match std::env::var_os("RAMPART_SCHEMATHESIS") {
        Some(program) => vec![program],
        None => vec![installed.into_os_string(), OsString::from("schemathesis")],
    };
    let runs = |program: &OsString| {
        std::process::Command::new(program)
            .arg("--version")
            .output()
            .is_ok_and(|output| output.status.success())
    };
    let found = candidates.iter().find(|program| runs(program)).cloned();
    found.unwrap_or_else(|| {
        panic!(
            "schemathesis is needed for this test and none of {candidates:?} runs. \
             `cargo xtask ci` installs it; by hand: \
             `python3 -m venv target/schemathesis-{SCHEMATHESIS_VERSION} && \
             target/schemathesis-{SCHEMATHESIS_VERSION}/bin/pip install \
             schemathesis=={SCHEMATHESIS_VERSION}` in the workspace (or set \
             RAMPART_SCHEMATHESIS to a schemathesis command)"
        )
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_contacts_api_gives_no_server_error_to_schemathesis() {
    let program = schemathesis();
    let app = spawn_with_mail().await;
    let scopes = ["contacts:read", "contacts:write", "access-log:read"];
    let owner = customer(&app, "fuzz@example.com", &scopes).await;
    let app = &app.app;
    // Something to find: a custom field of each kind and a contact that uses them.
    for (name, kind) in [("tier", "text"), ("score", "number"), ("since", "date")] {
        let field = json!({"name": name, "kind": kind});
        let (status, body) = api_send(
            app,
            reqwest::Method::POST,
            "/api/v1/contact-fields",
            &owner.token,
            &field,
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
    create_contact(
        app,
        &owner.token,
        json!({
            "name": "Ada Lovelace",
            "phones": ["+44 20 7946 0958"],
            "emails": ["ada@example.com"],
            "tags": ["vip"],
            "custom_fields": {"tier": "gold", "score": 9.5, "since": "2024-02-29"},
            "channels": {"sms": {"consent": true}},
        }),
    )
    .await;

    let work = tempfile::tempdir().unwrap();
    let certificate = app.data_dir.path().join("data/tls/self-signed-cert.pem");
    let authorization = format!("Authorization: Bearer {}", owner.token);
    let junit = work.path().join("junit.xml");
    let mut command = tokio::process::Command::new(&program);
    command
        .current_dir(work.path())
        .env("NO_COLOR", "1")
        .args(["--no-color", "run"])
        .arg(app.url("/api/v1/openapi.json"))
        .arg("--include-path-regex")
        .arg(format!("^/api/v1/({})(/|$)", VAULT_RESOURCES.join("|")))
        .args(["--checks", CHECKS])
        .args(["--max-examples", EXAMPLES])
        // One worker: with several threads, CPython 3.11's `ast.parse` (which Hypothesis
        // calls to describe its filters) can fail with "AST constructor recursion depth
        // mismatch", an error of the tool rather than of the server.
        .args(["--workers", "1"])
        .args(["--generation-database", "none"])
        .args(["--request-timeout", "30"])
        .arg("--tls-verify")
        .arg(&certificate)
        .args(["-H", &authorization])
        .args(["--report", "junit", "--report-junit-path"])
        .arg(&junit)
        .kill_on_drop(true);
    let output = command.output().await.unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "schemathesis found failures ({}):\n{stdout}\n{stderr}",
        output.status
    );
    // Shown with `--nocapture`: what was run, and how often.
    eprintln!("{stdout}");
    let report = std::fs::read_to_string(&junit).unwrap();
    let document: Value = app
        .get(&app.url("/api/v1/openapi.json"))
        .await
        .json()
        .await
        .unwrap();
    for (path, item) in document["paths"].as_object().unwrap() {
        if !is_vault_path(path) {
            continue;
        }
        for method in item.as_object().unwrap().keys() {
            if method == "parameters" {
                continue;
            }
            let name = format!("name=\"{} {path}\"", method.to_uppercase());
            assert!(
                report.contains(&name),
                "schemathesis did not test {} {path}:\n{stdout}",
                method.to_uppercase()
            );
        }
    }
}
