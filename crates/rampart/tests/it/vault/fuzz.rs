//! Every route of the contacts API, driven by schemathesis from the served OpenAPI document
//! (`crate::fuzz`): no answer is a server error, and every status is one the document names.

use serde_json::json;

use crate::audit::support::customer;
use crate::fuzz::fuzz_api;
use crate::identity::support::spawn_with_mail;
use crate::vault::support::{api_send, create_contact};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_contacts_api_gives_no_server_error_to_schemathesis() {
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

    fuzz_api(
        app,
        &owner.token,
        &["contacts", "contact-fields", "imports"],
    )
    .await;
}
