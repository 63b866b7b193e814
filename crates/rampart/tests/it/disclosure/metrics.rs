//! The program's figures, public (`/security/metrics`) and in the console
//! (`/staff/security/metrics`): the share of first responses and triages within their
//! committed time, and its chart. The server reads the real clock, so a late answer is made
//! by moving the report's submission back in the database. Also the researcher's request to
//! publish the advisory once the issue is fixed, the end of the timeline the figures measure.

use serde_json::json;

use super::support::{
    ADA_EMAIL, age_report, audit_entries_of, file_report, security_team, staff_member, thread,
};
use crate::identity::support::{Page, spawn_with_mail};

const ON_TIME: &str = "Open redirect on the login page";
const LATE: &str = "Path traversal in the export";
const ASKED: &str = "The researcher asks for the advisory to be published.";

/// The figure shown for `label` (`First response`, `Triage`, `Fix, High`, …).
fn figure(page: &Page, label: &str) -> String {
    let marker = format!("<dt>{label}</dt><dd>");
    let start = page
        .body
        .find(&marker)
        .unwrap_or_else(|| panic!("no {label} figure:\n{}", page.body))
        + marker.len();
    page.body[start..start + page.body[start..].find("</dd>").unwrap()].to_owned()
}

/// The chart, when the page has one.
fn chart(page: &Page) -> Option<&str> {
    let start = page.body.find("<svg")?;
    let end = start + page.body[start..].find("</svg>")?;
    let svg = &page.body[start..end];
    svg.contains("id=\"metrics-chart\"").then_some(svg)
}

#[tokio::test]
async fn before_any_clock_ends_the_figures_say_no_figure_yet_and_draw_no_chart() {
    let app = spawn_with_mail().await;
    let mut team = security_team(&app).await;
    let public = app.visitor().get("/security/metrics").await;
    public.assert_status(200);
    let console = team.visitor.get("/staff/security/metrics").await;
    console.assert_status(200);
    for page in [&public, &console] {
        assert_eq!(page.text_of("metric-reports").as_deref(), Some("0"));
        for label in ["First response", "Triage", "Fix, Critical", "Fix, Low"] {
            assert_eq!(figure(page, label), "no figure yet", "{label}");
        }
        assert!(chart(page).is_none(), "{}", page.body);
    }
}

#[tokio::test]
async fn the_figures_show_the_share_answered_and_triaged_within_target_and_chart_it() {
    let app = spawn_with_mail().await;
    let on_time = file_report(&app, json!({ "title": ON_TIME })).await;
    let late = file_report(&app, json!({ "title": LATE })).await;
    let mut team = security_team(&app).await;
    team.moves(&on_time.id, "triaging", &[]).await;
    team.moves(&on_time.id, "accepted", &[("severity", "high")])
        .await;
    // Ten days, two weekends at most: at least six business days late for its first answer,
    // and its triage, still running, overdue.
    age_report(&app.app, &late.id, 10).await;
    team.moves(&late.id, "triaging", &[]).await;

    let public = app.visitor().get("/security/metrics").await;
    public.assert_status(200);
    let console = team.visitor.get("/staff/security/metrics").await;
    console.assert_status(200);
    for page in [&public, &console] {
        assert_eq!(page.text_of("metric-reports").as_deref(), Some("2"));
        let first = figure(page, "First response");
        assert!(first.starts_with("50 % within target"), "{first}");
        // Minutes and ten days: their median is about five days.
        assert!(first.contains("median 120.0 h"), "{first}");
        assert!(figure(page, "Triage").starts_with("100 % within target"));
        // The accepted report's fix clock is still running.
        assert_eq!(figure(page, "Fix, High"), "no figure yet");

        let svg = chart(page).unwrap_or_else(|| panic!("no chart:\n{}", page.body));
        // A frame and a bar for each commitment with a figure: first response and triage.
        assert_eq!(svg.matches("<rect").count(), 4, "{svg}");
        assert!(svg.contains(">First response</text>"), "{svg}");
        assert!(svg.contains(">Triage</text>"), "{svg}");
        assert!(svg.contains("width=\"150\""), "half of 300: {svg}");
        assert!(svg.contains(">50 %</text>") && svg.contains(">100 %</text>"));
    }
    assert_eq!(
        console.text_of("overdue-now").as_deref(),
        Some("1 report(s) overdue now.")
    );
    for secret in [
        ON_TIME,
        LATE,
        on_time.id.as_str(),
        late.id.as_str(),
        "trk_",
        ADA_EMAIL,
    ] {
        assert!(!public.body.contains(secret), "{secret} on the public page");
    }
}

#[tokio::test]
async fn the_console_s_figures_are_for_the_security_role_on_the_staff_listener_only() {
    let app = spawn_with_mail().await;
    let mut support = staff_member(&app, "sue@rampart.example", "support").await;
    support
        .get("/staff/security/metrics")
        .await
        .assert_status(403);
    app.visitor()
        .get("/staff/security/metrics")
        .await
        .assert_status(404);
    let signed_out = app.staff_visitor().get("/staff/security/metrics").await;
    assert_ne!(signed_out.status, 200, "{}", signed_out.body);
    assert!(!signed_out.body.contains("id=\"metrics\""));
}

#[tokio::test]
async fn once_fixed_the_researcher_asks_for_the_advisory_on_the_thread_and_it_is_audited() {
    let app = spawn_with_mail().await;
    let mut researcher = file_report(&app, json!({})).await;
    let mut team = security_team(&app).await;
    let id = researcher.id.clone();
    team.fix(&id).await;
    let page = researcher.page().await;
    assert!(page.body.contains("id=\"ask-disclosure\""), "{}", page.body);
    researcher
        .post("ask-disclosure", &[])
        .await
        .assert_redirect(&researcher.tracking);

    let messages = thread(&researcher.page().await);
    assert_eq!(messages.last().map(String::as_str), Some(ASKED));
    assert!(team.open(&id).await.body.contains(ASKED));
    let asked: Vec<_> = audit_entries_of(&app.app, &id)
        .await
        .into_iter()
        .filter(|e| e.action == "disclosure.report.ask_disclosure")
        .collect();
    assert_eq!(asked.len(), 1, "{asked:#?}");
    assert_eq!(asked[0].actor_kind, "anonymous");
}

#[tokio::test]
async fn asking_for_the_advisory_before_the_fix_is_refused() {
    let app = spawn_with_mail().await;
    let mut researcher = file_report(&app, json!({})).await;
    let mut team = security_team(&app).await;
    let id = researcher.id.clone();
    team.moves(&id, "triaging", &[]).await;
    let page = researcher.page().await;
    assert!(
        !page.body.contains("id=\"ask-disclosure\""),
        "{}",
        page.body
    );
    let before = thread(&page);
    researcher
        .post("ask-disclosure", &[])
        .await
        .assert_status(400);
    assert_eq!(thread(&researcher.page().await), before);
    let entries = audit_entries_of(&app.app, &id).await;
    assert!(
        !entries
            .iter()
            .any(|e| e.action == "disclosure.report.ask_disclosure"),
        "{entries:#?}"
    );
}
