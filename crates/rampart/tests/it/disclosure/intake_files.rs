//! Files sent with a report: chosen on the report form (multipart, the CSRF token in the
//! action's query string) or posted to the API by the token that sent the report. Both end
//! encrypted on the report, downloadable by the researcher; a file over the limit refuses
//! the whole form and stores nothing.

use serde_json::json;

use super::support::{
    attachments_on, fetch, file_report, post_report, report_form, report_json, sealed_attachments,
    stored_reports,
};
use crate::audit::support::customer;
use crate::identity::support::{Page, Visitor, spawn_with_mail, spawn_with_mail_and};

/// The report form as a browser sends it with files: every field, then each file.
fn multipart_report(fields: &[(&str, &str)], files: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "rampart-report-boundary-7d2e";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (filename, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"{filename}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Opens the form and posts it with `files` to the action the page gives.
async fn send_form_with_files(
    app: &crate::identity::support::IdentityApp,
    visitor: &mut Visitor,
    files: &[(&str, &[u8])],
) -> Page {
    let form = visitor.get("/security/report").await;
    let token = form.csrf_token().unwrap();
    assert!(
        form.body.contains("enctype=\"multipart/form-data\""),
        "the form sends files"
    );
    let (content_type, body) = multipart_report(&report_form(&[]), files);
    let response = app
        .app
        .client
        .post(app.app.url(&format!("/security/report?csrf_token={token}")))
        .header("cookie", visitor.cookie_header())
        .header("origin", &visitor.origin)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    Page {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: response.text().await.unwrap(),
    }
}

#[tokio::test]
async fn files_chosen_on_the_report_form_arrive_sealed_with_the_report() {
    let app = spawn_with_mail().await;
    let mut ada = app.visitor();
    let marker = b"PROOF-OF-CONCEPT-4b1d plaintext marker";
    let sent = send_form_with_files(
        &app,
        &mut ada,
        &[("poc.txt", marker), ("shot.png", b"\x89PNG")],
    )
    .await;
    sent.assert_status(201);
    let tracking = super::support::path_of(&sent.text_of("tracking-link").unwrap());
    let page = ada.get(&tracking).await;
    let listed = attachments_on(&page);
    assert_eq!(listed.len(), 2, "{}", page.body);
    let download = fetch(
        &app.app,
        &ada,
        &app.app
            .url(&format!("{tracking}/attachments/{}", listed[0].id)),
    )
    .await;
    assert_eq!(download.status, 200);
    assert_eq!(download.bytes, marker);
    for sealed in sealed_attachments(&app.app).await {
        assert!(!sealed.windows(marker.len()).any(|w| w == marker));
    }
}

#[tokio::test]
async fn a_file_over_the_limit_refuses_the_whole_form_and_stores_nothing() {
    let app = spawn_with_mail_and(|config| config.disclosure.attachment_max_bytes = 64).await;
    let mut ada = app.visitor();
    let refused = send_form_with_files(&app, &mut ada, &[("big.bin", &[7u8; 65])]).await;
    refused.assert_status(422);
    assert!(
        refused.body.contains("id=\"attachments-error\""),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("Stored XSS in the invoice note"),
        "typed values are kept"
    );
    assert_eq!(stored_reports(&app.app).await, 0);
    assert!(sealed_attachments(&app.app).await.is_empty());
}

#[tokio::test]
async fn the_token_that_sent_a_report_attaches_files_through_the_api_and_no_one_else_does() {
    let app = spawn_with_mail().await;
    let tool = customer(&app, "tool@research.example", &["reports:write"]).await;
    let other = customer(&app, "other@research.example", &["reports:write"]).await;
    let (status, _, report) =
        post_report(&app.app, Some(&tool.token), None, &report_json(json!({}))).await;
    assert_eq!(status, 201, "{report}");
    let id = report["id"].as_str().unwrap();
    let url = app.app.url(&format!(
        "/api/v1/reports/{id}/attachments?filename=../trace.log"
    ));
    let attach = |token: String, body: &'static [u8]| {
        let request = app
            .app
            .client
            .post(url.clone())
            .bearer_auth(token)
            .header("content-type", "application/octet-stream")
            .body(body);
        async move { request.send().await.unwrap() }
    };
    let created = attach(tool.token.clone(), b"trace line 1\n").await;
    assert_eq!(created.status().as_u16(), 201);
    let body: serde_json::Value = created.json().await.unwrap();
    assert_eq!(body["filename"], "trace.log");
    assert_eq!(body["size"], 13);
    assert!(body["id"].as_str().unwrap().starts_with("att_"));
    // Another account's token cannot reach the report, nor can an empty file be attached.
    assert_eq!(
        attach(other.token.clone(), b"x").await.status().as_u16(),
        404
    );
    assert_eq!(attach(tool.token.clone(), b"").await.status().as_u16(), 422);
    assert_eq!(sealed_attachments(&app.app).await.len(), 1);
    // An anonymous report has no token to attach with.
    let anonymous = file_report(&app, json!({})).await;
    let url = app
        .app
        .url(&format!("/api/v1/reports/{}/attachments", anonymous.id));
    let response = app
        .app
        .client
        .post(url)
        .bearer_auth(&tool.token)
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 404);
}
