//! The audit entries a report leaves, read from `audit_entries`: every change and message
//! by whom, and never the words of a report, a message or a reason.

use serde_json::json;

use super::support::{AuditEntry, audit_entries_of, file_report, security_team};
use crate::identity::support::spawn_with_mail;

/// (action, actor kind, details) of each entry.
fn summary(entries: &[AuditEntry]) -> Vec<(&str, &str, Option<&str>)> {
    entries
        .iter()
        .map(|e| {
            (
                e.action.as_str(),
                e.actor_kind.as_str(),
                e.details.as_deref(),
            )
        })
        .collect()
}

#[tokio::test]
async fn every_change_and_message_on_a_report_is_audited_with_its_actor() {
    let app = spawn_with_mail().await;
    let mut researcher = file_report(&app, json!({})).await;
    let mut team = security_team(&app).await;
    let id = researcher.id.clone();
    team.moves(&id, "triaging", &[]).await;
    team.write(&id, "Which browser?", false).await;
    team.write(&id, "Looks like the search index.", true).await;
    researcher
        .reply("Firefox.")
        .await
        .assert_redirect(&researcher.tracking);
    team.moves(&id, "accepted", &[("severity", "medium")]).await;
    team.post(
        &id,
        "severity",
        &[("severity", "high"), ("reason", "Any tenant is exposed.")],
    )
    .await
    .assert_redirect(&format!("/staff/security/reports/{id}"));
    researcher
        .post(
            "credit",
            &[
                ("credit", "true"),
                ("organisation", "Engines"),
                ("show_organisation", "true"),
            ],
        )
        .await
        .assert_redirect(&researcher.tracking);

    let entries = audit_entries_of(&app.app, &id).await;
    let changes: Vec<_> = summary(&entries)
        .into_iter()
        .filter(|(action, _, _)| *action != "disclosure.report.view")
        .collect();
    assert_eq!(changes.len(), 9, "{entries:#?}");
    assert_eq!(
        changes[..7],
        [
            ("disclosure.report.submit", "anonymous", None),
            ("disclosure.report.acknowledge", "system", None),
            (
                "disclosure.report.state",
                "staff",
                Some("acknowledged -> triaging")
            ),
            (
                "disclosure.report.message",
                "staff",
                Some("to the researcher")
            ),
            ("disclosure.report.message", "staff", Some("internal note")),
            (
                "disclosure.report.message",
                "anonymous",
                Some("from the researcher")
            ),
            (
                "disclosure.report.state",
                "staff",
                Some("triaging -> accepted")
            ),
        ],
        "{entries:#?}"
    );
    assert_eq!(
        (changes[7].0, changes[7].1),
        ("disclosure.report.severity", "staff")
    );
    assert_eq!(
        (changes[8].0, changes[8].1),
        ("disclosure.credit.change", "anonymous")
    );
    let credit = changes[8].2.unwrap_or_default();
    assert!(
        credit.contains("organisation") && credit.contains("show_organisation"),
        "{credit}"
    );
    // The team's and the researcher's reads are audited too.
    assert!(
        entries
            .iter()
            .any(|e| e.action == "disclosure.report.view" && e.actor_kind == "staff")
    );
    assert!(
        entries
            .iter()
            .any(|e| e.action == "disclosure.report.view" && e.actor_kind == "anonymous")
    );
}

#[tokio::test]
async fn audit_entries_never_hold_the_words_of_a_report_a_message_or_a_reason() {
    let app = spawn_with_mail().await;
    let mut researcher = file_report(&app, json!({})).await;
    let mut team = security_team(&app).await;
    let id = researcher.id.clone();
    team.moves(&id, "triaging", &[("message", "Reproduced on staging.")])
        .await;
    team.write(&id, "Looks like the search index.", true).await;
    researcher.reply("Firefox on Linux.").await;
    team.moves(&id, "accepted", &[("severity", "medium")]).await;
    team.post(
        &id,
        "severity",
        &[("severity", "high"), ("reason", "Any tenant is exposed.")],
    )
    .await
    .assert_redirect(&format!("/staff/security/reports/{id}"));
    let entries = audit_entries_of(&app.app, &id).await;
    assert!(!entries.is_empty());
    for words in [
        "SQL injection in the contact search",
        "every tenant",
        "Reproduced on staging",
        "search index",
        "Firefox",
        "Any tenant is exposed",
        "Ada",
        "ada@research.example",
    ] {
        for entry in &entries {
            assert!(!entry.text.contains(words), "{words:?} is in {entry:?}");
        }
    }
}

#[tokio::test]
async fn a_policy_edit_is_audited_with_its_editor() {
    let app = spawn_with_mail().await;
    let mut team = security_team(&app).await;
    team.visitor.get("/staff/security/policy").await;
    let saved = team
        .visitor
        .post(
            "/staff/security/policy",
            &[("markdown", "# Policy\n\nWrite to us.")],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let entries = audit_entries_of(&app.app, "policy").await;
    assert_eq!(
        summary(&entries),
        [("disclosure.policy.edit", "staff", None)],
        "{entries:#?}"
    );
    assert!(!entries[0].text.contains("Write to us"));
}
