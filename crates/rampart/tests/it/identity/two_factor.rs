//! TOTP enrolment and log-in, replay refusal, recovery codes.

use super::support::{PASSWORD, now_secs, recovery_codes, spawn_with_mail};

const COOKIE: &str = "__Host-rampart-session";

#[tokio::test]
async fn with_2fa_on_a_log_in_needs_a_code_and_a_code_works_only_once() {
    let app = spawn_with_mail().await;
    let mut visitor = app.signed_up("ada@example.com", "Engines").await;
    let (secret, codes) = visitor.enrol_totp().await;
    assert_eq!(codes.len(), 10);
    let status = visitor.get("/account/security").await;
    assert!(status.text_of("twofa-status").unwrap().starts_with("On"));

    let mut phone = app.visitor();
    phone
        .log_in("ada@example.com", PASSWORD)
        .await
        .assert_redirect("/login/2fa");
    let half = phone.cookie(COOKIE).unwrap().to_owned();
    // Half-way through, nothing but the code step is open.
    phone
        .get("/account/security")
        .await
        .assert_redirect("/login/2fa");
    phone.get("/login/2fa").await.assert_status(200);
    // The enrolment used the current step; the next step's code is new.
    let code = secret.code_at(now_secs() + 30);
    phone
        .post("/login/2fa", &[("code", &code)])
        .await
        .assert_redirect("/account/security");
    assert_ne!(
        phone.cookie(COOKIE).unwrap(),
        half,
        "the id changes with the privilege"
    );
    let mut stale = app.visitor();
    stale.cookies.insert(COOKIE.into(), half);
    stale
        .get("/account/security")
        .await
        .assert_redirect("/login");

    // The same code again, on a new log-in, is refused.
    let mut replay = app.visitor();
    replay.log_in("ada@example.com", PASSWORD).await;
    replay.get("/login/2fa").await;
    let refused = replay.post("/login/2fa", &[("code", &code)]).await;
    refused.assert_status(401);
    assert!(refused.body.contains("not valid"));
    replay
        .get("/account/security")
        .await
        .assert_redirect("/login/2fa");
}

#[tokio::test]
async fn a_recovery_code_works_once_in_place_of_a_code() {
    let app = spawn_with_mail().await;
    let mut visitor = app.signed_up("ada@example.com", "Engines").await;
    let (_, codes) = visitor.enrol_totp().await;
    let mut lost_phone = app.visitor();
    lost_phone.log_in("ada@example.com", PASSWORD).await;
    lost_phone.get("/login/2fa").await;
    lost_phone
        .post("/login/2fa", &[("code", &codes[0].to_uppercase())])
        .await
        .assert_redirect("/account/security?recovery-code-used");
    let page = lost_phone.get("/account/security?recovery-code-used").await;
    assert!(
        page.text_of("twofa-status")
            .unwrap()
            .contains("9 recovery code(s) left")
    );
    let mut again = app.visitor();
    again.log_in("ada@example.com", PASSWORD).await;
    again.get("/login/2fa").await;
    again
        .post("/login/2fa", &[("code", &codes[0])])
        .await
        .assert_status(401);
}

#[tokio::test]
async fn new_recovery_codes_replace_the_old_ones() {
    let app = spawn_with_mail().await;
    let mut visitor = app.signed_up("ada@example.com", "Engines").await;
    let (_, old) = visitor.enrol_totp().await;
    visitor.get("/account/security").await;
    let page = visitor.post("/account/recovery-codes", &[]).await;
    page.assert_status(200);
    let new = recovery_codes(&page.body);
    assert_eq!(new.len(), 10);
    let mut other = app.visitor();
    other.log_in("ada@example.com", PASSWORD).await;
    other.get("/login/2fa").await;
    other
        .post("/login/2fa", &[("code", &old[1])])
        .await
        .assert_status(401);
    other
        .post("/login/2fa", &[("code", &new[1])])
        .await
        .assert_redirect("/account/security?recovery-code-used");
}

#[tokio::test]
async fn a_wrong_first_code_does_not_turn_2fa_on_and_turning_it_off_works() {
    let app = spawn_with_mail().await;
    let mut visitor = app.signed_up("ada@example.com", "Engines").await;
    visitor.get("/account/2fa/enrol").await;
    let page = visitor
        .post("/account/2fa/enrol", &[("code", "000000")])
        .await;
    page.assert_status(401);
    assert!(
        page.body.contains("totp-secret"),
        "the enrolment page is shown again"
    );
    let (_, _) = visitor.enrol_totp().await;
    visitor.get("/account/security").await;
    visitor
        .post("/account/2fa/disable", &[])
        .await
        .assert_redirect("/account/security?2fa-off");
    let mut next = app.visitor();
    next.log_in("ada@example.com", PASSWORD)
        .await
        .assert_redirect("/account/security");
}

#[tokio::test]
async fn the_enrolment_qr_code_carries_the_secret_shown_beside_it() {
    let app = spawn_with_mail().await;
    let mut visitor = app.signed_up("ada@example.com", "Engines").await;
    let page = visitor.get("/account/2fa/enrol").await;
    let svg_start = page.body.find("<svg").unwrap();
    let svg = &page.body[svg_start..svg_start + page.body[svg_start..].find("</svg>").unwrap()];
    let uri = crate::identity::support::decode_qr(svg);
    let secret = page.text_of("totp-secret").unwrap();
    assert!(
        uri.starts_with("otpauth://totp/Rampart:ada@example.com?"),
        "{uri}"
    );
    assert!(uri.contains(&format!("secret={secret}&")), "{uri}");
}
