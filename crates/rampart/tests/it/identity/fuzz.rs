//! Who a token is and its organisation's tokens (`/api/v1/me`, `/api/v1/tokens`), driven by
//! schemathesis from the served OpenAPI document: no answer is a server error, and every
//! status is one the document names.

use crate::audit::support::customer;
use crate::fuzz::fuzz_api;
use crate::identity::support::spawn_with_mail;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_api_gives_no_server_error_to_schemathesis() {
    let app = spawn_with_mail().await;
    let owner = customer(&app, "fuzz@example.com", &["contacts:read"]).await;
    fuzz_api(&app.app, &owner.token, &["me", "tokens"]).await;
}
