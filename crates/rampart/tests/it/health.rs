//! Health, readiness and the HTTP-to-HTTPS redirect.

use crate::helpers::spawn_app;

#[tokio::test]
async fn healthz_answers_ok_over_https() {
    let app = spawn_app().await;
    let response = app.get(&app.url("/healthz")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<serde_json::Value>().await.unwrap()["status"],
        "ok"
    );
}

#[tokio::test]
async fn readyz_reports_a_reachable_and_migrated_database() {
    let app = spawn_app().await;
    let response = app.get(&app.url("/readyz")).await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ready");
    assert_eq!(body["checks"]["database"], "ok");
    assert_eq!(body["checks"]["migrations"], "ok");
}

#[tokio::test]
async fn readyz_answers_503_with_reasons_when_the_database_is_gone() {
    let app = spawn_app().await;
    app.running.as_ref().unwrap().state.db.close().await;
    let response = app.get(&app.url("/readyz")).await;
    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "unavailable");
    assert_eq!(body["checks"]["database"], "unreachable");
    assert!(
        body["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r == "database unreachable")
    );
}

#[tokio::test]
async fn readyz_lists_migrations_that_are_not_applied() {
    let app = spawn_app().await;
    let db = &app.running.as_ref().unwrap().state.db;
    sqlx::query("DELETE FROM schema_migrations")
        .execute(db.pool())
        .await
        .unwrap();
    let response = app.get(&app.url("/readyz")).await;
    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.unwrap();
    let every: Vec<String> = rampart::app::migrations()
        .iter()
        .map(|m| m.label())
        .collect();
    assert!(every.contains(&"vault/0001_vault".to_owned()), "{every:?}");
    assert_eq!(
        body["checks"]["migrations"],
        format!("pending: {}", every.join(", "))
    );
}

#[tokio::test]
async fn plain_http_redirects_to_the_same_path_and_query_over_https() {
    let app = spawn_app().await;
    let check = |path: &'static str, expected: String| {
        let app = &app;
        async move {
            for method in [
                reqwest::Method::GET,
                reqwest::Method::POST,
                reqwest::Method::HEAD,
            ] {
                let response = app
                    .client
                    .request(method.clone(), app.redirect_url(path))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 308, "{method} {path}");
                assert_eq!(
                    response.headers()["location"],
                    expected.as_str(),
                    "{method} {path}"
                );
            }
        }
    };
    let public = format!("https://localhost:{}", app.public.port());
    check("/a?b=c", format!("{public}/a?b=c")).await;
    check("/", format!("{public}/")).await;
    check(
        "/deep/path/x.json?q=%20space&r=1",
        format!("{public}/deep/path/x.json?q=%20space&r=1"),
    )
    .await;
    check("//evil.example/x", format!("{public}//evil.example/x")).await;
}

#[tokio::test]
async fn the_redirect_ignores_the_host_header_and_uses_the_configured_public_url() {
    let app = crate::helpers::spawn_app_with(|c| {
        c.server.public_url = Some("https://rampart.example.com".parse().unwrap())
    })
    .await;
    let response = app
        .client
        .get(app.redirect_url("/login?next=%2Fapp"))
        .header("host", "evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 308);
    assert_eq!(
        response.headers()["location"],
        "https://rampart.example.com/login?next=%2Fapp"
    );
}

#[tokio::test]
async fn the_home_page_leads_to_the_trust_page() {
    let app = spawn_app().await;
    let response = app.get(&app.url("/")).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/security");
}
