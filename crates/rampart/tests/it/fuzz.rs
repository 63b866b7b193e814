//! schemathesis against the served OpenAPI document, for the API fuzz tests of each feature:
//! no answer is a server error, and every status, header and body is one the document
//! describes.
//!
//! schemathesis is found through `RAMPART_SCHEMATHESIS` (set by `cargo xtask ci`, which
//! installs it), under `target/` where xtask puts it, or on `PATH`; without it a fuzz test
//! fails and says how to install it.

use std::ffi::OsString;
use std::path::Path;

use serde_json::Value;

use crate::helpers::TestApp;

/// The version `cargo xtask ci` installs (`xtask/src/ci.rs`), and where.
const SCHEMATHESIS_VERSION: &str = "4.32.5";
/// Test cases per operation in each phase: enough to reach every branch the document
/// describes, few enough that a run stays within a couple of minutes on two cores.
const EXAMPLES: &str = "250";
/// Every check whose verdict does not depend on the tenant's data. Left out:
/// `positive_data_acceptance` and `negative_data_rejection`, since whether a value is
/// accepted can depend on what exists (a custom field must be defined before it is set, a
/// cursor must be one the server gave, duplicates in a list count once); and
/// `ensure_resource_availability`, since the fuzzer sends the same `Idempotency-Key` again
/// after deleting what the first request created, and the kept answer, rightly, names a
/// resource that no longer exists.
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
    response_headers_conformance,response_schema_conformance,missing_required_header,\
    unsupported_method,allow_header_conformance,use_after_free,ignored_auth";

/// The schemathesis command: `RAMPART_SCHEMATHESIS`, else the one `cargo xtask ci`
/// installs under `target/`, else `schemathesis` on `PATH`; or a failure that says how to get
/// one.
fn schemathesis() -> OsString {
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

/// Fuzzes every operation of `resources` (`/api/v1/<resource>` and below) as the holder
/// of the bearer `token`, and fails the test on any finding; then checks that each
/// documented operation of those resources was exercised.
pub async fn fuzz_api(app: &TestApp, token: &str, resources: &[&str]) {
    let program = schemathesis();
    let path_regex = format!("^/api/v1/({})(/|$)", resources.join("|"));
    let work = tempfile::tempdir().unwrap();
    let certificate = app.data_dir.path().join("data/tls/self-signed-cert.pem");
    let authorization = format!("Authorization: Bearer {token}");
    let junit = work.path().join("junit.xml");
    let output = tokio::process::Command::new(&program)
        .current_dir(work.path())
        .env("NO_COLOR", "1")
        .args(["--no-color", "run"])
        .arg(app.url("/api/v1/openapi.json"))
        .args(["--include-path-regex", &path_regex])
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
        .kill_on_drop(true)
        .output()
        .await
        .unwrap();
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
    let operations = documented_operations(app, resources).await;
    assert!(
        !operations.is_empty(),
        "no documented path matches {path_regex}"
    );
    for operation in operations {
        assert!(
            report.contains(&format!("name=\"{operation}\"")),
            "schemathesis did not test {operation}:\n{stdout}"
        );
    }
}

/// `METHOD /path` for every operation of `resources` in the served document.
async fn documented_operations(app: &TestApp, resources: &[&str]) -> Vec<String> {
    let under = |path: &str| {
        resources.iter().any(|resource| {
            path.strip_prefix("/api/v1/")
                .and_then(|rest| rest.strip_prefix(resource))
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
    };
    let document: Value = app
        .get(&app.url("/api/v1/openapi.json"))
        .await
        .json()
        .await
        .unwrap();
    let mut operations = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        if !under(path) {
            continue;
        }
        for method in item.as_object().unwrap().keys() {
            if method != "parameters" {
                operations.push(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    operations
}
