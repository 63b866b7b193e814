//! The committed response times from the outside: overdue reports in the team's queue,
//! escalation mail, and the report that closes itself after 30 days without an answer. The
//! server reads the real clock, so the report's past is moved back in the database.

use std::time::Duration;

use serde_json::json;

use super::support::{ADA_EMAIL, age_report, file_report, run_jobs, security_team, thread};
use crate::identity::support::{spawn_with_mail, spawn_with_mail_and};

const TEAM_EMAIL: &str = "security@rampart.example";

#[tokio::test]
async fn a_report_past_its_first_response_time_shows_as_overdue_in_the_queue() {
    let app = spawn_with_mail().await;
    let late = file_report(&app, json!({ "title": "An old finding" })).await;
    file_report(&app, json!({ "title": "A new finding" })).await;
    age_report(&app.app, &late.id, 10).await;
    let mut team = security_team(&app).await;
    let queue = team.visitor.get("/staff/security/reports").await;
    queue.assert_status(200);
    assert_eq!(
        queue.text_of("overdue-count").as_deref(),
        Some("1 report(s) with an overdue clock."),
        "{}",
        queue.body
    );
    let row = queue
        .body
        .split("<tr")
        .find(|row| row.contains(&late.id))
        .unwrap();
    assert!(row.contains("overdue"), "{row}");
}

#[tokio::test]
async fn the_team_is_mailed_when_a_clock_becomes_overdue() {
    let app = spawn_with_mail_and(|config| {
        config.disclosure.team_email = Some(TEAM_EMAIL.into());
    })
    .await;
    let late = file_report(&app, json!({})).await;
    age_report(&app.app, &late.id, 10).await;
    run_jobs(&app.app).await;
    let escalation = app
        .mail
        .wait_for(
            |mail| {
                mail.to.iter().any(|to| to == TEAM_EMAIL)
                    && !mail
                        .subject()
                        .is_some_and(|s| s.starts_with("New vulnerability report"))
                    && mail.body().contains(&late.id)
            },
            Duration::from_secs(10),
        )
        .await;
    assert!(
        escalation.is_some(),
        "no escalation mail about the overdue report reached the team; mail sent: {:?}",
        app.mail
            .messages()
            .iter()
            .map(|m| m.subject())
            .collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn a_report_waiting_30_days_on_its_researcher_closes_itself_and_can_still_be_answered() {
    let app = spawn_with_mail().await;
    let mut researcher = file_report(&app, json!({})).await;
    let mut team = security_team(&app).await;
    let id = researcher.id.clone();
    team.moves(&id, "triaging", &[]).await;
    team.moves(&id, "needs_info", &[("message", "Which browser?")])
        .await;
    assert_eq!(run_jobs(&app.app).await, (0, 0), "not yet");
    age_report(&app.app, &id, 31).await;
    assert_eq!(run_jobs(&app.app).await, (1, 0));

    let page = researcher.page().await;
    assert_eq!(
        page.text_of("report-state").as_deref(),
        Some("Closed: informative")
    );
    let closing = thread(&page).last().unwrap().clone();
    assert!(closing.contains("no answer for 30 days"), "{closing}");
    app.mail_to(
        ADA_EMAIL,
        &format!("Your report is now: Closed: informative ({id})"),
    )
    .await;
    // The closing message invites a reply to have the report reopened: the reply must reach
    // the team, who alone may reopen it.
    assert!(closing.contains("Reply on this report"), "{closing}");
    let answered = researcher.reply("Sorry, I was away: Firefox 128.").await;
    answered.assert_redirect(&researcher.tracking);
    let console = team.open(&id).await;
    assert!(console.body.contains("Firefox 128"));
    team.moves(&id, "triaging", &[]).await;
}
