//! The intake API, driven by schemathesis from the served OpenAPI document (with a token
//! that has `reports:write`): no answer is a server error, and every status is one the
//! document names. The tool and its checks are the contacts fuzz test's.

use crate::audit::support::customer;
use crate::identity::support::spawn_with_mail;
use crate::vault::fuzz::{CHECKS, EXAMPLES, schemathesis};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_intake_api_gives_no_server_error_to_schemathesis() {
    let program = schemathesis();
    let app = spawn_with_mail().await;
    let researcher = customer(&app, "fuzz@research.example", &["reports:write"]).await;
    let app = &app.app;
    let work = tempfile::tempdir().unwrap();
    let certificate = app.data_dir.path().join("data/tls/self-signed-cert.pem");
    let authorization = format!("Authorization: Bearer {}", researcher.token);
    let junit = work.path().join("junit.xml");
    let output = tokio::process::Command::new(&program)
        .current_dir(work.path())
        .env("NO_COLOR", "1")
        .args(["--no-color", "run"])
        .arg(app.url("/api/v1/openapi.json"))
        .args(["--include-path-regex", "^/api/v1/reports(/|$)"])
        .args(["--checks", CHECKS])
        .args(["--max-examples", EXAMPLES])
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
    let report = std::fs::read_to_string(&junit).unwrap();
    for operation in ["POST /api/v1/reports", "GET /api/v1/reports/{id}"] {
        assert!(
            report.contains(&format!("name=\"{operation}\"")),
            "schemathesis did not test {operation}:\n{stdout}"
        );
    }
}
