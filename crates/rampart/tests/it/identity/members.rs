//! Tenants: invitations, roles, removing a member, requiring 2FA of everyone.

use super::support::{PASSWORD, Visitor, now_secs, spawn_with_mail};

async fn invite(owner: &mut Visitor, email: &str, role: &str) {
    owner.get("/account/members").await;
    owner
        .post(
            "/account/members/invite",
            &[("email", email), ("role", role)],
        )
        .await
        .assert_redirect("/account/members?invited");
}

#[tokio::test]
async fn an_invitation_works_once_and_adds_the_person_with_their_role() {
    let app = spawn_with_mail().await;
    let mut owner = app.signed_up("ada@example.com", "Engines").await;
    invite(&mut owner, "charles@example.com", "admin").await;
    let link = app
        .link_in_mail(
            "charles@example.com",
            "invited you to Engines",
            "/invitations/",
        )
        .await;
    let mut invitee = app.visitor();
    let page = invitee.get(&link).await;
    page.assert_status(200);
    assert!(page.body.contains("Join Engines") && page.body.contains("admin"));
    let weak = invitee
        .post(&link, &[("name", "Charles"), ("password", "short")])
        .await;
    weak.assert_status(422);
    assert!(weak.body.contains("value=\"Charles\""));
    invitee
        .post(
            &link,
            &[("name", "Charles Babbage"), ("password", PASSWORD)],
        )
        .await
        .assert_status(200);
    invitee.get(&link).await.assert_status(410);
    invitee
        .log_in("charles@example.com", PASSWORD)
        .await
        .assert_redirect("/account/security");
    let members = invitee.get("/account/members").await;
    assert!(members.body.contains("Charles Babbage") && members.body.contains("ada@example.com"));
}

#[tokio::test]
async fn removing_a_member_ends_their_sessions_and_revokes_their_tokens() {
    let app = spawn_with_mail().await;
    let mut owner = app.signed_up("ada@example.com", "Engines").await;
    invite(&mut owner, "mallory@example.com", "member").await;
    let link = app
        .link_in_mail("mallory@example.com", "invited you", "/invitations/")
        .await;
    let mut member = app.visitor();
    member.get(&link).await;
    member
        .post(&link, &[("name", "Mallory"), ("password", PASSWORD)])
        .await
        .assert_status(200);
    member.log_in("mallory@example.com", PASSWORD).await;
    member.get("/account/security").await;
    let token_page = member
        .post(
            "/account/tokens",
            &[
                ("name", "m"),
                ("scopes", "contacts:read"),
                ("expires_in_days", "7"),
            ],
        )
        .await;
    let token = token_page.text_of("new-token").unwrap();
    // A member cannot remove anyone.
    let members = member.get("/account/members").await;
    assert!(!members.body.contains("/remove\""));
    let page = owner.get("/account/members").await;
    let action = page
        .body
        .split("action=\"/account/members/usr_")
        .nth(1)
        .map(|rest| format!("/account/members/usr_{}", rest.split('"').next().unwrap()))
        .unwrap();
    owner
        .post(&action, &[])
        .await
        .assert_redirect("/account/members?removed");
    member
        .get("/account/security")
        .await
        .assert_redirect("/login");
    let response = app
        .app
        .client
        .get(app.app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let mut again = app.visitor();
    again
        .log_in("mallory@example.com", PASSWORD)
        .await
        .assert_status(401);
}

#[tokio::test]
async fn when_the_owner_requires_2fa_members_without_it_must_enrol_at_log_in() {
    let app = spawn_with_mail().await;
    let mut owner = app.signed_up("ada@example.com", "Engines").await;
    invite(&mut owner, "grace@example.com", "member").await;
    let link = app
        .link_in_mail("grace@example.com", "invited you", "/invitations/")
        .await;
    let mut member = app.visitor();
    member.get(&link).await;
    member
        .post(&link, &[("name", "Grace"), ("password", PASSWORD)])
        .await
        .assert_status(200);
    owner.get("/account/members").await;
    let refused = owner
        .post("/account/members/require-2fa", &[("required", "on")])
        .await;
    refused.assert_status(403);
    assert!(
        refused
            .body
            .contains("Turn on two-factor authentication for yourself first")
    );
    owner.enrol_totp().await;
    owner.get("/account/members").await;
    owner
        .post("/account/members/require-2fa", &[("required", "on")])
        .await
        .assert_redirect("/account/members?2fa-required");
    member
        .log_in("grace@example.com", PASSWORD)
        .await
        .assert_redirect("/account/2fa/enrol");
    member
        .get("/account/security")
        .await
        .assert_redirect("/account/2fa/enrol");
    let (secret, _) = member.enrol_totp().await;
    member.get("/account/security").await.assert_status(200);
    // And it cannot be turned off while required.
    let page = member.get("/account/security").await;
    assert!(
        page.body
            .contains("Your organisation requires two-factor authentication")
    );
    let mut later = app.visitor();
    later
        .log_in("grace@example.com", PASSWORD)
        .await
        .assert_redirect("/login/2fa");
    later.get("/login/2fa").await;
    later
        .post("/login/2fa", &[("code", &secret.code_at(now_secs() + 30))])
        .await
        .assert_redirect("/account/security");
}
