//! The researcher's private tracking link: the thread and a reply, replacing and revoking
//! the link, withdrawing the report; and nobody without the link sees anything.

use serde_json::json;

use super::support::{file_report, is_tracking_path, path_of, thread};
use crate::identity::support::spawn_with_mail;

#[tokio::test]
async fn the_researcher_replies_on_the_tracking_page_and_sees_the_reply() {
    let app = spawn_with_mail().await;
    let mut researcher = file_report(&app, json!({})).await;
    let before = thread(&researcher.page().await);
    assert_eq!(before.len(), 1, "the acknowledgement: {before:?}");
    assert!(before[0].contains("we received your report"), "{before:?}");
    let sent = researcher.reply("It also works on the export page.").await;
    sent.assert_redirect(&researcher.tracking);
    let page = researcher.page().await;
    let after = thread(&page);
    assert_eq!(after.len(), 2, "{after:?}");
    assert_eq!(after[1], "It also works on the export page.");
    // The state is unchanged by a reply while nothing was asked.
    assert_eq!(
        page.text_of("report-state").as_deref(),
        Some("Acknowledged")
    );
    // An empty message is refused, and says so.
    researcher.reply("   ").await.assert_status(422);
    assert_eq!(thread(&researcher.page().await).len(), 2);
}

#[tokio::test]
async fn a_replaced_link_stops_working_and_the_new_one_opens_the_report() {
    let app = spawn_with_mail().await;
    let mut researcher = file_report(&app, json!({})).await;
    let old = researcher.tracking.clone();
    let replaced = researcher.post("link", &[]).await;
    replaced.assert_status(200);
    assert_eq!(replaced.headers["cache-control"], "no-store");
    let fresh = path_of(&replaced.text_of("tracking-link").unwrap());
    assert!(is_tracking_path(&fresh) && fresh != old, "{fresh}");

    researcher.visitor.get(&old).await.assert_status(404);
    let token = researcher.visitor.get(&fresh).await.csrf_token().unwrap();
    let origin = researcher.visitor.origin.clone();
    researcher
        .visitor
        .post_with(
            &format!("{old}/messages"),
            &[("body", "through the old link")],
            Some(&token),
            Some(&origin),
        )
        .await
        .assert_status(404);
    researcher.tracking = fresh;
    let page = researcher.page().await;
    assert!(page.body.contains(&researcher.id));
    assert!(!page.body.contains("through the old link"));
}

#[tokio::test]
async fn a_revoked_link_stops_working() {
    let app = spawn_with_mail().await;
    let mut researcher = file_report(&app, json!({})).await;
    researcher.post("revoke", &[]).await.assert_status(200);
    let gone = researcher.visitor.get(&researcher.tracking).await;
    gone.assert_status(404);
    assert!(!gone.body.contains(&researcher.id));
    assert!(!gone.body.contains("SQL injection in the contact search"));
}

#[tokio::test]
async fn the_researcher_withdraws_their_report_and_its_thread_closes() {
    let app = spawn_with_mail().await;
    let mut researcher = file_report(&app, json!({})).await;
    researcher
        .post("withdraw", &[])
        .await
        .assert_redirect(&researcher.tracking);
    let page = researcher.page().await;
    assert_eq!(
        page.text_of("report-state").as_deref(),
        Some("Closed: withdrawn")
    );
    assert!(!page.body.contains("id=\"reply-form\""));
    let refused = researcher.reply("one more thing").await;
    assert!((400..500).contains(&refused.status), "{}", refused.status);
    assert!(!thread(&researcher.page().await).contains(&"one more thing".to_owned()));
}

#[tokio::test]
async fn a_malformed_or_unknown_tracking_secret_opens_nothing() {
    let app = spawn_with_mail().await;
    let researcher = file_report(&app, json!({})).await;
    let secret = researcher.tracking.rsplit('/').next().unwrap();
    // The same secret with its last digit changed, shortened, upper-cased, without prefix.
    let last = secret.chars().last().unwrap();
    let flipped = format!(
        "{}{}",
        &secret[..secret.len() - 1],
        if last == '0' { '1' } else { '0' }
    );
    let mut stranger = app.visitor();
    for guess in [
        flipped,
        secret[..secret.len() - 1].to_owned(),
        secret.to_uppercase().replace("TRK_", "trk_"),
        secret.trim_start_matches("trk_").to_owned(),
        researcher.id.clone(),
    ] {
        let page = stranger
            .get(&format!("/security/reports/track/{guess}"))
            .await;
        page.assert_status(404);
        assert!(!page.body.contains("SQL injection in the contact search"));
    }
}
