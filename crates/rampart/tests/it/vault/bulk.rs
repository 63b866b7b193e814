//! Import and export: bad rows reported by line and reason, good rows kept, no duplicates
//! on a re-run, formula cells escaped, and the same from the command line.

use serde_json::json;

use super::support::{create_contact, import, names, post_import, search_all};
use crate::audit::support::{access_log, api_get, customer, text};
use crate::helpers::rampart_command;
use crate::identity::support::spawn_with_mail;

const ALL: &[&str] = &["contacts:read", "contacts:write", "access-log:read"];

/// A file with good rows and one of every kind of bad row.
fn mixed_file() -> Vec<u8> {
    let mut csv = b"name,phone,email,notes\n".to_vec();
    csv.extend_from_slice(b"Ada Lovelace,+44 20 7946 0001,ada@example.com,first\n");
    csv.extend_from_slice(b"Bad Phone,020 7946 0002,,\n");
    csv.extend_from_slice(b"Bad Email,,not-an-email,\n");
    csv.extend_from_slice(b"Bad \xff Bytes,,,\n");
    csv.extend_from_slice(format!("Too Long,,,{}\n", "x".repeat(10_001)).as_bytes());
    csv.extend_from_slice(b"Too Many,,,,extra\n");
    csv.extend_from_slice(b"Grace Hopper,+1 212 555 0100,grace@example.org,\"multi\nline\"\n");
    csv.extend_from_slice(b"No Channel,,,\n");
    csv
}

#[tokio::test]
async fn an_import_reports_each_bad_row_by_line_and_reason_and_keeps_the_good_ones() {
    let app = spawn_with_mail().await;
    let c = customer(&app, "import@example.com", ALL).await;
    let done = import(&app.app, &c.token, "", mixed_file()).await;
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(done["rows_read"], 8);
    assert_eq!(done["created"], 3);
    assert_eq!(done["rejected"], 5);
    let reasons: Vec<(i64, String)> = done["rejections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["line"].as_i64().unwrap(),
                r["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expect = [
        (3, "bad phone in column \"phone\""),
        (4, "bad email in column \"email\""),
        (5, "invalid UTF-8 in column \"name\""),
        (6, "field too long in column \"notes\""),
        (7, "too many columns"),
    ];
    assert_eq!(reasons.len(), expect.len(), "{reasons:?}");
    for ((line, reason), (want_line, want)) in reasons.iter().zip(expect) {
        assert_eq!(*line, want_line, "{reason}");
        assert!(reason.starts_with(want), "{reason:?} should start {want:?}");
    }
    assert_eq!(
        names(&search_all(&app.app, &c.token, "").await),
        ["Ada Lovelace", "Grace Hopper", "No Channel"]
    );
    let report = app
        .app
        .client
        .get(app.app.url(done["rejections_url"].as_str().unwrap()))
        .bearer_auth(&c.token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        report.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .split(';')
            .next(),
        Some("attachment")
    );
    let report = report.text().await.unwrap();
    assert!(report.starts_with("line,reason\n3,\"bad phone"), "{report}");
    assert_eq!(report.lines().count(), 6);
    let log = access_log(&app.app, &c.token, "").await;
    let finish = log
        .iter()
        .find(|e| e["action"] == "vault.import.finish")
        .unwrap();
    assert_eq!(
        finish["details"],
        "rows=8 created=3 updated=0 unchanged=0 rejected=5"
    );
}

#[tokio::test]
async fn importing_the_same_file_twice_creates_no_duplicates_and_update_merges() {
    let app = spawn_with_mail().await;
    let c = customer(&app, "twice@example.com", ALL).await;
    let first = import(&app.app, &c.token, "", mixed_file()).await;
    assert_eq!(first["created"], 3);
    let again = import(&app.app, &c.token, "", mixed_file()).await;
    assert_eq!(
        (again["created"].as_i64(), again["unchanged"].as_i64()),
        (Some(0), Some(3)),
        "{again}"
    );
    assert_eq!(search_all(&app.app, &c.token, "").await.len(), 3);
    let within = import(
        &app.app,
        &c.token,
        "merge=update",
        b"name,phone,tags\nAda L.,+442079460001,imported\nSam,+447700900123,\nSam,+447700900123,dup\n".to_vec(),
    )
    .await;
    assert_eq!(
        (
            within["created"].as_i64(),
            within["updated"].as_i64(),
            within["unchanged"].as_i64()
        ),
        (Some(1), Some(1), Some(1)),
        "{within}"
    );
    let ada = &search_all(&app.app, &c.token, "phone=%2B442079460001").await[0];
    assert_eq!(ada["name"], "Ada L.", "update takes the row's name");
    assert_eq!(
        ada["emails"],
        json!(["ada@example.com"]),
        "and keeps what it did not bring"
    );
    assert_eq!(ada["tags"], json!(["imported"]));
    let sam = search_all(&app.app, &c.token, "q=sam").await;
    assert_eq!(
        sam.len(),
        1,
        "a duplicate row within one file is one contact"
    );
    assert_eq!(sam[0]["tags"], json!(["dup"]));
}

#[tokio::test]
async fn a_file_that_cannot_be_mapped_or_is_not_csv_is_refused_before_any_job() {
    let app = spawn_with_mail().await;
    let c = customer(&app, "unmapped@example.com", ALL).await;
    let (status, problem) = post_import(
        &app.app,
        &c.token,
        "",
        b"mystery,phone\nx,+442079460001\n".to_vec(),
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    assert!(problem["errors"]["columns"].is_string());
    assert!(problem["errors"]["columns.mystery"].is_string());
    let (status, _) = post_import(
        &app.app,
        &c.token,
        "column.mystery=name",
        b"mystery,phone\nx,+442079460001\n".to_vec(),
    )
    .await;
    assert_eq!(status, 202, "a column can be mapped by the caller");
    let (status, _) =
        post_import(&app.app, &c.token, "merge=sometimes", b"name\nx\n".to_vec()).await;
    assert_eq!(status, 422);
    let response = app
        .app
        .client
        .post(app.app.url("/api/v1/contacts/import"))
        .bearer_auth(&c.token)
        .json(&json!({"name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
    let (status, _) = api_get(&app.app, "/api/v1/imports/imp_missing", &c.token).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn an_export_escapes_cells_a_spreadsheet_would_run_and_imports_back_without_duplicates() {
    let app = spawn_with_mail().await;
    let c = customer(&app, "export@example.com", ALL).await;
    create_contact(
        &app.app,
        &c.token,
        json!({"name": "=HYPERLINK(\"http://evil\")", "notes": "+1+1", "phones": ["+442079460958"]}),
    )
    .await;
    create_contact(
        &app.app,
        &c.token,
        json!({"name": "@SUM(A1)", "notes": "-2+3"}),
    )
    .await;
    let response = app
        .app
        .client
        .get(app.app.url("/api/v1/contacts/export"))
        .bearer_auth(&c.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let body = response.bytes().await.unwrap().to_vec();
    let mut reader = csv::Reader::from_reader(body.as_slice());
    let header = reader.headers().unwrap().clone();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    for row in &rows {
        for cell in row.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@']),
                "a cell a spreadsheet would run: {cell:?}"
            );
        }
    }
    let first = rows
        .iter()
        .find(|r| r[column("name")].contains("HYPERLINK"))
        .unwrap();
    assert_eq!(&first[column("name")], "'=HYPERLINK(\"http://evil\")");
    assert_eq!(&first[column("phones")], "'+442079460958");
    let again = import(
        &app.app,
        &c.token,
        "column.id=ignore&column.created_at=ignore&column.updated_at=ignore",
        body,
    )
    .await;
    assert_eq!(
        (again["created"].as_i64(), again["unchanged"].as_i64()),
        (Some(0), Some(2)),
        "by phone, and by whole name when there is none: {again}"
    );
    let found = search_all(&app.app, &c.token, "phone=%2B442079460958").await;
    assert_eq!(
        found.len(),
        1,
        "the exported phone reads back as the same contact"
    );
    assert_eq!(found[0]["name"], "=HYPERLINK(\"http://evil\")");
}

#[tokio::test]
async fn rampart_import_contacts_imports_a_file_and_reports_the_rejected_rows() {
    let mut app = spawn_with_mail().await;
    let c = customer(&app, "cli@example.com", ALL).await;
    let dir = app.app.data_dir.path().to_owned();
    let file = dir.join("contacts.csv");
    std::fs::write(&file, mixed_file()).unwrap();
    let report = dir.join("rejected.csv");
    app.app.stop().await;
    let output = rampart_command(&dir)
        .args(["import", "contacts", "--tenant", &c.tenant_id, "--report"])
        .arg(&report)
        .arg(&file)
        .env("RAMPART_DATABASE__URL", &app.app.database_url)
        .env("RAMPART_SERVER__DATA_DIR", dir.join("data"))
        .env("RAMPART_LOG__LEVEL", "warn")
        .output()
        .await
        .unwrap();
    let printed = text(&output.stdout);
    assert!(output.status.success(), "{printed}{}", text(&output.stderr));
    assert!(printed.contains("created: 3"), "{printed}");
    assert!(printed.contains("rejected: 5"), "{printed}");
    assert!(printed.contains("line 3: bad phone"), "{printed}");
    let written = std::fs::read_to_string(&report).unwrap();
    assert_eq!(written.lines().count(), 6, "{written}");
    let unknown = rampart_command(&dir)
        .args(["import", "contacts", "--tenant", "ten_nobody"])
        .arg(&file)
        .env("RAMPART_DATABASE__URL", &app.app.database_url)
        .env("RAMPART_SERVER__DATA_DIR", dir.join("data"))
        .output()
        .await
        .unwrap();
    assert!(!unknown.status.success());
    assert!(text(&unknown.stderr).contains("no tenant ten_nobody"));
}

#[tokio::test]
async fn an_import_interrupted_before_its_terms_were_published_is_finished_at_the_next_start() {
    let mut app = spawn_with_mail().await;
    let c = customer(&app, "interrupted@example.com", ALL).await;
    let done = import(
        &app.app,
        &c.token,
        "",
        b"name,phone\nAda,+442079460001\n".to_vec(),
    )
    .await;
    let import_id = done["id"].as_str().unwrap().to_owned();
    let url = app.app.database_url.clone();
    let data_dir = app.app.data_dir.path().join("data");
    app.app.stop().await;
    // Put the database back in the state a crash mid-import leaves: the contact written, its
    // terms still staged, the job still running.
    let db = platform::db::Db::connect_url(
        &platform::config::Secret::new(url.clone()),
        1,
        std::time::Duration::from_secs(10),
    )
    .await
    .unwrap();
    let table = format!("vault_staged_{}", import_id.strip_prefix("imp_").unwrap());
    for sql in [
        format!("CREATE TABLE {table} (term BIGINT NOT NULL, contact_id TEXT NOT NULL)"),
        format!("INSERT INTO {table} (term, contact_id) SELECT term, contact_id FROM vault_terms"),
        "DELETE FROM vault_terms".to_owned(),
        format!(
            "UPDATE vault_imports SET state = 'running', updated_at = 0, finished_at = NULL \
             WHERE id = '{import_id}'"
        ),
    ] {
        sqlx::query(&sql).execute(db.pool()).await.unwrap();
    }
    db.close().await;
    let again = crate::helpers::try_spawn_app_with(move |config| {
        config.server.data_dir = data_dir;
        config.database.url = Some(platform::config::Secret::new(url));
    })
    .await
    .unwrap();
    let found = search_all(&again, &c.token, "phone=%2B442079460001").await;
    assert_eq!(
        names(&found),
        ["Ada"],
        "the staged terms were published at start"
    );
    let (_, status) = api_get(&again, &format!("/api/v1/imports/{import_id}"), &c.token).await;
    assert_eq!(status["state"], "interrupted", "{status}");
}

#[tokio::test]
async fn an_import_retried_with_its_idempotency_key_answers_the_first_job() {
    let app = spawn_with_mail().await;
    let c = customer(&app, "import-retry@example.com", ALL).await;
    let send = |csv: &'static [u8]| {
        app.app
            .client
            .post(app.app.url("/api/v1/contacts/import?merge=skip"))
            .bearer_auth(&c.token)
            .header("content-type", "text/csv")
            .header("Idempotency-Key", "upload-1")
            .body(csv)
            .send()
    };
    let first = send(b"name,phone\nAda,+442079460001\n").await.unwrap();
    assert_eq!(first.status(), 202);
    let first: serde_json::Value = first.json().await.unwrap();
    let again = send(b"name,phone\nAda,+442079460001\n").await.unwrap();
    assert_eq!(again.status(), 202);
    let again: serde_json::Value = again.json().await.unwrap();
    assert_eq!(
        again["id"], first["id"],
        "the same job, not a second import"
    );
    let other = send(b"name,phone\nBea,+442079460002\n").await.unwrap();
    assert_eq!(other.status(), 422, "the key was used for another file");
    let (status, fields) = api_get(&app.app, "/api/v1/contact-fields", &c.token).await;
    assert_eq!(status, 200);
    assert_eq!(fields, json!({"items": [], "next_cursor": null}));
}

#[tokio::test]
async fn rows_that_repeat_an_earlier_batch_of_the_same_file_create_nothing_new() {
    let app = spawn_with_mail().await;
    let c = customer(&app, "batches@example.com", ALL).await;
    // Several thousand rows: more than one batch, so repeats cross a batch boundary.
    let mut csv = String::from("name,phone\n");
    for i in 0..2_500 {
        csv.push_str(&format!("Person {i},+44770090{i:04}\n"));
        if i == 10 {
            csv.push_str("Solo Name,\n");
        }
    }
    csv.push_str("Solo Name,\n");
    csv.push_str("Someone Else,+447700900001\n");
    let done = import(&app.app, &c.token, "", csv.into_bytes()).await;
    assert_eq!(done["rows_read"], 2_503, "{done}");
    assert_eq!(done["created"], 2_501, "{done}");
    assert_eq!(done["unchanged"], 2, "{done}");
    let found = search_all(&app.app, &c.token, "phone=%2B447700900001").await;
    assert_eq!(names(&found), ["Person 1"]);
    assert_eq!(search_all(&app.app, &c.token, "q=solo").await.len(), 1);
}
