//! The transparency API and a tenant's access log (`/api/v1/audit/…`, `/api/v1/access-log`),
//! driven by schemathesis from the served OpenAPI document, against a log with entries in
//! it: no answer is a server error, and every status is one the document names.

use crate::audit::support::{checkpoint_of_at_least, customer};
use crate::fuzz::fuzz_api;
use crate::identity::support::spawn_with_mail;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_api_gives_no_server_error_to_schemathesis() {
    let app = spawn_with_mail().await;
    let owner = customer(&app, "fuzz@example.com", &["access-log:read"]).await;
    // Entries (signing up made some) and a checkpoint to prove against.
    checkpoint_of_at_least(&app.app, &owner.token, 2).await;
    fuzz_api(&app.app, &owner.token, &["audit", "access-log"]).await;
}
