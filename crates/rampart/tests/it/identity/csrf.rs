//! CSRF: a form post without its token, with another browser's token, or from another
//! origin is refused and changes nothing.

use super::support::{PASSWORD, spawn_with_mail};

#[tokio::test]
async fn a_post_without_its_csrf_token_is_refused_and_changes_nothing() {
    let app = spawn_with_mail().await;
    let mut visitor = app.signed_up("ada@example.com", "Engines").await;
    let origin = visitor.origin.clone();
    let change = [
        ("current_password", PASSWORD),
        ("new_password", "a hijacked password value 1"),
    ];
    let page = visitor
        .post_with("/account/password", &change, None, Some(&origin))
        .await;
    page.assert_status(403);
    assert!(
        page.body
            .contains("This form has expired or did not come from Rampart")
    );
    // Another browser's token does not fit this browser's cookie.
    let mut other = app.visitor();
    let foreign = other.get("/login").await.csrf_token().unwrap();
    visitor
        .post_with("/account/password", &change, Some(&foreign), Some(&origin))
        .await
        .assert_status(403);
    let mut again = app.visitor();
    again
        .log_in("ada@example.com", PASSWORD)
        .await
        .assert_redirect("/account/security");
}

#[tokio::test]
async fn a_post_from_another_origin_is_refused_even_with_a_token() {
    let app = spawn_with_mail().await;
    let mut visitor = app.visitor();
    let token = visitor.get("/login").await.csrf_token().unwrap();
    let fields = [("email", "ada@example.com"), ("password", PASSWORD)];
    let page = visitor
        .post_with(
            "/login",
            &fields,
            Some(&token),
            Some("https://evil.example"),
        )
        .await;
    page.assert_status(403);
    assert!(page.body.contains("sent from another site"));
    // No Origin and no Referer: refused too.
    visitor
        .post_with("/login", &fields, Some(&token), None)
        .await
        .assert_status(403);
}

#[tokio::test]
async fn the_csrf_cookie_is_host_prefixed_secure_and_http_only() {
    let app = spawn_with_mail().await;
    let mut visitor = app.visitor();
    let page = visitor.get("/signup").await;
    let cookie = page
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("__Host-rampart-csrf="))
        .unwrap();
    for attribute in ["Path=/", "Secure", "HttpOnly", "SameSite=Lax"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
}
