//! The report form: a complete report is acknowledged with a private tracking link shown
//! once; a refused one keeps what was typed; bots and forged posts store nothing.

use super::support::{
    ADA, ADA_EMAIL, is_tracking_path, path_of, report_form, shows_as_text, stored_reports,
};
use crate::identity::support::spawn_with_mail;

#[tokio::test]
async fn a_report_sent_with_the_form_is_acknowledged_with_a_private_tracking_link() {
    let app = spawn_with_mail().await;
    let mut researcher = app.visitor();
    researcher.get("/security/report").await.assert_status(200);
    let sent = researcher.post("/security/report", &report_form(&[])).await;
    sent.assert_status(201);
    assert_eq!(sent.headers["cache-control"], "no-store");
    let link = sent
        .text_of("tracking-link")
        .expect("the tracking link is shown");
    assert!(
        link.starts_with(&format!("{}/security/reports/track/", app.origin())),
        "{link}"
    );
    let tracking = path_of(&link);
    assert!(is_tracking_path(&tracking), "{tracking}");
    let id = sent.text_of("report-id").unwrap();
    assert!(id.starts_with("rpt_"), "{id}");

    let page = researcher.get(&tracking).await;
    page.assert_status(200);
    assert_eq!(
        page.text_of("report-state").as_deref(),
        Some("Acknowledged")
    );
    assert!(page.body.contains("Stored XSS in the invoice note"));
    assert!(page.body.contains(&id));
    assert_eq!(page.headers["cache-control"], "no-store");
    assert_eq!(page.headers["referrer-policy"], "no-referrer");
    // The acknowledgement reached the address given, with the report's id.
    let mail = app
        .mail_to(ADA_EMAIL, &format!("We received your report {id}"))
        .await;
    assert!(!mail.body().contains(&tracking), "the link is never mailed");
}

#[tokio::test]
async fn a_report_without_the_rules_accepted_is_refused_and_keeps_what_was_typed() {
    let app = spawn_with_mail().await;
    let mut researcher = app.visitor();
    researcher.get("/security/report").await;
    let mut fields = report_form(&[("steps", "Open the page <b>twice</b>")]);
    fields.retain(|(name, _)| *name != "accepted_rules");
    let refused = researcher.post("/security/report", &fields).await;
    refused.assert_status(422);
    assert!(refused.body.contains("id=\"accepted_rules-error\""));
    assert!(refused.text_of("tracking-link").is_none());
    for typed in [
        "Stored XSS in the invoice note",
        "Rampart 2.3, /app/invoices",
        "A customer's session can be taken over.",
        "Open the page <b>twice</b>",
        ADA,
        ADA_EMAIL,
    ] {
        assert!(
            shows_as_text(&refused.body, typed),
            "{typed} is not kept in:\n{}",
            refused.body
        );
    }
    assert!(
        refused
            .body
            .contains("<option value=\"cross_site_scripting\" selected>")
    );
    assert_eq!(stored_reports(&app.app).await, 0);
}

#[tokio::test]
async fn a_report_with_the_honeypot_filled_is_refused_and_nothing_is_stored() {
    let app = spawn_with_mail().await;
    let mut bot = app.visitor();
    bot.get("/security/report").await;
    let refused = bot
        .post(
            "/security/report",
            &report_form(&[("website", "https://cheap-pills.example")]),
        )
        .await;
    assert!(
        (400..500).contains(&refused.status),
        "{}: {}",
        refused.status,
        refused.body
    );
    assert!(refused.text_of("tracking-link").is_none());
    assert_eq!(stored_reports(&app.app).await, 0);
}

#[tokio::test]
async fn a_report_posted_without_its_csrf_token_is_refused_and_nothing_is_stored() {
    let app = spawn_with_mail().await;
    let mut forger = app.visitor();
    forger.get("/security/report").await;
    let origin = forger.origin.clone();
    forger
        .post_with("/security/report", &report_form(&[]), None, Some(&origin))
        .await
        .assert_status(403);
    // Nor from another site with a token.
    let token = forger.get("/security/report").await.csrf_token().unwrap();
    forger
        .post_with(
            "/security/report",
            &report_form(&[]),
            Some(&token),
            Some("https://evil.example"),
        )
        .await
        .assert_status(403);
    assert_eq!(stored_reports(&app.app).await, 0);
}

#[tokio::test]
async fn the_report_form_has_no_inline_style_that_the_content_security_policy_blocks() {
    let app = spawn_with_mail().await;
    let page = app.visitor().get("/security/report").await;
    page.assert_status(200);
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    // A blocked `style` attribute would leave the honeypot field in view of people.
    assert!(
        !page.body.contains(" style="),
        "the form relies on an inline style the CSP refuses:\n{}",
        page.body
    );
}
