//! The audit entries identity writes: read straight from `audit_entries` after a visit, in
//! order, naming people and things by id alone and never holding a secret or an address.

use identity::model::totp::TotpSecret;

use super::support::{IdentityApp, PASSWORD, now_secs, recovery_codes, spawn_with_mail};

const ADA: &str = "ada@example.com";
const NOBODY: &str = "nobody@example.com";
const CHARLES: &str = "charles@example.com";
const SAM: &str = "sam@rampart.example";
const WRONG: &str = "not the right passphrase at all 7";

/// One row of `audit_entries`.
#[derive(Debug)]
struct Entry {
    action: String,
    actor_kind: String,
    actor_id: String,
    tenant_id: Option<String>,
    resource_kind: String,
    resource_ids: Vec<String>,
    outcome: String,
    /// Every text column of the row, to search for what must never be there.
    text: Vec<String>,
}

type Row = (
    String,
    String,
    Option<String>,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
);

async fn database(app: &IdentityApp) -> platform::db::Db {
    platform::db::Db::connect_url(
        &platform::config::Secret::new(app.app.database_url.clone()),
        1,
        std::time::Duration::from_secs(5),
    )
    .await
    .unwrap()
}

async fn entries(app: &IdentityApp) -> Vec<Entry> {
    let db = database(app).await;
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT actor_kind, actor_id, tenant_id, action, resource_kind, resource_ids, \
         ticket_id, grant_id, outcome, request_id, client_ip FROM audit_entries ORDER BY idx",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    db.close().await;
    rows.into_iter()
        .map(|row| {
            let text = [
                Some(row.0.clone()),
                Some(row.1.clone()),
                row.2.clone(),
                Some(row.3.clone()),
                Some(row.4.clone()),
                Some(row.5.clone()),
                row.6,
                row.7,
                Some(row.8.clone()),
                row.9,
                row.10,
            ];
            Entry {
                actor_kind: row.0,
                actor_id: row.1,
                tenant_id: row.2,
                action: row.3,
                resource_kind: row.4,
                resource_ids: serde_json::from_str(&row.5).unwrap(),
                outcome: row.8,
                text: text.into_iter().flatten().collect(),
            }
        })
        .collect()
}

/// `(id, tenant_id)` of the user with `email`.
async fn user_ids(app: &IdentityApp, email: &str) -> (String, String) {
    let db = database(app).await;
    let ids = sqlx::query_as("SELECT id, tenant_id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(db.pool())
        .await
        .unwrap();
    db.close().await;
    ids
}

#[track_caller]
fn assert_no_secret(entries: &[Entry], secrets: &[&str]) {
    for entry in entries {
        for value in &entry.text {
            for secret in secrets {
                assert!(
                    !value.to_lowercase().contains(&secret.to_lowercase()),
                    "{secret:?} is in the entry {entry:?}"
                );
            }
        }
    }
}

/// The part of a mailed link after `prefix`: the secret it carries.
fn secret_of(link: &str, prefix: &str) -> String {
    link.trim_start_matches(prefix).to_owned()
}

#[tokio::test]
async fn a_customer_s_visit_is_recorded_in_order_by_ids_alone() {
    let app = spawn_with_mail().await;
    let mut ada = app.visitor();
    ada.get("/signup").await.assert_status(200);
    let signup = [
        ("name", "Ada Lovelace"),
        ("organisation", "Analytical Engines"),
        ("email", ADA),
        ("password", PASSWORD),
    ];
    ada.post("/signup", &signup).await.assert_status(200);
    let verify = app
        .link_in_mail(ADA, "Confirm your email", "/verify-email/")
        .await;
    ada.get(&verify).await.assert_status(200);
    app.visitor().log_in(ADA, WRONG).await.assert_status(401);
    app.visitor()
        .log_in(NOBODY, PASSWORD)
        .await
        .assert_status(401);
    ada.log_in(ADA, PASSWORD)
        .await
        .assert_redirect("/account/security");

    let enrol = ada.get("/account/2fa/enrol").await;
    enrol.assert_status(200);
    let totp = TotpSecret::from_base32(&enrol.text_of("totp-secret").unwrap()).unwrap();
    let code = totp.code_at(now_secs());
    let enrolled = ada.post("/account/2fa/enrol", &[("code", &code)]).await;
    enrolled.assert_status(200);
    let recovery = recovery_codes(&enrolled.body);

    ada.get("/account/security").await;
    let fields = [
        ("name", "ci"),
        ("expires_in_days", "30"),
        ("scopes", "contacts:read"),
    ];
    let created = ada.post("/account/tokens", &fields).await;
    created.assert_status(200);
    let token = created.text_of("new-token").unwrap();
    let page = ada.get("/account/security").await;
    let revoke = page
        .body
        .split("action=\"/account/tokens/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let token_id = revoke.split('/').next().unwrap().to_owned();
    ada.post(&format!("/account/tokens/{revoke}"), &[])
        .await
        .assert_redirect("/account/security?token-revoked");

    ada.get("/account/members").await;
    ada.post(
        "/account/members/invite",
        &[("email", CHARLES), ("role", "member")],
    )
    .await
    .assert_redirect("/account/members?invited");
    ada.get("/account/security").await;
    ada.post("/logout", &[])
        .await
        .assert_redirect("/login?logged-out");

    let invitation = app
        .link_in_mail(CHARLES, "invited you", "/invitations/")
        .await;
    let mut charles = app.visitor();
    charles.get(&invitation).await.assert_status(200);
    charles
        .post(
            &invitation,
            &[("name", "Charles Babbage"), ("password", PASSWORD)],
        )
        .await
        .assert_status(200);

    let (ada_id, tenant) = user_ids(&app, ADA).await;
    let (charles_id, _) = user_ids(&app, CHARLES).await;
    let entries = entries(&app).await;
    let t = Some(tenant.as_str());
    let expected = [
        ("identity.signup", "user", t, "allowed"),
        ("identity.email.verify", "user", t, "allowed"),
        ("identity.login", "anonymous", t, "failed"),
        ("identity.login", "anonymous", None, "failed"),
        ("identity.login", "user", t, "allowed"),
        ("identity.2fa.enrol", "user", t, "allowed"),
        ("identity.token.create", "user", t, "allowed"),
        ("identity.token.revoke", "user", t, "allowed"),
        ("identity.member.invite", "user", t, "allowed"),
        ("identity.logout", "user", t, "allowed"),
        ("identity.member.join", "user", t, "allowed"),
    ];
    let seen: Vec<_> = entries
        .iter()
        .map(|e| {
            (
                e.action.as_str(),
                e.actor_kind.as_str(),
                e.tenant_id.as_deref(),
                e.outcome.as_str(),
            )
        })
        .collect();
    assert_eq!(seen, expected);

    let resource = |i: usize| (entries[i].resource_kind.as_str(), &entries[i].resource_ids);
    assert_eq!(resource(0), ("tenant", &vec![tenant.clone()]));
    assert_eq!(resource(1), ("user", &vec![ada_id.clone()]));
    // A wrong password names the account; an unknown address names nothing.
    assert_eq!(resource(2), ("user", &vec![ada_id.clone()]));
    assert_eq!(resource(3), ("user", &vec![]));
    assert!(entries[2].actor_id.is_empty() && entries[3].actor_id.is_empty());
    let login_session = &entries[4].resource_ids;
    assert_eq!(entries[4].resource_kind, "session");
    assert!(login_session.len() == 1 && login_session[0].starts_with("ses_"));
    assert_eq!(resource(6), ("token", &vec![token_id.clone()]));
    assert_eq!(resource(7), ("token", &vec![token_id]));
    let invitation_ids = &entries[8].resource_ids;
    assert_eq!(entries[8].resource_kind, "invitation");
    assert!(invitation_ids[0].starts_with("inv_"));
    // The session ended is the one enrolment started: the id changes with the privilege.
    assert_eq!(entries[9].resource_kind, "session");
    assert_ne!(&entries[9].resource_ids, login_session);
    assert_eq!(resource(10), ("invitation", invitation_ids));
    for entry in &entries[..10] {
        if entry.actor_kind == "user" {
            assert_eq!(entry.actor_id, ada_id, "{entry:?}");
        }
    }
    assert_eq!(entries[10].actor_id, charles_id);

    let mut secrets: Vec<&str> = vec![
        PASSWORD,
        WRONG,
        ADA,
        NOBODY,
        CHARLES,
        "Ada Lovelace",
        "Charles Babbage",
        "Analytical Engines",
        &token,
        &code,
    ];
    secrets.extend(recovery.iter().map(String::as_str));
    let verify_secret = secret_of(&verify, "/verify-email/");
    let invitation_secret = secret_of(&invitation, "/invitations/");
    secrets.extend([verify_secret.as_str(), invitation_secret.as_str()]);
    assert_no_secret(&entries, &secrets);
}

#[tokio::test]
async fn staff_appear_in_the_log_only_under_a_pseudonym() {
    let app = spawn_with_mail().await;
    let setup = app.create_staff(SAM, "security").await;
    let mut sam = app.staff_visitor();
    sam.get(&setup).await.assert_status(200);
    sam.post(&setup, &[("password", PASSWORD)])
        .await
        .assert_redirect("/staff/2fa");
    let enrol = sam.get("/staff/2fa").await;
    let totp = TotpSecret::from_base32(&enrol.text_of("totp-secret").unwrap()).unwrap();
    let enrolled_at = now_secs();
    let first = totp.code_at(enrolled_at);
    sam.post("/staff/2fa", &[("code", &first)])
        .await
        .assert_redirect("/staff/");

    for (email, password) in [(SAM, WRONG), ("nobody@rampart.example", PASSWORD)] {
        let mut guess = app.staff_visitor();
        guess.get("/staff/login").await;
        let fields = [("email", email), ("password", password)];
        guess.post("/staff/login", &fields).await.assert_status(401);
    }
    let mut later = app.staff_visitor();
    later.get("/staff/login").await;
    later
        .post("/staff/login", &[("email", SAM), ("password", PASSWORD)])
        .await
        .assert_redirect("/staff/login/2fa");
    later.get("/staff/login/2fa").await;
    let second = totp.code_at(enrolled_at + 30);
    later
        .post("/staff/login/2fa", &[("code", &second)])
        .await
        .assert_redirect("/staff/");
    later.get("/staff/").await;
    later.post("/staff/logout", &[]).await;

    let entries = entries(&app).await;
    let seen: Vec<_> = entries
        .iter()
        .map(|e| (e.action.as_str(), e.actor_kind.as_str(), e.outcome.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("identity.staff.create", "system", "allowed"),
            ("identity.staff.setup", "staff", "allowed"),
            ("identity.staff.2fa.enrol", "staff", "allowed"),
            ("identity.staff.login", "anonymous", "failed"),
            ("identity.staff.login", "anonymous", "failed"),
            ("identity.staff.login", "staff", "allowed"),
            ("identity.staff.login.second_factor", "staff", "allowed"),
            ("identity.logout", "staff", "allowed"),
        ]
    );
    assert_eq!(entries[0].actor_id, "cli");
    // The command line and the server derive the same pseudonym from the master key.
    let pseudonym = entries[0].resource_ids[0].clone();
    assert!(pseudonym.starts_with("staff_"), "{pseudonym}");
    for entry in &entries {
        assert_eq!(entry.tenant_id, None, "{entry:?}");
        if entry.actor_kind == "staff" {
            assert_eq!(entry.actor_id, pseudonym, "{entry:?}");
        }
    }
    assert_eq!(entries[3].resource_ids, [pseudonym.as_str()]);
    assert!(entries[4].resource_ids.is_empty());

    let db = database(&app).await;
    let (staff_id,): (String,) = sqlx::query_as("SELECT id FROM staff")
        .fetch_one(db.pool())
        .await
        .unwrap();
    db.close().await;
    let setup_secret = secret_of(&setup, "/staff/setup/");
    assert_no_secret(
        &entries,
        &[
            staff_id.as_str(),
            SAM,
            "nobody@rampart.example",
            PASSWORD,
            WRONG,
            first.as_str(),
            second.as_str(),
            setup_secret.as_str(),
        ],
    );
}
