//! API tokens: created on the account page, shown once, used as bearer tokens, refused
//! when malformed, revoked, expired or aimed at another tenant.

use super::support::{IdentityApp, Visitor, spawn_with_mail};

async fn create_token(visitor: &mut Visitor, name: &str, scopes: &[&str]) -> String {
    visitor.get("/account/security").await;
    let mut fields = vec![("name", name), ("expires_in_days", "30")];
    fields.extend(scopes.iter().map(|s| ("scopes", *s)));
    let page = visitor.post("/account/tokens", &fields).await;
    page.assert_status(200);
    page.text_of("new-token").expect("the token is shown once")
}

async fn api(app: &IdentityApp, path: &str, token: &str) -> (u16, serde_json::Value) {
    let response = app
        .app
        .client
        .get(app.app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.contains("json"), "{content_type}");
    assert!(
        response.headers().get("set-cookie").is_none(),
        "the API sets no cookie"
    );
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn a_token_is_shown_once_and_works_with_its_scopes_inside_its_tenant() {
    let app = spawn_with_mail().await;
    let mut visitor = app.signed_up("ada@example.com", "Engines").await;
    let token = create_token(&mut visitor, "ci", &["contacts:read", "access-log:read"]).await;
    assert!(token.starts_with("rmp_") && token.len() == 4 + 32 + 6);
    let page = visitor.get("/account/security").await;
    assert!(!page.body.contains(&token), "never shown again");
    assert!(page.body.contains("contacts:read access-log:read"));
    let (status, me) = api(&app, "/api/v1/me", &token).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(
        me["scopes"],
        serde_json::json!(["contacts:read", "access-log:read"])
    );
    let tenant = me["tenant_id"].as_str().unwrap();
    assert!(tenant.starts_with("ten_"));
    let id = me["token_id"].as_str().unwrap();
    let (status, body) = api(&app, &format!("/api/v1/tokens/{id}"), &token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["name"], "ci");
    assert!(body["last_used_at"].as_str().unwrap().ends_with('Z'));
    let page = visitor.get("/account/security").await;
    assert!(page.body.contains("from 127.0.0.1"), "last use is shown");
}

#[tokio::test]
async fn malformed_revoked_expired_and_foreign_tokens_are_refused() {
    let app = spawn_with_mail().await;
    let mut ada = app.signed_up("ada@example.com", "Engines").await;
    let mut bob = app.signed_up("bob@example.com", "Other Corp").await;
    let ada_token = create_token(&mut ada, "a", &["contacts:read"]).await;
    let bob_token = create_token(&mut bob, "b", &["contacts:read"]).await;

    // One character changed: the checksum fails before any look-up.
    let mut typo = ada_token.clone().into_bytes();
    let last = typo.len() - 10;
    typo[last] = if typo[last] == b'a' { b'b' } else { b'a' };
    let (status, body) = api(&app, "/api/v1/me", &String::from_utf8(typo).unwrap()).await;
    assert_eq!(status, 401);
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("not a Rampart API token")
    );

    // Tenant A's token cannot see tenant B's token.
    let (_, bob_me) = api(&app, "/api/v1/me", &bob_token).await;
    let bob_token_id = bob_me["token_id"].as_str().unwrap();
    let (status, body) = api(&app, &format!("/api/v1/tokens/{bob_token_id}"), &ada_token).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["type"], api_type("not-found"));

    // Tokens cannot make tokens.
    let response = app
        .app
        .client
        .post(app.app.url("/api/v1/tokens"))
        .bearer_auth(&ada_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);

    // Revoked.
    let page = ada.get("/account/security").await;
    let action = page
        .body
        .split("action=\"/account/tokens/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    ada.post(&format!("/account/tokens/{action}"), &[])
        .await
        .assert_redirect("/account/security?token-revoked");
    let (status, body) = api(&app, "/api/v1/me", &ada_token).await;
    assert_eq!(status, 401);
    assert!(body["detail"].as_str().unwrap().contains("revoked"));

    // Expired.
    let db = platform::db::Db::connect_url(
        &platform::config::Secret::new(app.app.database_url.clone()),
        1,
        std::time::Duration::from_secs(5),
    )
    .await
    .unwrap();
    sqlx::query("UPDATE api_tokens SET expires_at = 1 WHERE revoked_at IS NULL")
        .execute(db.pool())
        .await
        .unwrap();
    db.close().await;
    let (status, body) = api(&app, "/api/v1/me", &bob_token).await;
    assert_eq!(status, 401);
    assert!(body["detail"].as_str().unwrap().contains("expired"));
}

fn api_type(slug: &str) -> String {
    format!("/problems/{slug}")
}

#[tokio::test]
async fn the_api_never_accepts_a_session_cookie() {
    let app = spawn_with_mail().await;
    let visitor = app.signed_up("ada@example.com", "Engines").await;
    let cookie = visitor.cookie("__Host-rampart-session").unwrap();
    let response = app
        .app
        .client
        .get(app.app.url("/api/v1/me"))
        .header("cookie", format!("__Host-rampart-session={cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert!(
        response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
}

#[tokio::test]
async fn token_expiry_is_required_and_bounded() {
    let app = spawn_with_mail().await;
    let mut visitor = app.signed_up("ada@example.com", "Engines").await;
    visitor.get("/account/security").await;
    for (days, ok) in [("0", false), ("366", false), ("365", true), ("nine", false)] {
        let page = visitor
            .post(
                "/account/tokens",
                &[
                    ("name", "t"),
                    ("scopes", "reports:write"),
                    ("expires_in_days", days),
                ],
            )
            .await;
        assert_eq!(page.text_of("new-token").is_some(), ok, "{days} days");
    }
    let none = visitor
        .post(
            "/account/tokens",
            &[("name", "t"), ("expires_in_days", "5")],
        )
        .await;
    none.assert_status(422);
    assert!(none.body.contains("choose at least one scope"));
}
