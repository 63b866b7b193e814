//! Attachments of a report: uploaded as `multipart/form-data` from the tracking page and
//! the console (the form's CSRF token in its action's query string), sealed at rest, and
//! given back only to the report's researcher and the security team, only as downloads.

use serde_json::json;

use super::support::{
    Fetched, attach_action, attachments_on, audit_entries_of, fetch, file_report, post_file,
    sealed_attachments, security_team, staff_member,
};
use crate::identity::support::{IdentityApp, spawn_with_mail, spawn_with_mail_and};

/// Every byte value, then a marker to look for where the contents must not be.
fn contents(marker: &str) -> Vec<u8> {
    let mut bytes: Vec<u8> = (0..=255).collect();
    bytes.extend_from_slice(marker.as_bytes());
    bytes
}

/// A download that is only a download: opaque bytes, to be saved under a plain name.
#[track_caller]
fn assert_only_a_download(file: &Fetched, filename: &str) {
    assert_eq!(file.status, 200, "{}", String::from_utf8_lossy(&file.bytes));
    assert_eq!(file.header("content-type"), "application/octet-stream");
    assert_eq!(
        file.header("content-disposition"),
        format!("attachment; filename=\"{filename}\"")
    );
    assert_eq!(file.header("x-content-type-options"), "nosniff");
    assert_eq!(file.header("cache-control"), "no-store");
}

async fn stored(app: &IdentityApp) -> usize {
    sealed_attachments(&app.app).await.len()
}

#[tokio::test]
async fn a_file_the_researcher_attaches_is_listed_and_downloads_byte_for_byte_on_both_sides() {
    let app = spawn_with_mail().await;
    let mut researcher = file_report(&app, json!({})).await;
    let mut team = security_team(&app).await;
    let id = researcher.id.clone();
    let bytes = contents("request and response of the injection");
    researcher
        .attach(&app, "capture.pcap", &bytes)
        .await
        .assert_redirect(&researcher.tracking);

    let listed = attachments_on(&researcher.page().await);
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].filename, "capture.pcap");
    assert!(listed[0].item.contains("from the researcher"), "{listed:?}");
    assert!(listed[0].item.contains(&format!("{} bytes", bytes.len())));
    let on_console = attachments_on(&team.open(&id).await);
    assert_eq!(on_console.len(), 1, "{on_console:?}");
    assert_eq!(on_console[0].id, listed[0].id);

    let mine = researcher.download(&app, &listed[0].id).await;
    assert_only_a_download(&mine, "capture.pcap");
    assert_eq!(mine.bytes, bytes);
    let theirs = team.download(&app, &id, &listed[0].id).await;
    assert_only_a_download(&theirs, "capture.pcap");
    assert_eq!(theirs.bytes, bytes);
}

#[tokio::test]
async fn a_file_the_team_attaches_reaches_the_researcher_byte_for_byte() {
    let app = spawn_with_mail().await;
    let mut researcher = file_report(&app, json!({})).await;
    let mut team = security_team(&app).await;
    let id = researcher.id.clone();
    let bytes = contents("the patch to retest");
    team.attach(&app, &id, "fix.patch", &bytes)
        .await
        .assert_redirect(&format!("/staff/security/reports/{id}"));
    let listed = attachments_on(&researcher.page().await);
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert!(listed[0].item.contains("from the team"), "{listed:?}");
    let file = researcher.download(&app, &listed[0].id).await;
    assert_only_a_download(&file, "fix.patch");
    assert_eq!(file.bytes, bytes);
}

#[tokio::test]
async fn html_and_svg_files_download_as_opaque_bytes_under_a_cleaned_name() {
    let app = spawn_with_mail().await;
    let mut researcher = file_report(&app, json!({})).await;
    let mut team = security_team(&app).await;
    let id = researcher.id.clone();
    let html = b"<html><body><script>alert(document.cookie)</script></body></html>";
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
    for (name, bytes) in [("../../evil\".html", &html[..]), ("<script>.svg", &svg[..])] {
        researcher
            .attach(&app, name, bytes)
            .await
            .assert_redirect(&researcher.tracking);
    }

    let page = researcher.page().await;
    let console = team.open(&id).await;
    for page in [&page, &console] {
        assert!(!page.body.contains("<script>"), "{}", page.body);
        let names: Vec<String> = attachments_on(page)
            .into_iter()
            .map(|l| l.filename)
            .collect();
        assert_eq!(names, ["evil_.html", "_script_.svg"]);
    }
    let listed = attachments_on(&page);
    for (listed, bytes) in listed.iter().zip([&html[..], &svg[..]]) {
        for file in [
            researcher.download(&app, &listed.id).await,
            team.download(&app, &id, &listed.id).await,
        ] {
            assert_only_a_download(&file, &listed.filename);
            let disposition = file.header("content-disposition");
            let name = disposition.trim_start_matches("attachment; filename=");
            assert!(
                !name.trim_matches('"').contains(['/', '\\', '"', '<', '>']),
                "{disposition}"
            );
            assert!(!file.header("content-type").contains("html"));
            assert!(!file.header("content-type").contains("svg"));
            assert_eq!(file.bytes, bytes);
        }
    }
}

#[tokio::test]
async fn the_database_holds_an_attachment_sealed_not_in_plaintext() {
    let app = spawn_with_mail().await;
    let mut researcher = file_report(&app, json!({})).await;
    let marker = "PLAINTEXT-MARKER-quenby-7f3a91";
    let bytes = contents(marker);
    researcher
        .attach(&app, "notes.txt", &bytes)
        .await
        .assert_redirect(&researcher.tracking);
    let sealed = sealed_attachments(&app.app).await;
    assert_eq!(sealed.len(), 1);
    assert_ne!(sealed[0], bytes);
    assert!(
        !sealed[0]
            .windows(marker.len())
            .any(|w| w == marker.as_bytes()),
        "the marker is stored in plaintext"
    );
    let listed = attachments_on(&researcher.page().await);
    assert_eq!(researcher.download(&app, &listed[0].id).await.bytes, bytes);
}

#[tokio::test]
async fn only_the_report_s_own_link_and_the_security_team_reach_its_attachments() {
    let app = spawn_with_mail().await;
    let mut researcher = file_report(&app, json!({})).await;
    let other = file_report(&app, json!({ "title": "Another finding" })).await;
    let team = security_team(&app).await;
    let id = researcher.id.clone();
    researcher
        .attach(&app, "poc.txt", b"the proof")
        .await
        .assert_redirect(&researcher.tracking);
    let attachment = attachments_on(&researcher.page().await)[0].id.clone();

    // Another report's link, and the console under another report's id.
    assert_eq!(other.download(&app, &attachment).await.status, 404);
    assert_eq!(
        team.download(&app, &other.id, &attachment).await.status,
        404
    );
    // Ids that name nothing.
    for unknown in ["att_0190d8e2000070008000800000000000", "att_x", "x"] {
        assert_eq!(researcher.download(&app, unknown).await.status, 404);
        assert_eq!(team.download(&app, &id, unknown).await.status, 404);
    }
    // Staff without the security role.
    let mut support = staff_member(&app, "sue@rampart.example", "support").await;
    let path = format!("/staff/security/reports/{id}/attachments/{attachment}");
    let refused = fetch(&app.app, &support, &app.app.staff_url(&path)).await;
    assert_eq!(refused.status, 403);
    assert!(!refused.bytes.windows(9).any(|w| w == b"the proof"));
    // The console's address on the public listener.
    let public = app.visitor();
    let stranger = fetch(&app.app, &public, &app.app.url(&path)).await;
    assert_eq!(stranger.status, 404);

    // Nor may support staff add a file.
    let token = support.get("/staff/").await.csrf_token().unwrap();
    let path = format!("/staff/security/reports/{id}/attachments?csrf_token={token}");
    let upload = post_file(&app.app, &support, &app.app.staff_url(&path), "s.txt", b"s").await;
    upload.assert_status(403);
    assert!(upload.body.contains("security role"), "{}", upload.body);

    assert_eq!(researcher.download(&app, &attachment).await.status, 200);
    let action = attach_action(&researcher.page().await);
    researcher.post("revoke", &[]).await.assert_status(200);
    let revoked = researcher.download(&app, &attachment).await;
    assert_eq!(revoked.status, 404);
    assert!(!revoked.bytes.windows(9).any(|w| w == b"the proof"));
    // Nor does a revoked link take one.
    let url = app.app.url(&action);
    let upload = post_file(&app.app, &researcher.visitor, &url, "b.txt", b"b").await;
    upload.assert_status(404);
    assert_eq!(stored(&app).await, 1);
}

#[tokio::test]
async fn an_empty_or_oversized_file_is_refused_and_nothing_is_stored() {
    let app = spawn_with_mail_and(|config| config.disclosure.attachment_max_bytes = 1024).await;
    let mut researcher = file_report(&app, json!({})).await;
    let mut team = security_team(&app).await;
    let id = researcher.id.clone();
    researcher
        .attach(&app, "empty.txt", b"")
        .await
        .assert_status(422);
    team.attach(&app, &id, "empty.txt", b"")
        .await
        .assert_status(422);
    for too_big in [
        researcher.attach(&app, "big.bin", &[7; 1025]).await,
        team.attach(&app, &id, "big.bin", &[7; 1025]).await,
    ] {
        assert!(
            (400..500).contains(&too_big.status),
            "{}: {}",
            too_big.status,
            too_big.body
        );
    }
    assert_eq!(stored(&app).await, 0);
    assert!(attachments_on(&researcher.page().await).is_empty());
    let entries = audit_entries_of(&app.app, &id).await;
    assert!(
        !entries
            .iter()
            .any(|e| e.action.starts_with("disclosure.attachment")),
        "{entries:#?}"
    );
    // The limit itself is allowed.
    researcher
        .attach(&app, "exact.bin", &[7; 1024])
        .await
        .assert_redirect(&researcher.tracking);
    assert_eq!(stored(&app).await, 1);
}

#[tokio::test]
async fn a_report_holds_at_most_the_configured_number_of_files() {
    let app = spawn_with_mail_and(|config| config.disclosure.attachments_per_report = 3).await;
    let mut researcher = file_report(&app, json!({})).await;
    let mut other = file_report(&app, json!({ "title": "Another finding" })).await;
    let mut team = security_team(&app).await;
    let id = researcher.id.clone();
    for n in 1..=2 {
        researcher
            .attach(&app, &format!("part-{n}.txt"), b"part")
            .await
            .assert_redirect(&researcher.tracking);
    }
    team.attach(&app, &id, "part-3.txt", b"part")
        .await
        .assert_redirect(&format!("/staff/security/reports/{id}"));
    researcher
        .attach(&app, "part-4.txt", b"part")
        .await
        .assert_status(422);
    team.attach(&app, &id, "part-4.txt", b"part")
        .await
        .assert_status(422);
    assert_eq!(attachments_on(&researcher.page().await).len(), 3);
    // The limit is per report.
    other
        .attach(&app, "part-1.txt", b"part")
        .await
        .assert_redirect(&other.tracking);
    assert_eq!(stored(&app).await, 4);
}

#[tokio::test]
async fn uploads_sent_at_the_same_moment_do_not_pass_the_limit_together() {
    let app = spawn_with_mail_and(|config| config.disclosure.attachments_per_report = 1).await;
    let mut researcher = file_report(&app, json!({})).await;
    let url = app.app.url(&attach_action(&researcher.page().await));
    let names: Vec<String> = (0..6).map(|n| format!("race-{n}.txt")).collect();
    let uploads = names
        .iter()
        .map(|name| post_file(&app.app, &researcher.visitor, &url, name, b"race"));
    let statuses: Vec<u16> = futures_util::future::join_all(uploads)
        .await
        .iter()
        .map(|page| page.status)
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 303).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(stored(&app).await, 1, "{statuses:?}");
}

#[tokio::test]
async fn each_upload_and_download_is_audited_without_the_file_s_contents() {
    let app = spawn_with_mail().await;
    let mut researcher = file_report(&app, json!({})).await;
    let mut team = security_team(&app).await;
    let id = researcher.id.clone();
    let marker = "CONTENTS-MARKER-lovelace-41c2";
    researcher
        .attach(&app, "log.txt", marker.as_bytes())
        .await
        .assert_redirect(&researcher.tracking);
    let attachment = attachments_on(&researcher.page().await)[0].id.clone();
    team.attach(&app, &id, "reply.txt", marker.as_bytes())
        .await
        .assert_redirect(&format!("/staff/security/reports/{id}"));
    assert_eq!(researcher.download(&app, &attachment).await.status, 200);
    assert_eq!(team.download(&app, &id, &attachment).await.status, 200);

    let entries = audit_entries_of(&app.app, &id).await;
    let files: Vec<(&str, &str)> = entries
        .iter()
        .filter(|e| e.action.starts_with("disclosure.attachment"))
        .map(|e| (e.action.as_str(), e.actor_kind.as_str()))
        .collect();
    assert_eq!(
        files,
        [
            ("disclosure.attachment.add", "anonymous"),
            ("disclosure.attachment.add", "staff"),
            ("disclosure.attachment.download", "anonymous"),
            ("disclosure.attachment.download", "staff"),
        ]
    );
    let first = entries
        .iter()
        .find(|e| e.action == "disclosure.attachment.add")
        .unwrap();
    let details = first.details.as_deref().unwrap_or_default();
    assert!(details.contains(&attachment), "{details}");
    for entry in &entries {
        assert!(!entry.text.contains(marker), "{entry:#?}");
        assert!(!entry.text.contains("MARKER"), "{entry:#?}");
    }
}

#[tokio::test]
async fn an_upload_without_the_form_s_token_is_refused_and_stores_nothing() {
    let app = spawn_with_mail().await;
    let mut researcher = file_report(&app, json!({})).await;
    let mut team = security_team(&app).await;
    let id = researcher.id.clone();
    let action = attach_action(&researcher.page().await);
    let (path, query) = action.split_once('?').unwrap();
    assert!(query.starts_with("csrf_token="), "{action}");
    let url = app.app.url(path);
    let refused = post_file(&app.app, &researcher.visitor, &url, "a.txt", b"a").await;
    refused.assert_status(403);
    assert!(
        refused.body.contains("This form has expired"),
        "{}",
        refused.body
    );
    // Another browser's token does not do either.
    let mut stranger = app.visitor();
    let theirs = attach_action(&stranger.get(&researcher.tracking).await);
    let (_, their_query) = theirs.split_once('?').unwrap();
    let url = app.app.url(&format!("{path}?{their_query}"));
    let refused = post_file(&app.app, &researcher.visitor, &url, "a.txt", b"a").await;
    refused.assert_status(403);

    team.open(&id).await.assert_status(200);
    let url = app
        .app
        .staff_url(&format!("/staff/security/reports/{id}/attachments"));
    let refused = post_file(&app.app, &team.visitor, &url, "a.txt", b"a").await;
    refused.assert_status(403);
    assert_eq!(stored(&app).await, 0);
}
