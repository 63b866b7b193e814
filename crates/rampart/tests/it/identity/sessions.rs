//! Sessions: the cookie, a new id at log-in, timeouts, the sessions page, re-authentication.

use super::support::{PASSWORD, spawn_with_mail};

const COOKIE: &str = "__Host-rampart-session";

async fn sql(app: &super::support::IdentityApp, statement: &str) {
    let db = platform::db::Db::connect_url(
        &platform::config::Secret::new(app.app.database_url.clone()),
        1,
        std::time::Duration::from_secs(5),
    )
    .await
    .unwrap();
    sqlx::query(statement).execute(db.pool()).await.unwrap();
    db.close().await;
}

#[tokio::test]
async fn the_session_cookie_is_host_prefixed_secure_http_only_and_lax() {
    let app = spawn_with_mail().await;
    let mut visitor = app.signed_up("ada@example.com", "Engines").await;
    visitor.get("/login").await;
    let page = visitor
        .post(
            "/login",
            &[("email", "ada@example.com"), ("password", PASSWORD)],
        )
        .await;
    let cookie = page
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with(&format!("{COOKIE}=")))
        .expect("a session cookie is set at log-in");
    for attribute in ["Path=/", "Secure", "HttpOnly", "SameSite=Lax"] {
        assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
    }
    assert!(
        !cookie.contains("Domain="),
        "__Host- cookies carry no Domain"
    );
    let value = cookie.split(';').next().unwrap().split('=').nth(1).unwrap();
    assert_eq!(value.len(), 64, "256 bits, hex");
}

#[tokio::test]
async fn the_session_id_changes_at_log_in_and_the_old_one_stops_working() {
    let app = spawn_with_mail().await;
    let mut visitor = app.signed_up("ada@example.com", "Engines").await;
    let first = visitor.cookie(COOKIE).unwrap().to_owned();
    visitor
        .log_in("ada@example.com", PASSWORD)
        .await
        .assert_redirect("/account/security");
    let second = visitor.cookie(COOKIE).unwrap().to_owned();
    assert_ne!(first, second);
    let mut replay = app.visitor();
    replay.cookies.insert(COOKIE.into(), first);
    replay
        .get("/account/security")
        .await
        .assert_redirect("/login");
}

#[tokio::test]
async fn a_session_id_planted_before_log_in_is_never_adopted() {
    let app = spawn_with_mail().await;
    app.signed_up("ada@example.com", "Engines").await;
    let planted = "ab".repeat(32);
    let mut victim = app.visitor();
    victim.cookies.insert(COOKIE.into(), planted.clone());
    victim
        .log_in("ada@example.com", PASSWORD)
        .await
        .assert_redirect("/account/security");
    assert_ne!(victim.cookie(COOKIE), Some(planted.as_str()));
    let mut attacker = app.visitor();
    attacker.cookies.insert(COOKIE.into(), planted);
    attacker
        .get("/account/security")
        .await
        .assert_redirect("/login");
}

#[tokio::test]
async fn the_sessions_page_ends_one_session_or_all_the_others() {
    let app = spawn_with_mail().await;
    let mut laptop = app.signed_up("ada@example.com", "Engines").await;
    let mut phone = app.visitor();
    phone.user_agent = "PhoneBrowser/2.0".into();
    phone.log_in("ada@example.com", PASSWORD).await;
    let mut tablet = app.visitor();
    tablet.user_agent = "TabletBrowser/3.0".into();
    tablet.log_in("ada@example.com", PASSWORD).await;
    let page = laptop.get("/account/security").await;
    assert!(page.body.contains("PhoneBrowser/2.0") && page.body.contains("TabletBrowser/3.0"));
    assert!(page.body.contains("(this session)"));
    // The form of the phone's row names its session by a public id.
    let row = page.body.split("PhoneBrowser/2.0").nth(1).unwrap();
    let action = row
        .split("action=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    laptop
        .post(action, &[])
        .await
        .assert_redirect("/account/security?session-ended");
    phone
        .get("/account/security")
        .await
        .assert_redirect("/login");
    tablet.get("/account/security").await.assert_status(200);
    laptop.get("/account/security").await;
    laptop
        .post("/account/sessions/end-others", &[])
        .await
        .assert_redirect("/account/security?sessions-ended");
    tablet
        .get("/account/security")
        .await
        .assert_redirect("/login");
    laptop.get("/account/security").await.assert_status(200);
}

#[tokio::test]
async fn an_idle_session_ends_and_so_does_one_past_its_absolute_limit() {
    let app = spawn_with_mail().await;
    let mut idle = app.signed_up("ada@example.com", "Engines").await;
    let mut old = app.visitor();
    old.user_agent = "Old/1".into();
    old.log_in("ada@example.com", PASSWORD).await;
    sql(
        &app,
        "UPDATE sessions SET last_seen_at = last_seen_at - 7200001 WHERE user_agent = 'RampartTest/1.0'",
    )
    .await;
    sql(
        &app,
        "UPDATE sessions SET expires_at = 1 WHERE user_agent = 'Old/1'",
    )
    .await;
    idle.get("/account/security")
        .await
        .assert_redirect("/login");
    old.get("/account/security").await.assert_redirect("/login");
}

#[tokio::test]
async fn a_sensitive_action_asks_for_the_password_when_the_last_proof_is_old() {
    let app = spawn_with_mail().await;
    let mut visitor = app.signed_up("ada@example.com", "Engines").await;
    sql(&app, "UPDATE sessions SET proved_at = proved_at - 600001").await;
    let page = visitor.get("/account/security").await;
    assert!(page.body.contains("Your password, to confirm"));
    let fields = [
        ("name", "ci"),
        ("scopes", "contacts:read"),
        ("expires_in_days", "30"),
    ];
    let refused = visitor.post("/account/tokens", &fields).await;
    refused.assert_status(422);
    assert!(refused.body.contains("enter your password to confirm"));
    assert!(refused.text_of("new-token").is_none());
    let mut with_password = fields.to_vec();
    with_password.push(("confirm_password", "wrong password entirely"));
    let wrong = visitor.post("/account/tokens", &with_password).await;
    wrong.assert_status(422);
    assert!(wrong.text_of("new-token").is_none());
    with_password.pop();
    with_password.push(("confirm_password", PASSWORD));
    let created = visitor.post("/account/tokens", &with_password).await;
    created.assert_status(200);
    assert!(created.text_of("new-token").unwrap().starts_with("rmp_"));
    // The proof is fresh again: no password needed for the next ten minutes.
    let again = visitor.post("/account/tokens", &fields).await;
    assert!(again.text_of("new-token").unwrap().starts_with("rmp_"));
}

#[tokio::test]
async fn housekeeping_deletes_ended_sessions_and_spent_links_but_keeps_live_ones() {
    let app = spawn_with_mail().await;
    let mut live = app.signed_up("ada@example.com", "Engines").await;
    let mut ended = app.visitor();
    ended.user_agent = "Ended/1".into();
    ended.log_in("ada@example.com", PASSWORD).await;
    sql(
        &app,
        "UPDATE sessions SET expires_at = 1 WHERE user_agent = 'Ended/1'",
    )
    .await;
    sql(&app, "UPDATE one_time_links SET used_at = 1").await;
    let identity = &app.app.running.as_ref().unwrap().state.identity;
    let swept = identity.sweep().await.unwrap();
    assert_eq!(swept.sessions, 1);
    assert_eq!(swept.links, 1, "the used verification link");
    live.get("/account/security").await.assert_status(200);
}
