//! Researcher accounts: a single-use link mailed to the address signs in (and makes the
//! account); the account's reports are listed with their tracking links; the session cookie
//! is `__Host-` with its flags; a spent, forged or expired link signs no one in.

use super::support::{ADA_EMAIL, report_form};
use crate::identity::support::{IdentityApp, Visitor, spawn_with_mail};

const SUBJECT: &str = "Your sign-in link to the security program";

/// Asks for a link for `email` and returns its path.
async fn mailed_link(app: &IdentityApp, visitor: &mut Visitor, email: &str) -> String {
    visitor
        .get("/security/researchers/sign-in")
        .await
        .assert_status(200);
    let sent = visitor
        .post(
            "/security/researchers/sign-in",
            &[("email", email), ("name", "Ada Lovelace")],
        )
        .await;
    sent.assert_status(200);
    assert!(sent.text_of("link-sent").is_some(), "{}", sent.body);
    app.link_in_mail(email, SUBJECT, "/security/researchers/sign-in/rsl_")
        .await
}

/// Opens the mailed link and presses its button, as a person would.
async fn use_link(visitor: &mut Visitor, link: &str) -> crate::identity::support::Page {
    visitor.get(link).await.assert_status(200);
    visitor.post(link, &[]).await
}

#[tokio::test]
async fn a_mailed_link_signs_in_once_and_the_account_lists_its_reports_with_their_links() {
    let app = spawn_with_mail().await;
    let mut ada = app.visitor();
    let link = mailed_link(&app, &mut ada, ADA_EMAIL).await;
    let signed_in = use_link(&mut ada, &link).await;
    signed_in.assert_redirect("/security/researchers/reports");
    let cookie = signed_in
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("__Host-rampart-researcher="))
        .expect("a session cookie");
    for flag in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(flag), "{flag} missing from {cookie}");
    }
    assert!(!cookie.contains("Domain="), "{cookie}");

    let account = ada.get("/security/researchers/reports").await;
    account.assert_status(200);
    assert_eq!(
        account.text_of("researcher-email").as_deref(),
        Some(ADA_EMAIL)
    );
    assert!(account.text_of("no-reports").is_some());

    // The form is filled with the account's name and address; the report joins the account.
    let form = ada.get("/security/report").await;
    assert!(form.body.contains(ADA_EMAIL));
    let mut fields = report_form(&[]);
    fields.retain(|(name, _)| !matches!(*name, "reporter_email" | "reporter_name"));
    let sent = ada.post("/security/report", &fields).await;
    sent.assert_status(201);
    let id = sent.text_of("report-id").unwrap();
    let account = ada.get("/security/researchers/reports").await;
    assert!(account.body.contains(&id), "{}", account.body);
    let tracking = sent.text_of("tracking-link").unwrap();
    assert!(
        account.body.contains(&tracking),
        "the account opens the report again"
    );
    // The acknowledgement went to the account's address.
    app.mail_to(ADA_EMAIL, &format!("We received your report {id}"))
        .await;

    // The link worked once.
    let mut other = app.visitor();
    let again = use_link(&mut other, &link).await;
    again.assert_status(404);
    assert!(again.set_cookies().is_empty());
}

#[tokio::test]
async fn a_replaced_tracking_link_is_the_one_the_account_shows() {
    let app = spawn_with_mail().await;
    let mut ada = app.visitor();
    let link = mailed_link(&app, &mut ada, ADA_EMAIL).await;
    use_link(&mut ada, &link).await;
    ada.get("/security/report").await;
    let sent = ada.post("/security/report", &report_form(&[])).await;
    let old = sent.text_of("tracking-link").unwrap();
    let old_path = super::support::path_of(&old);
    ada.get(&old_path).await.assert_status(200);
    let replaced = ada.post(&format!("{old_path}/link"), &[]).await;
    replaced.assert_status(200);
    let fresh = replaced.text_of("tracking-link").unwrap();
    assert_ne!(fresh, old);
    let account = ada.get("/security/researchers/reports").await;
    assert!(account.body.contains(&fresh));
    assert!(!account.body.contains(&old));
}

#[tokio::test]
async fn forged_links_and_sessions_sign_no_one_in_and_signing_out_ends_the_session() {
    let app = spawn_with_mail().await;
    let mut visitor = app.visitor();
    visitor.get("/security/researchers/sign-in").await;
    for forged in [
        "/security/researchers/sign-in/rsl_00",
        &format!("/security/researchers/sign-in/rsl_{}", "ab".repeat(32)),
        "/security/researchers/sign-in/trk_x",
    ] {
        let page = visitor.post(forged, &[]).await;
        page.assert_status(404);
        assert!(page.set_cookies().is_empty());
    }
    // A made-up session cookie is no session.
    visitor.cookies.insert(
        "__Host-rampart-researcher".into(),
        format!("rss_{}", "cd".repeat(32)),
    );
    visitor
        .get("/security/researchers/reports")
        .await
        .assert_redirect("/security/researchers/sign-in");

    let mut ada = app.visitor();
    let link = mailed_link(&app, &mut ada, ADA_EMAIL).await;
    use_link(&mut ada, &link).await;
    ada.get("/security/researchers/reports")
        .await
        .assert_status(200);
    let session = ada.cookie("__Host-rampart-researcher").unwrap().to_owned();
    ada.post("/security/researchers/sign-out", &[])
        .await
        .assert_redirect("/security/policy");
    // The old cookie, sent again, no longer signs in.
    let mut replay = app.visitor();
    replay
        .cookies
        .insert("__Host-rampart-researcher".into(), session);
    replay
        .get("/security/researchers/reports")
        .await
        .assert_redirect("/security/researchers/sign-in");
}

#[tokio::test]
async fn asking_for_a_link_says_the_same_for_any_address_and_refuses_a_malformed_one() {
    let app = spawn_with_mail().await;
    let mut visitor = app.visitor();
    visitor.get("/security/researchers/sign-in").await;
    let refused = visitor
        .post(
            "/security/researchers/sign-in",
            &[("email", "not an address")],
        )
        .await;
    refused.assert_status(422);
    assert!(refused.body.contains("id=\"email-error\""));
    let first = visitor
        .post(
            "/security/researchers/sign-in",
            &[("email", "new@research.example")],
        )
        .await;
    first.assert_status(200);
    assert!(first.text_of("link-sent").is_some());
}

#[tokio::test]
async fn a_researcher_account_has_its_own_hourly_limit() {
    let app = crate::identity::support::spawn_with_mail_and(|config| {
        config.disclosure.reports_per_hour = 2;
    })
    .await;
    let mut ada = app.visitor();
    let link = mailed_link(&app, &mut ada, ADA_EMAIL).await;
    use_link(&mut ada, &link).await;
    for _ in 0..2 {
        ada.get("/security/report").await;
        ada.post("/security/report", &report_form(&[]))
            .await
            .assert_status(201);
    }
    ada.get("/security/report").await;
    let refused = ada.post("/security/report", &report_form(&[])).await;
    refused.assert_status(429);
    assert!(refused.headers.contains_key("retry-after"));
    // Another browser from the same address, signed out, still has the address's allowance:
    // the account's reports were counted against the account.
    let mut anonymous = app.visitor();
    anonymous.get("/security/report").await;
    anonymous
        .post("/security/report", &report_form(&[]))
        .await
        .assert_status(201);
}
