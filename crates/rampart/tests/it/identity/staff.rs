//! The staff realm: created by the CLI, served on the staff listener only, 2FA first.

use super::support::{PASSWORD, now_secs, spawn_with_mail};
use identity::model::totp::TotpSecret;

#[tokio::test]
async fn staff_set_up_their_account_enrol_2fa_first_and_log_in_with_a_code() {
    let app = spawn_with_mail().await;
    let setup = app.create_staff("sam@rampart.example", "security").await;
    let mut staff = app.staff_visitor();
    let page = staff.get(&setup).await;
    page.assert_status(200);
    assert!(page.body.contains("sam@rampart.example"));
    staff
        .post(&setup, &[("password", PASSWORD)])
        .await
        .assert_redirect("/staff/2fa");
    // Nothing else works before 2FA.
    staff.get("/staff/").await.assert_redirect("/staff/2fa");
    let enrol = staff.get("/staff/2fa").await;
    let secret = TotpSecret::from_base32(&enrol.text_of("totp-secret").unwrap()).unwrap();
    // Codes are computed for the enrolment's moment, so a 30-second boundary passing during
    // the test cannot turn the replayed code into a fresh one.
    let enrolled_at = now_secs();
    staff
        .post("/staff/2fa", &[("code", &secret.code_at(enrolled_at))])
        .await
        .assert_redirect("/staff/");
    let home = staff.get("/staff/").await;
    home.assert_status(200);
    assert_eq!(
        home.text_of("staff-signed-in-as").as_deref(),
        Some("sam@rampart.example")
    );
    staff.get(&setup).await.assert_status(410);

    let mut later = app.staff_visitor();
    later.get("/staff/login").await;
    later
        .post(
            "/staff/login",
            &[("email", "sam@rampart.example"), ("password", PASSWORD)],
        )
        .await
        .assert_redirect("/staff/login/2fa");
    later
        .get("/staff/")
        .await
        .assert_redirect("/staff/login/2fa");
    later.get("/staff/login/2fa").await;
    later
        .post(
            "/staff/login/2fa",
            &[("code", &secret.code_at(enrolled_at))],
        )
        .await
        .assert_status(401);
    later
        .post(
            "/staff/login/2fa",
            &[("code", &secret.code_at(enrolled_at + 30))],
        )
        .await
        .assert_redirect("/staff/");
    later.get("/staff/").await.assert_status(200);
}

#[tokio::test]
async fn staff_pages_are_not_served_on_the_public_listener() {
    let app = spawn_with_mail().await;
    let setup = app.create_staff("sam@rampart.example", "support").await;
    let mut public = app.visitor();
    for path in [
        "/staff",
        "/staff/",
        "/staff/login",
        "/staff/2fa",
        setup.as_str(),
    ] {
        public.get(path).await.assert_status(404);
    }
}

#[tokio::test]
async fn a_customer_session_is_not_accepted_on_the_staff_listener() {
    let app = spawn_with_mail().await;
    let customer = app.signed_up("ada@example.com", "Engines").await;
    let value = customer
        .cookie("__Host-rampart-session")
        .unwrap()
        .to_owned();
    let mut staff = app.staff_visitor();
    staff
        .cookies
        .insert("__Host-rampart-session".into(), value.clone());
    staff.get("/staff/").await.assert_redirect("/staff/login");
    // Not even under the staff cookie's name.
    staff.cookies.insert("__Host-rampart-staff".into(), value);
    staff.get("/staff/").await.assert_redirect("/staff/login");
}

#[tokio::test]
async fn the_cli_refuses_a_second_staff_account_for_one_address() {
    let app = spawn_with_mail().await;
    app.create_staff("sam@rampart.example", "manager").await;
    let output = app
        .rampart_command()
        .args([
            "admin",
            "staff",
            "create",
            "--email",
            "sam@rampart.example",
            "--role",
            "manager",
        ])
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("already has this address"));
}
