//! Advisories: a resolved report publishes itself when its agreed disclosure date comes and
//! the jobs run (`Disclosure::tick`, every minute on the lease holder), and not before.

use serde_json::json;

use super::support::{
    ADA, ADA_EMAIL, Researcher, date_in_days, file_report, run_jobs, security_team,
};
use crate::identity::support::{IdentityApp, spawn_with_mail};

/// Ada's report, fixed and resolved, with its disclosure date `days` from today.
async fn resolved_report(app: &IdentityApp, days: i64) -> Researcher {
    let researcher = file_report(
        app,
        json!({ "cvss_v3": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" }),
    )
    .await;
    let mut team = security_team(app).await;
    let id = researcher.id.clone();
    team.fix(&id).await;
    team.post(
        &id,
        "embargo",
        &[("disclose_on", &date_in_days(days)), ("reason", "")],
    )
    .await
    .assert_redirect(&format!("/staff/security/reports/{id}"));
    team.moves(&id, "resolved", &[]).await;
    researcher
}

#[tokio::test]
async fn a_resolved_report_is_published_as_an_advisory_when_its_date_comes() {
    let app = spawn_with_mail().await;
    let mut researcher = resolved_report(&app, 0).await;
    let path = format!("/security/advisories/{}", researcher.id);
    let mut public = app.visitor();
    public.get(&path).await.assert_status(404);

    assert_eq!(run_jobs(&app.app).await, (0, 1));
    let advisory = public.get(&path).await;
    advisory.assert_status(200);
    assert_eq!(
        advisory.text_of("advisory-title").as_deref(),
        Some("SQL injection in the contact search")
    );
    assert!(advisory.body.contains("High"));
    assert!(advisory.body.contains("9.8"), "the CVSS 3.1 score");
    assert!(advisory.body.contains("Rampart 2.3.1"), "the fix");
    assert!(advisory.body.contains(ADA), "the credit");
    assert!(!advisory.body.contains(ADA_EMAIL));
    let list = public.get("/security/advisories").await;
    assert!(list.body.contains(&path), "{}", list.body);

    let page = researcher.page().await;
    assert_eq!(page.text_of("report-state").as_deref(), Some("Disclosed"));
    app.mail_to(
        ADA_EMAIL,
        &format!("Your report is now: Disclosed ({})", researcher.id),
    )
    .await;
    // Publishing happens once.
    assert_eq!(run_jobs(&app.app).await, (0, 0));
}

#[tokio::test]
async fn an_advisory_waits_for_its_agreed_date() {
    let app = spawn_with_mail().await;
    let researcher = resolved_report(&app, 30).await;
    assert_eq!(run_jobs(&app.app).await, (0, 0));
    let path = format!("/security/advisories/{}", researcher.id);
    app.visitor().get(&path).await.assert_status(404);
    let list = app.visitor().get("/security/advisories").await;
    assert!(!list.body.contains(&path));
}

#[tokio::test]
async fn an_open_report_is_never_an_advisory() {
    let app = spawn_with_mail().await;
    let researcher = file_report(&app, json!({})).await;
    let mut public = app.visitor();
    public
        .get(&format!("/security/advisories/{}", researcher.id))
        .await
        .assert_status(404);
    public
        .get("/security/advisories/not-an-id")
        .await
        .assert_status(404);
}
