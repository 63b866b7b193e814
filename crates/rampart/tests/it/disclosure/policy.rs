//! The policy page: a complete default, and the security team's Markdown edits published
//! with nothing that can run.

use super::support::{security_team, shows_as_text};
use crate::identity::support::spawn_with_mail;

#[tokio::test]
async fn the_default_policy_names_every_accepted_and_refused_class_and_links_to_the_form() {
    let app = spawn_with_mail().await;
    let page = app.visitor().get("/security/policy").await;
    page.assert_status(200);
    let text = page.body.to_lowercase();
    for class in [
        "cross-site scripting",
        "cross-site request forgery",
        "sql injection",
        "mixed content",
        "man-in-the-middle",
        "authentication",
        "authorisation",
        "server-side code execution",
        // Not considered:
        "x-frame-options",
        "stack traces",
        "content spoofing",
        // Rules, safe harbour:
        "denial of service",
        "social engineering",
        "safe harbour",
    ] {
        assert!(text.contains(class), "the policy does not mention {class}");
    }
    assert!(page.body.contains("href=\"/security/report\""));
}

/// A policy with a heading of its own and three ways of running a script.
const HOSTILE_POLICY: &str = "# Our own policy\n\nWrite to us.\n\n\
    <script>alert(1)</script>\n\n\
    [a link](javascript:alert(1))\n\n\
    <img src=x onerror=alert(1)>\n";

#[tokio::test]
async fn a_policy_edited_by_the_security_team_is_published_with_nothing_executable() {
    let app = spawn_with_mail().await;
    let mut team = security_team(&app).await;
    team.visitor
        .get("/staff/security/policy")
        .await
        .assert_status(200);
    let saved = team
        .visitor
        .post("/staff/security/policy", &[("markdown", HOSTILE_POLICY)])
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);

    let page = app.visitor().get("/security/policy").await;
    page.assert_status(200);
    assert!(page.body.contains("Our own policy"), "{}", page.body);
    assert!(!page.body.contains("Vulnerabilities we accept"));
    let html = page.body.to_lowercase();
    for executable in ["<script", "javascript:", "onerror", "<img src=x"] {
        assert!(
            !html.contains(executable),
            "{executable} in:\n{}",
            page.body
        );
    }
    // The console shows the Markdown as text.
    let console = team.visitor.get("/staff/security/policy").await;
    assert!(!console.body.contains("<script>alert(1)"));
    assert!(shows_as_text(&console.body, "<script>alert(1)</script>"));
}

#[tokio::test]
async fn saving_the_policy_leads_the_editor_to_a_page_that_is_served() {
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
    let location = saved.location().unwrap().to_owned();
    // A path is followed on the listener that answered, as a browser does.
    let status = if location.starts_with('/') {
        team.visitor.get(&location).await.status
    } else {
        app.app.get(&location).await.status().as_u16()
    };
    assert_eq!(status, 200, "the redirect after saving goes to {location}");
}

#[tokio::test]
async fn an_empty_policy_is_refused_and_the_published_one_stays() {
    let app = spawn_with_mail().await;
    let mut team = security_team(&app).await;
    team.visitor.get("/staff/security/policy").await;
    team.visitor
        .post("/staff/security/policy", &[("markdown", "  \n ")])
        .await
        .assert_status(422);
    let page = app.visitor().get("/security/policy").await;
    assert!(page.body.contains("Vulnerabilities we accept"));
}
