//! The security team's console on the staff listener, and what the researcher sees of each
//! of its changes on the tracking page and in their mail.

use serde_json::json;

use super::support::{
    ADA_EMAIL, Researcher, Team, audit_entries_of, date_in_days, file_report, security_team,
    shows_as_text, staff_member, thread,
};
use crate::identity::support::{IdentityApp, spawn_with_mail, spawn_with_mail_and};

const GRACE_EMAIL: &str = "grace@research.example";

/// The team moves the report; the researcher's page shows the new state and the team's
/// message, and the researcher is mailed about it.
async fn step(
    app: &IdentityApp,
    team: &mut Team,
    researcher: &mut Researcher,
    (to, label): (&str, &str),
    filled: &[(&str, &str)],
) {
    let id = researcher.id.clone();
    team.moves(&id, to, filled).await;
    let page = researcher.page().await;
    assert_eq!(page.text_of("report-state").as_deref(), Some(label), "{to}");
    let messages = thread(&page);
    let last = messages.last().unwrap();
    assert!(
        last.contains(&format!("The report is now: {label}.")),
        "{last}"
    );
    if let Some((_, message)) = filled.iter().find(|(name, _)| *name == "message") {
        assert!(last.contains(message), "{last}");
    }
    let mail = app
        .mail_to(ADA_EMAIL, &format!("Your report is now: {label} ({id})"))
        .await;
    assert!(
        mail.body()
            .contains(&format!("The report is now: {label}."))
    );
}

#[tokio::test]
async fn the_team_takes_a_report_through_its_whole_life_and_the_researcher_follows_each_step() {
    let app = spawn_with_mail().await;
    let mut researcher = file_report(&app, json!({})).await;
    let mut team = security_team(&app).await;
    let queue = team.visitor.get("/staff/security/reports").await;
    queue.assert_status(200);
    assert!(queue.body.contains(&researcher.id), "{}", queue.body);
    team.open(&researcher.id).await.assert_status(200);

    step(
        &app,
        &mut team,
        &mut researcher,
        ("triaging", "Triaging"),
        &[("message", "We are looking at it.")],
    )
    .await;
    step(
        &app,
        &mut team,
        &mut researcher,
        ("needs_info", "Needs more information"),
        &[("message", "Which browser did you use?")],
    )
    .await;
    assert!(researcher.page().await.body.contains("id=\"waiting\""));
    // The researcher's answer sends the report back to triage.
    researcher
        .reply("Firefox 128 on Linux.")
        .await
        .assert_redirect(&researcher.tracking);
    let page = researcher.page().await;
    assert_eq!(page.text_of("report-state").as_deref(), Some("Triaging"));
    assert!(!page.body.contains("id=\"waiting\""));
    let console = team.open(&researcher.id).await;
    assert!(console.body.contains("Firefox 128 on Linux."));

    step(
        &app,
        &mut team,
        &mut researcher,
        ("accepted", "Accepted"),
        &[("severity", "high"), ("message", "Confirmed.")],
    )
    .await;
    let page = researcher.page().await;
    assert_eq!(page.text_of("report-severity").as_deref(), Some("High"));
    assert!(page.body.contains("id=\"fix-clock\""));
    step(
        &app,
        &mut team,
        &mut researcher,
        ("fix_planned", "Fix planned"),
        &[("fix_target", "Rampart 2.3.1")],
    )
    .await;
    assert!(researcher.page().await.body.contains("Rampart 2.3.1"));
    step(&app, &mut team, &mut researcher, ("fixed", "Fixed"), &[]).await;
    step(
        &app,
        &mut team,
        &mut researcher,
        ("resolved", "Resolved"),
        &[],
    )
    .await;
    let page = researcher.page().await;
    assert_eq!(page.text_of("report-severity").as_deref(), Some("High"));
    assert!(
        !page.body.contains("id=\"reply-form\""),
        "a resolved report's thread is closed"
    );
}

#[tokio::test]
async fn internal_notes_are_never_shown_or_mailed_to_the_researcher() {
    let app = spawn_with_mail().await;
    let mut researcher = file_report(&app, json!({})).await;
    let mut team = security_team(&app).await;
    let id = researcher.id.clone();
    team.write(&id, "Internal: probably the search index again.", true)
        .await;
    team.write(&id, "Thank you, we reproduced it.", false).await;

    let console = team.open(&id).await;
    assert!(
        console
            .body
            .contains("Internal: probably the search index again.")
    );
    assert!(console.body.contains("internal note"));
    let page = researcher.page().await;
    assert!(page.body.contains("Thank you, we reproduced it."));
    assert!(!page.body.contains("search index"), "{}", page.body);
    let mail = app
        .mail_to(ADA_EMAIL, &format!("The security team wrote to you ({id})"))
        .await;
    assert!(mail.body().contains("Thank you, we reproduced it."));
    for mail in app.mail.messages() {
        assert!(!mail.body().contains("search index"), "{}", mail.body());
    }
}

#[tokio::test]
async fn a_forbidden_transition_is_refused_with_409_and_changes_nothing() {
    let app = spawn_with_mail().await;
    let mut researcher = file_report(&app, json!({})).await;
    let mut team = security_team(&app).await;
    let id = researcher.id.clone();
    team.moves(&id, "triaging", &[]).await;
    let messages_before = thread(&researcher.page().await).len();
    let entries_before = audit_entries_of(&app.app, &id)
        .await
        .iter()
        .filter(|e| e.action == "disclosure.report.state")
        .count();
    // No row leads there, or the row is the researcher's or the system's alone.
    for to in [
        "fixed",
        "resolved",
        "disclosed",
        "acknowledged",
        "new",
        "closed_withdrawn",
    ] {
        let refused = team.change_state(&id, to, &[("severity", "high")]).await;
        refused.assert_status(409);
        assert!(refused.body.contains("id=\"form-message\""), "{to}");
    }
    // A state that does not exist is a field to fix.
    team.change_state(&id, "bogus", &[])
        .await
        .assert_status(422);

    let page = researcher.page().await;
    assert_eq!(page.text_of("report-state").as_deref(), Some("Triaging"));
    assert!(page.text_of("report-severity").is_none());
    assert_eq!(thread(&page).len(), messages_before);
    let entries_after = audit_entries_of(&app.app, &id)
        .await
        .iter()
        .filter(|e| e.action == "disclosure.report.state")
        .count();
    assert_eq!(entries_after, entries_before);
}

#[tokio::test]
async fn accepting_a_report_needs_a_severity() {
    let app = spawn_with_mail().await;
    let mut researcher = file_report(&app, json!({})).await;
    let mut team = security_team(&app).await;
    let id = researcher.id.clone();
    team.moves(&id, "triaging", &[]).await;
    let refused = team.change_state(&id, "accepted", &[]).await;
    refused.assert_status(422);
    assert!(refused.body.contains("severity"));
    let page = researcher.page().await;
    assert_eq!(page.text_of("report-state").as_deref(), Some("Triaging"));
}

#[tokio::test]
async fn later_steps_keep_the_severity_set_on_acceptance() {
    // The state form sends its severity field empty unless someone picks one, as a browser
    // does; only acceptance needs one.
    let app = spawn_with_mail().await;
    let mut researcher = file_report(&app, json!({})).await;
    let mut team = security_team(&app).await;
    let id = researcher.id.clone();
    team.moves(&id, "triaging", &[]).await;
    team.moves(&id, "accepted", &[("severity", "low")]).await;
    let planned = team.change_state(&id, "fix_planned", &[]).await;
    planned.assert_redirect(&format!("/staff/security/reports/{id}"));
    let page = researcher.page().await;
    assert_eq!(page.text_of("report-state").as_deref(), Some("Fix planned"));
    assert_eq!(page.text_of("report-severity").as_deref(), Some("Low"));
}

#[tokio::test]
async fn a_duplicate_names_its_original_and_its_reporter_is_told_when_the_original_is_resolved() {
    let app = spawn_with_mail().await;
    let original = file_report(&app, json!({})).await;
    let mut duplicate = file_report(
        &app,
        json!({ "reporter_name": "Grace Hopper", "reporter_email": GRACE_EMAIL }),
    )
    .await;
    let mut team = security_team(&app).await;
    let id = duplicate.id.clone();
    team.moves(&id, "triaging", &[]).await;
    team.change_state(&id, "closed_duplicate", &[])
        .await
        .assert_status(422);
    team.change_state(&id, "closed_duplicate", &[("duplicate_of", &id)])
        .await
        .assert_status(422);
    let unknown = "rpt_0190d8e2-0000-7000-8000-000000000000";
    team.change_state(&id, "closed_duplicate", &[("duplicate_of", unknown)])
        .await
        .assert_status(422);
    team.moves(&id, "closed_duplicate", &[("duplicate_of", &original.id)])
        .await;
    let page = duplicate.page().await;
    assert_eq!(
        page.text_of("report-state").as_deref(),
        Some("Closed: duplicate")
    );
    assert_eq!(
        page.text_of("duplicate-of").as_deref(),
        Some(original.id.as_str())
    );

    team.fix(&original.id).await;
    team.moves(&original.id, "resolved", &[]).await;
    let page = duplicate.page().await;
    assert!(
        thread(&page)
            .iter()
            .any(|m| m.contains("The report yours duplicates is now resolved.")),
        "{}",
        page.body
    );
    app.mail_to(
        GRACE_EMAIL,
        &format!("The original of your report is resolved ({id})"),
    )
    .await;
}

#[tokio::test]
async fn a_severity_change_needs_a_reason_which_the_researcher_is_told() {
    let app = spawn_with_mail().await;
    let mut researcher = file_report(&app, json!({})).await;
    let mut team = security_team(&app).await;
    let id = researcher.id.clone();
    team.moves(&id, "triaging", &[]).await;
    team.moves(&id, "accepted", &[("severity", "high")]).await;
    team.post(&id, "severity", &[("severity", "critical"), ("reason", "")])
        .await
        .assert_status(422);
    team.post(
        &id,
        "severity",
        &[
            ("severity", "critical"),
            ("reason", "It works without an account."),
        ],
    )
    .await
    .assert_redirect(&format!("/staff/security/reports/{id}"));
    let page = researcher.page().await;
    assert_eq!(page.text_of("report-severity").as_deref(), Some("Critical"));
    assert!(page.body.contains("It works without an account."));
    let mail = app
        .mail_to(
            ADA_EMAIL,
            &format!("The severity of your report changed ({id})"),
        )
        .await;
    assert!(mail.body().contains("It works without an account."));
}

#[tokio::test]
async fn the_agreed_disclosure_date_is_shown_and_moves_only_with_a_reason() {
    let app = spawn_with_mail().await;
    let mut researcher = file_report(&app, json!({})).await;
    let mut team = security_team(&app).await;
    let id = researcher.id.clone();
    let first = date_in_days(30);
    team.post(&id, "embargo", &[("disclose_on", &first), ("reason", "")])
        .await
        .assert_redirect(&format!("/staff/security/reports/{id}"));
    let page = researcher.page().await;
    assert_eq!(
        page.text_of("disclose-on"),
        Some(format!("{first}T00:00:00Z"))
    );
    app.mail_to(
        ADA_EMAIL,
        &format!("The disclosure date of your report ({id})"),
    )
    .await;
    let later = date_in_days(45);
    team.post(&id, "embargo", &[("disclose_on", &later), ("reason", "")])
        .await
        .assert_status(422);
    team.post(
        &id,
        "embargo",
        &[("disclose_on", "next week"), ("reason", "x")],
    )
    .await
    .assert_status(422);
    team.post(
        &id,
        "embargo",
        &[("disclose_on", &later), ("reason", "The fix ships later.")],
    )
    .await
    .assert_redirect(&format!("/staff/security/reports/{id}"));
    let page = researcher.page().await;
    assert_eq!(
        page.text_of("disclose-on"),
        Some(format!("{later}T00:00:00Z"))
    );
    assert!(page.body.contains("The fix ships later."));
}

#[tokio::test]
async fn staff_without_the_security_role_are_refused_the_console() {
    let app = spawn_with_mail().await;
    let mut researcher = file_report(&app, json!({})).await;
    let id = researcher.id.clone();
    let mut support = staff_member(&app, "sue@rampart.example", "support").await;
    for path in [
        "/staff/security/reports".to_owned(),
        format!("/staff/security/reports/{id}"),
        "/staff/security/policy".to_owned(),
    ] {
        support.get(&path).await.assert_status(403);
    }
    support.get("/staff/").await.assert_status(200);
    support
        .post(
            &format!("/staff/security/reports/{id}/state"),
            &[("to", "triaging")],
        )
        .await
        .assert_status(403);
    support
        .post(
            &format!("/staff/security/reports/{id}/messages"),
            &[("body", "hello")],
        )
        .await
        .assert_status(403);
    support
        .post("/staff/security/policy", &[("markdown", "# Mine now")])
        .await
        .assert_status(403);
    let page = researcher.page().await;
    assert_eq!(
        page.text_of("report-state").as_deref(),
        Some("Acknowledged")
    );
    assert_eq!(thread(&page).len(), 1);
    let policy = app.visitor().get("/security/policy").await;
    assert!(!policy.body.contains("Mine now"));
}

#[tokio::test]
async fn the_console_is_not_served_on_the_public_listener() {
    let app = spawn_with_mail().await;
    let researcher = file_report(&app, json!({})).await;
    let mut public = app.visitor();
    for path in [
        "/staff/security/reports".to_owned(),
        format!("/staff/security/reports/{}", researcher.id),
        "/staff/security/policy".to_owned(),
    ] {
        public.get(&path).await.assert_status(404);
    }
    // Nor is the public side on the staff listener.
    let mut staff = app.staff_visitor();
    staff.get(&researcher.tracking).await.assert_status(404);
}

#[tokio::test]
async fn script_in_every_field_of_a_report_and_its_messages_is_shown_as_text() {
    let app = spawn_with_mail().await;
    let script = "<script>alert(1)</script>";
    let image = "<img src=x onerror=alert(1)>";
    let mut researcher = file_report(
        &app,
        json!({
            "title": format!("Title {script}"),
            "affected": format!("Affected {image}"),
            "impact": format!("Impact {script}"),
            "steps": format!("Steps {image}"),
            "proof_of_concept": format!("PoC {script}"),
            "reporter_name": format!("Name {image}"),
        }),
    )
    .await;
    researcher
        .reply(&format!("Reply {script}"))
        .await
        .assert_redirect(&researcher.tracking);
    let mut team = security_team(&app).await;
    let id = researcher.id.clone();
    team.write(&id, &format!("Team {image}"), false).await;
    team.write(&id, &format!("Note {script}"), true).await;

    let queue = team.visitor.get("/staff/security/reports").await;
    let console = team.open(&id).await;
    let tracking = researcher.page().await;
    for (name, page) in [
        ("queue", &queue),
        ("console", &console),
        ("tracking", &tracking),
    ] {
        assert!(!page.body.contains("<script>"), "{name}:\n{}", page.body);
        assert!(!page.body.contains("<img src=x"), "{name}:\n{}", page.body);
        assert!(
            shows_as_text(&page.body, &format!("Title {script}")),
            "{name}"
        );
    }
    for field in ["Affected", "Steps", "Name", "Team"] {
        let shown = format!("{field} {image}");
        assert!(
            shows_as_text(&console.body, &shown),
            "{shown} not in the console"
        );
    }
    for field in ["Impact", "PoC", "Reply", "Note"] {
        let shown = format!("{field} {script}");
        assert!(
            shows_as_text(&console.body, &shown),
            "{shown} not in the console"
        );
    }
    assert!(shows_as_text(&tracking.body, &format!("Reply {script}")));
    assert!(shows_as_text(&tracking.body, &format!("Team {image}")));
    assert!(
        !shows_as_text(&tracking.body, &format!("Note {script}")),
        "the internal note"
    );
}

#[tokio::test]
async fn a_new_report_is_mailed_to_the_team_when_an_address_is_configured() {
    let app = spawn_with_mail_and(|config| {
        config.disclosure.team_email = Some("security@rampart.example".into());
    })
    .await;
    let researcher = file_report(&app, json!({})).await;
    let mail = app
        .mail_to(
            "security@rampart.example",
            &format!("New vulnerability report {}", researcher.id),
        )
        .await;
    let body = mail.body();
    assert!(
        body.contains(&format!("/staff/security/reports/{}", researcher.id)),
        "{body}"
    );
    // The finding itself stays in the console.
    assert!(!body.contains("every tenant's contacts"), "{body}");
    assert!(!body.contains(&researcher.tracking), "{body}");
}
