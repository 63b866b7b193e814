//! Customers with API tokens, calls to the transparency API, and the `rampart audit` CLI.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::helpers::{TestApp, rampart_command};
use crate::identity::support::{IdentityApp, Visitor};

/// A signed-in customer of a tenant of their own, with an API token.
pub struct Customer {
    pub visitor: Visitor,
    pub token: String,
    pub token_id: String,
    pub tenant_id: String,
}

/// Signs up `email` with a tenant of its own and creates a token with `scopes`.
pub async fn customer(app: &IdentityApp, email: &str, scopes: &[&str]) -> Customer {
    let mut visitor = app.signed_up(email, &format!("{email} Ltd")).await;
    let token = create_token(&mut visitor, scopes).await;
    let (status, me) = api_get(&app.app, "/api/v1/me", &token).await;
    assert_eq!(status, 200, "{me}");
    Customer {
        visitor,
        token_id: me["token_id"].as_str().unwrap().to_owned(),
        tenant_id: me["tenant_id"].as_str().unwrap().to_owned(),
        token,
    }
}

/// A new token of `visitor`'s, shown once on the account page.
pub async fn create_token(visitor: &mut Visitor, scopes: &[&str]) -> String {
    visitor.get("/account/security").await;
    let mut fields = vec![("name", "audit test"), ("expires_in_days", "30")];
    fields.extend(scopes.iter().map(|s| ("scopes", *s)));
    let page = visitor.post("/account/tokens", &fields).await;
    page.assert_status(200);
    page.text_of("new-token").expect("the token is shown once")
}

/// A GET with a bearer token; the status and the JSON body.
pub async fn api_get(app: &TestApp, path: &str, token: &str) -> (u16, serde_json::Value) {
    let response = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

/// Waits for a signed checkpoint of at least `size` entries.
pub async fn checkpoint_of_at_least(app: &TestApp, token: &str, size: u64) -> serde_json::Value {
    let started = Instant::now();
    loop {
        let (status, body) = api_get(app, "/api/v1/audit/checkpoint", token).await;
        if status == 200 && body["tree_size"].as_u64().unwrap() >= size {
            return body;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "no checkpoint of {size} entries was signed: {status} {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Every entry of the token's tenant, newest first, through the paged API.
pub async fn access_log(app: &TestApp, token: &str, query: &str) -> Vec<serde_json::Value> {
    let mut items = Vec::new();
    let mut cursor = String::new();
    loop {
        let path = format!("/api/v1/access-log?limit=200&{query}{cursor}");
        let (status, body) = api_get(app, &path, token).await;
        assert_eq!(status, 200, "{body}");
        items.extend(body["items"].as_array().unwrap().iter().cloned());
        match body["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => return items,
        }
    }
}

/// Runs `rampart audit …` against a stopped app's database and data directory.
pub async fn rampart_audit(app: &TestApp, args: &[&str]) -> std::process::Output {
    rampart_audit_in(
        app.data_dir.path(),
        &app.database_url,
        &app.data_dir.path().join("data"),
        args,
    )
    .await
}

pub async fn rampart_audit_in(
    dir: &Path,
    database_url: &str,
    data_dir: &Path,
    args: &[&str],
) -> std::process::Output {
    rampart_command(dir)
        .arg("audit")
        .args(args)
        .env("RAMPART_DATABASE__URL", database_url)
        .env("RAMPART_SERVER__DATA_DIR", data_dir)
        .env("RAMPART_LOG__LEVEL", "warn")
        .output()
        .await
        .unwrap()
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
