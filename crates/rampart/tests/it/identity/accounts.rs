//! Sign-up, email verification, log-in and log-out, password change and reset.

use super::support::{PASSWORD, spawn_with_mail};

#[tokio::test]
async fn sign_up_verify_and_log_in() {
    let app = spawn_with_mail().await;
    let mut visitor = app.signed_up("ada@example.com", "Analytical Engines").await;
    let page = visitor.get("/account/security").await;
    page.assert_status(200);
    assert_eq!(
        page.text_of("signed-in-as").as_deref(),
        Some("ada@example.com")
    );
    let members = visitor.get("/account/members").await;
    assert!(members.body.contains("Members of Analytical Engines"));
    assert!(members.body.contains("owner"));
}

#[tokio::test]
async fn an_unverified_address_cannot_log_in_until_its_link_is_opened() {
    let app = spawn_with_mail().await;
    let mut visitor = app.visitor();
    visitor.get("/signup").await;
    visitor
        .post(
            "/signup",
            &[
                ("name", "Grace"),
                ("organisation", "Navy"),
                ("email", "grace@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await
        .assert_status(200);
    let page = visitor.log_in("grace@example.com", PASSWORD).await;
    page.assert_status(403);
    assert!(page.body.contains("Confirm your email address first"));
    let link = app
        .link_in_mail("grace@example.com", "Confirm your email", "/verify-email/")
        .await;
    visitor.get(&link).await.assert_status(200);
    // The link works once.
    visitor.get(&link).await.assert_status(410);
    visitor
        .log_in("grace@example.com", PASSWORD)
        .await
        .assert_redirect("/account/security");
}

#[tokio::test]
async fn weak_passwords_are_refused_with_a_reason_and_the_form_keeps_what_was_typed() {
    let app = spawn_with_mail().await;
    let mut visitor = app.visitor();
    visitor.get("/signup").await;
    let cases = [
        ("short1!", "at least 12 characters"),
        ("password1234", "most common passwords"),
        ("alanalanalan1", "too easy to guess"),
    ];
    for (password, reason) in cases {
        let page = visitor
            .post(
                "/signup",
                &[
                    ("name", "Alan Turing"),
                    ("organisation", "Bletchley"),
                    ("email", "alan@example.com"),
                    ("password", password),
                ],
            )
            .await;
        page.assert_status(422);
        assert!(page.body.contains(reason), "{password}: {}", page.body);
        assert!(page.body.contains("value=\"alan@example.com\""));
        assert!(page.body.contains("value=\"Bletchley\""));
        assert!(
            !page.body.contains(password),
            "the password is never shown again"
        );
    }
    let long = "x".repeat(1025);
    let page = visitor
        .post(
            "/signup",
            &[
                ("name", "Alan"),
                ("organisation", "Bletchley"),
                ("email", "alan@example.com"),
                ("password", &long),
            ],
        )
        .await;
    page.assert_status(422);
    assert!(page.body.contains("at most 1024 bytes"));
}

#[tokio::test]
async fn signing_up_with_a_taken_address_answers_the_same_and_warns_its_owner() {
    let app = spawn_with_mail().await;
    app.signed_up("ada@example.com", "First").await;
    let mut stranger = app.visitor();
    stranger.get("/signup").await;
    let page = stranger
        .post(
            "/signup",
            &[
                ("name", "Mallory"),
                ("organisation", "Second"),
                ("email", "ada@example.com"),
                ("password", "a different long passphrase 77"),
            ],
        )
        .await;
    page.assert_status(200);
    assert!(page.body.contains("We sent a link to ada@example.com"));
    app.mail_to("ada@example.com", "tried to sign up").await;
}

#[tokio::test]
async fn changing_the_password_asks_for_the_current_one_and_ends_other_sessions() {
    let app = spawn_with_mail().await;
    let mut laptop = app.signed_up("ada@example.com", "Engines").await;
    let mut phone = app.visitor();
    phone
        .log_in("ada@example.com", PASSWORD)
        .await
        .assert_redirect("/account/security");
    laptop.get("/account/security").await;
    let wrong = laptop
        .post(
            "/account/password",
            &[
                ("current_password", "not my password at all"),
                ("new_password", "another fine passphrase 2026"),
            ],
        )
        .await;
    wrong.assert_status(422);
    assert!(wrong.body.contains("the current password is incorrect"));
    laptop
        .post(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "another fine passphrase 2026"),
            ],
        )
        .await
        .assert_redirect("/account/security?password-changed");
    laptop.get("/account/security").await.assert_status(200);
    phone
        .get("/account/security")
        .await
        .assert_redirect("/login");
    app.mail_to("ada@example.com", "password was changed").await;
    let mut again = app.visitor();
    again
        .log_in("ada@example.com", "another fine passphrase 2026")
        .await
        .assert_redirect("/account/security");
}

#[tokio::test]
async fn a_reset_link_sets_a_new_password_once_and_ends_every_session() {
    let app = spawn_with_mail().await;
    let mut old_session = app.signed_up("ada@example.com", "Engines").await;
    let mut visitor = app.visitor();
    visitor.get("/password/forgot").await;
    let page = visitor
        .post("/password/forgot", &[("email", "ada@example.com")])
        .await;
    page.assert_status(200);
    // Unknown addresses get the same answer, and no mail.
    let unknown = visitor
        .post("/password/forgot", &[("email", "nobody@example.com")])
        .await;
    assert_eq!(
        unknown
            .body
            .replace(&unknown.csrf_token().unwrap_or_default(), ""),
        page.body
            .replace(&page.csrf_token().unwrap_or_default(), "")
    );
    let link = app
        .link_in_mail(
            "ada@example.com",
            "Reset your Rampart password",
            "/password/reset/",
        )
        .await;
    let form = visitor.get(&link).await;
    form.assert_status(200);
    assert!(form.body.contains("ada@example.com"));
    visitor
        .post(&link, &[("password", "brand new correct passphrase 9")])
        .await
        .assert_status(200);
    visitor.get(&link).await.assert_status(410);
    let reused = visitor
        .post(&link, &[("password", "yet another passphrase here 10")])
        .await;
    reused.assert_status(410);
    old_session
        .get("/account/security")
        .await
        .assert_redirect("/login");
    let mut fresh = app.visitor();
    fresh
        .log_in("ada@example.com", PASSWORD)
        .await
        .assert_status(401);
    fresh
        .log_in("ada@example.com", "brand new correct passphrase 9")
        .await
        .assert_redirect("/account/security");
}

#[tokio::test]
async fn log_out_ends_the_session() {
    let app = spawn_with_mail().await;
    let mut visitor = app.signed_up("ada@example.com", "Engines").await;
    let cookie = visitor.cookie("__Host-rampart-session").unwrap().to_owned();
    visitor.get("/account/security").await;
    visitor
        .post("/logout", &[])
        .await
        .assert_redirect("/login?logged-out");
    assert!(visitor.cookie("__Host-rampart-session").is_none());
    visitor
        .cookies
        .insert("__Host-rampart-session".into(), cookie);
    visitor
        .get("/account/security")
        .await
        .assert_redirect("/login");
}
