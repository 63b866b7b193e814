//! The intake API, driven by schemathesis from the served OpenAPI document (with a token
//! that has `reports:write`): no answer is a server error, and every status is one the
//! document names.

use crate::audit::support::customer;
use crate::fuzz::fuzz_api;
use crate::identity::support::spawn_with_mail;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_intake_api_gives_no_server_error_to_schemathesis() {
    let app = spawn_with_mail().await;
    let researcher = customer(&app, "fuzz@research.example", &["reports:write"]).await;
    fuzz_api(&app.app, &researcher.token, &["reports"]).await;
}
