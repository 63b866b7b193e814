//! The Hall of Fame: a fixed report credits its researcher by full name and Gravatar, and
//! shows their organisation, email or profile link only while they consent to each.

use serde_json::json;
use sha2::{Digest, Sha256};

use super::support::{ADA, ADA_EMAIL, Researcher, file_report, security_team};
use crate::identity::support::{IdentityApp, Page, spawn_with_mail};

const ORGANISATION: &str = "Analytical Engines Ltd";
const PROFILE: &str = "https://ada.example/profile";

/// Gravatar's address for an email: SHA-256 of the trimmed, lower-cased address.
fn gravatar(email: &str) -> String {
    let digest = Sha256::digest(email.trim().to_lowercase().as_bytes());
    format!("https://gravatar.com/avatar/{}", hex::encode(digest))
}

async fn hall_of_fame(app: &IdentityApp) -> Page {
    let page = app.visitor().get("/security/hall-of-fame").await;
    page.assert_status(200);
    page
}

/// Ada's report, fixed by the team.
async fn fixed_report(app: &IdentityApp) -> Researcher {
    let researcher = file_report(app, json!({ "reporter_email": "  Ada@Research.Example " })).await;
    let mut team = security_team(app).await;
    team.fix(&researcher.id).await;
    researcher
}

/// Ada's choices, as the credit form sends them: the texts, and the boxes ticked.
async fn choose(researcher: &mut Researcher, ticked: &[&str]) {
    let mut fields = vec![
        ("name", ADA),
        ("organisation", ORGANISATION),
        ("link", PROFILE),
    ];
    fields.extend(ticked.iter().map(|name| (*name, "true")));
    researcher
        .post("credit", &fields)
        .await
        .assert_redirect(&researcher.tracking);
}

#[tokio::test]
async fn a_report_credits_its_researcher_by_name_and_gravatar_once_it_is_fixed() {
    let app = spawn_with_mail().await;
    let researcher =
        file_report(&app, json!({ "reporter_email": "  Ada@Research.Example " })).await;
    let mut team = security_team(&app).await;
    let id = researcher.id.clone();
    team.moves(&id, "triaging", &[]).await;
    team.moves(&id, "accepted", &[("severity", "high")]).await;
    let before = hall_of_fame(&app).await;
    assert!(before.body.contains("id=\"no-entries\""));
    assert!(!before.body.contains(ADA));

    team.moves(&id, "fix_planned", &[]).await;
    team.moves(&id, "fixed", &[]).await;
    let page = hall_of_fame(&app).await;
    assert!(page.body.contains(ADA), "{}", page.body);
    assert!(
        page.body.contains(&gravatar(ADA_EMAIL)),
        "no Gravatar of {ADA_EMAIL} in:\n{}",
        page.body
    );
    // By default nothing else.
    assert!(!page.body.contains(ADA_EMAIL));
    assert!(!page.body.contains("mailto:"));
}

#[tokio::test]
async fn organisation_email_and_link_show_only_while_each_is_consented_to() {
    let app = spawn_with_mail().await;
    let mut researcher = fixed_report(&app).await;
    choose(&mut researcher, &["credit"]).await;
    let page = hall_of_fame(&app).await;
    assert!(page.body.contains(ADA));
    for hidden in [ORGANISATION, ADA_EMAIL, PROFILE] {
        assert!(
            !page.body.contains(hidden),
            "{hidden} shown without consent"
        );
    }

    choose(
        &mut researcher,
        &["credit", "show_organisation", "show_email", "show_link"],
    )
    .await;
    let page = hall_of_fame(&app).await;
    assert!(page.body.contains(ORGANISATION));
    assert!(page.body.contains(&format!("mailto:{ADA_EMAIL}")));
    assert!(page.body.contains(&format!("href=\"{PROFILE}\"")));
    let tracking = researcher.page().await;
    for ticked in ["credit", "show-organisation", "show-email", "show-link"] {
        assert!(
            tracking.body.contains(&format!("id=\"{ticked}\" checked")),
            "{ticked} is not shown ticked"
        );
    }

    // Consent is withdrawn field by field.
    choose(&mut researcher, &["credit", "show_email"]).await;
    let page = hall_of_fame(&app).await;
    assert!(page.body.contains(ADA));
    assert!(page.body.contains(ADA_EMAIL));
    assert!(!page.body.contains(ORGANISATION));
    assert!(!page.body.contains(PROFILE));
}

#[tokio::test]
async fn declining_credit_removes_the_entry_until_it_is_given_again() {
    let app = spawn_with_mail().await;
    let mut researcher = fixed_report(&app).await;
    assert!(hall_of_fame(&app).await.body.contains(ADA));
    choose(&mut researcher, &["show_email"]).await;
    let page = hall_of_fame(&app).await;
    assert!(!page.body.contains(ADA), "{}", page.body);
    assert!(!page.body.contains(&gravatar(ADA_EMAIL)));
    assert!(!page.body.contains(ADA_EMAIL));
    choose(&mut researcher, &["credit"]).await;
    assert!(hall_of_fame(&app).await.body.contains(ADA));
}

#[tokio::test]
async fn a_profile_link_that_is_not_https_is_refused() {
    let app = spawn_with_mail().await;
    let mut researcher = fixed_report(&app).await;
    for link in [
        "javascript:alert(1)",
        "http://ada.example",
        "https://ada.example/a b",
    ] {
        let refused = researcher
            .post(
                "credit",
                &[
                    ("credit", "true"),
                    ("name", ADA),
                    ("link", link),
                    ("show_link", "true"),
                ],
            )
            .await;
        refused.assert_status(422);
    }
    let page = hall_of_fame(&app).await;
    assert!(!page.body.contains("javascript:"));
    assert!(!page.body.contains("http://ada.example"));
}
