//! `POST /api/v1/reports` anonymously or with a `reports:write` token, and
//! `GET /api/v1/reports/{id}` for the token that sent it.

use platform::clock::Timestamp;
use serde_json::{Value, json};

use super::support::{is_tracking_path, path_of, post_report, report_json, stored_reports};
use crate::audit::support::{api_get, customer};
use crate::identity::support::{now_secs, spawn_with_mail};

fn time(value: &Value) -> Timestamp {
    Timestamp::parse_rfc3339(value.as_str().unwrap()).unwrap_or_else(|| panic!("{value}"))
}

#[tokio::test]
async fn an_anonymous_api_report_is_acknowledged_with_its_dates_and_a_tracking_link() {
    let app = spawn_with_mail().await;
    let (status, headers, report) =
        post_report(&app.app, None, None, &report_json(json!({}))).await;
    assert_eq!(status, 201, "{report}");
    let id = report["id"].as_str().unwrap();
    assert!(id.starts_with("rpt_"), "{id}");
    assert_eq!(report["state"], "acknowledged");
    assert_eq!(report["class"], "sql_injection");
    assert_eq!(headers["location"], format!("/api/v1/reports/{id}"));
    assert_eq!(headers["cache-control"], "no-store");
    assert!(headers.get("set-cookie").is_none());
    let now = Timestamp::from_millis(now_secs() as i64 * 1000);
    let first_response = time(&report["first_response_due"]);
    let triage = time(&report["triage_due"]);
    assert!(first_response > now, "{report}");
    assert!(triage > first_response, "{report}");
    let link = report["tracking_url"].as_str().unwrap();
    assert!(link.starts_with(&app.origin()), "{link}");
    let tracking = path_of(link);
    assert!(is_tracking_path(&tracking), "{tracking}");
    let page = app.visitor().get(&tracking).await;
    page.assert_status(200);
    assert_eq!(
        page.text_of("report-state").as_deref(),
        Some("Acknowledged")
    );
}

#[tokio::test]
async fn a_token_reads_back_its_own_report_and_another_tenants_token_cannot() {
    let app = spawn_with_mail().await;
    let ada = customer(&app, "ada@example.com", &["reports:write"]).await;
    let (status, _, report) =
        post_report(&app.app, Some(&ada.token), None, &report_json(json!({}))).await;
    assert_eq!(status, 201, "{report}");
    assert_eq!(report["state"], "acknowledged");
    assert!(is_tracking_path(&path_of(
        report["tracking_url"].as_str().unwrap()
    )));
    let path = format!("/api/v1/reports/{}", report["id"].as_str().unwrap());

    let (status, read) = api_get(&app.app, &path, &ada.token).await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(read["id"], report["id"]);
    assert_eq!(read["state"], "acknowledged");
    assert!(
        read.get("tracking_url").is_none(),
        "the link is shown once: {read}"
    );

    let grace = customer(&app, "grace@example.com", &["reports:write"]).await;
    let (status, refused) = api_get(&app.app, &path, &grace.token).await;
    assert_eq!(status, 404, "{refused}");
    assert_eq!(refused["status"], 404);
    assert!(!refused.to_string().contains("SQL injection"));
}

#[tokio::test]
async fn a_token_without_reports_write_is_refused_and_nothing_is_stored() {
    let app = spawn_with_mail().await;
    let reader = customer(&app, "ada@example.com", &["contacts:read"]).await;
    let (status, headers, problem) =
        post_report(&app.app, Some(&reader.token), None, &report_json(json!({}))).await;
    assert_eq!(status, 403, "{problem}");
    assert_eq!(headers["content-type"], "application/problem+json");
    let (status, _, _) = post_report(
        &app.app,
        Some("rmp_not_a_token"),
        None,
        &report_json(json!({})),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(stored_reports(&app.app).await, 0);

    // Nor may it read or add to a report sent with the scope, even one of its own account.
    let sender = customer(&app, "grace@example.com", &["reports:write"]).await;
    let (status, _, report) =
        post_report(&app.app, Some(&sender.token), None, &report_json(json!({}))).await;
    assert_eq!(status, 201, "{report}");
    let path = format!("/api/v1/reports/{}", report["id"].as_str().unwrap());
    let (status, problem) = api_get(&app.app, &path, &reader.token).await;
    assert_eq!(status, 403, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("reports:write"),
        "{problem}"
    );
    let attach = app
        .app
        .client
        .post(app.app.url(&format!("{path}/attachments?filename=a.txt")))
        .bearer_auth(&reader.token)
        .header("content-type", "application/octet-stream")
        .body("a")
        .send()
        .await
        .unwrap();
    assert_eq!(attach.status().as_u16(), 403);
}

#[tokio::test]
async fn each_invalid_field_is_named_in_a_validation_problem() {
    let app = spawn_with_mail().await;
    let check = |overrides: Value, field: &'static str| {
        let app = &app;
        async move {
            let (status, headers, problem) =
                post_report(&app.app, None, None, &report_json(overrides.clone())).await;
            assert_eq!(status, 422, "{overrides}: {problem}");
            assert_eq!(headers["content-type"], "application/problem+json");
            assert!(
                problem["errors"][field].is_string(),
                "{overrides}: no error for {field} in {problem}"
            );
        }
    };
    check(json!({ "cvss_v3": "CVSS:3.1/AV:N/AC:L" }), "cvss_v3").await;
    check(
        json!({ "cvss_v3": "CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" }),
        "cvss_v3",
    )
    .await;
    check(json!({ "cvss_v4": "not a vector" }), "cvss_v4").await;
    check(json!({ "class": "sqli" }), "class").await;
    check(json!({ "title": "" }), "title").await;
    check(json!({ "title": "two\nlines" }), "title").await;
    check(json!({ "affected": "" }), "affected").await;
    check(json!({ "impact": "" }), "impact").await;
    check(json!({ "steps": "" }), "steps").await;
    check(
        json!({ "reporter_email": "not an address" }),
        "reporter_email",
    )
    .await;
    check(json!({ "accepted_rules": false }), "accepted_rules").await;
    // A field of the wrong type is a bad request, not a server error.
    let (status, _, problem) = post_report(
        &app.app,
        None,
        None,
        &report_json(json!({ "accepted_rules": "yes" })),
    )
    .await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(stored_reports(&app.app).await, 0);
    // Valid vectors are scored and kept.
    let (status, _, report) = post_report(
        &app.app,
        None,
        None,
        &report_json(json!({
            "cvss_v3": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "cvss_v4": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        })),
    )
    .await;
    assert_eq!(status, 201, "{report}");
}

#[tokio::test]
async fn a_retried_report_with_the_same_idempotency_key_is_stored_once() {
    let app = spawn_with_mail().await;
    let body = report_json(json!({}));
    let (first_status, _, first) = post_report(&app.app, None, Some("retry-1"), &body).await;
    assert_eq!(first_status, 201, "{first}");
    let (again_status, _, again) = post_report(&app.app, None, Some("retry-1"), &body).await;
    assert_eq!(again_status, 201, "{again}");
    assert_eq!(again["id"], first["id"]);
    assert_eq!(stored_reports(&app.app).await, 1);
    // The same key for another report is refused.
    let other = report_json(json!({ "title": "Another finding entirely" }));
    let (status, _, problem) = post_report(&app.app, None, Some("retry-1"), &other).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(stored_reports(&app.app).await, 1);
}

#[tokio::test]
async fn the_sixth_report_within_an_hour_from_one_address_is_refused_with_retry_after() {
    let app = spawn_with_mail().await;
    let body = report_json(json!({}));
    for n in 1..=5 {
        let (status, _, report) = post_report(&app.app, None, None, &body).await;
        assert_eq!(status, 201, "report {n}: {report}");
    }
    let (status, headers, problem) = post_report(&app.app, None, None, &body).await;
    assert_eq!(status, 429, "{problem}");
    assert_eq!(headers["content-type"], "application/problem+json");
    let retry_after: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=3600).contains(&retry_after), "{retry_after}");
    // The form shares the address's allowance.
    let mut researcher = app.visitor();
    researcher.get("/security/report").await;
    let page = researcher
        .post("/security/report", &super::support::report_form(&[]))
        .await;
    page.assert_status(429);
    assert!(page.headers.contains_key("retry-after"));
    assert_eq!(stored_reports(&app.app).await, 5);
    // An account's token has an allowance of its own.
    let ada = customer(&app, "ada@example.com", &["reports:write"]).await;
    let (status, _, report) = post_report(&app.app, Some(&ada.token), None, &body).await;
    assert_eq!(status, 201, "{report}");
}

#[tokio::test]
async fn the_hourly_allowance_is_configurable() {
    let app = crate::identity::support::spawn_with_mail_and(|config| {
        config.disclosure.reports_per_hour = 2;
    })
    .await;
    let ada = customer(&app, "ada@example.com", &["reports:write"]).await;
    let body = report_json(json!({}));
    for _ in 0..2 {
        let (status, _, report) = post_report(&app.app, Some(&ada.token), None, &body).await;
        assert_eq!(status, 201, "{report}");
    }
    let (status, headers, _) = post_report(&app.app, Some(&ada.token), None, &body).await;
    assert_eq!(status, 429);
    assert!(headers.contains_key("retry-after"));
}
