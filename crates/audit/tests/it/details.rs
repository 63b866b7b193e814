//! Details, the free text an entry may carry: entries with and without them share one log
//! that verifies, read back as recorded through every path, and prove their inclusion with
//! the public key alone.

use audit::model::bundle::ProofBundle;
use audit::service::{ExportFormat, export};
use audit::store::entries::Filter;
use audit::{Actor, Event};
use platform::clock::Timestamp;

use crate::support::{TestLog, login};

/// An import of contacts by a token, recorded as a read through the group-commit writer.
fn import(details: &str) -> Event {
    Event::new(Actor::token("tok_1"), "vault.contact.import")
        .tenant("ten_a")
        .resource("contact", ["ctc_1", "ctc_2"])
        .details(details)
}

#[tokio::test]
async fn entries_with_and_without_details_verify_read_back_as_recorded_and_prove_inclusion() {
    let test = TestLog::start(5).await;
    let read = async |event| test.log.record_read(event).await.unwrap().unwrap();
    // Writes go through the caller's transaction, reads through the group-commit writer (its
    // own SQLite connection on SQLite): both with and without details.
    let recorded = [
        (test.record(login(0)).await, None),
        (
            test.record(login(1).details("name,phones")).await,
            Some("name,phones"),
        ),
        (test.record(login(2).details("")).await, None),
        (
            read(import("created=10 updated=2 rejected=3")).await,
            Some("created=10 updated=2 rejected=3"),
        ),
        (read(import("")).await, None),
        (
            test.record(login(5).details("naïve \"name\", 名前")).await,
            Some("naïve \"name\", 名前"),
        ),
    ];
    test.log.checkpoint_if_grown().await.unwrap().unwrap();

    let report = test.verify().await.unwrap();
    assert_eq!(report.entries, 6);
    for &(index, details) in &recorded {
        let entry = test.entry(index).await;
        assert_eq!(entry.event.details.as_deref(), details, "entry {index}");
    }

    let asker = Actor::user("usr_auditor");
    let page = test
        .log
        .access_log(&asker, "ten_a", &Filter::default(), 10)
        .await
        .unwrap();
    let mut listed: Vec<_> = page
        .entries
        .iter()
        .map(|e| (e.index, e.event.details.as_deref()))
        .collect();
    listed.reverse();
    assert_eq!(listed, recorded);

    for &(index, details) in &recorded {
        let bundle = test.log.proof_bundle(&asker, "ten_a", index).await.unwrap();
        // As a customer checks it: from the downloaded file, with the public key alone.
        let file = serde_json::to_string(&bundle).unwrap();
        assert_eq!(file.contains("\"details\""), details.is_some(), "{file}");
        let downloaded: ProofBundle = serde_json::from_str(&file).unwrap();
        assert_eq!(downloaded.entry.details.as_deref(), details);
        downloaded.check(test.log.verifier_key()).unwrap();
    }

    let mut lines = Vec::new();
    let since = Timestamp::from_millis(0);
    export(
        test.db(),
        "ten_a",
        since,
        ExportFormat::JsonLines,
        &mut lines,
    )
    .await
    .unwrap();
    let lines = String::from_utf8(lines).unwrap();
    assert!(lines.contains(r#""details":"name,phones""#), "{lines}");
    let mut csv = Vec::new();
    export(test.db(), "ten_a", since, ExportFormat::Csv, &mut csv)
        .await
        .unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert!(
        csv.starts_with("index,") && csv.contains(",client_ip,details\n"),
        "{csv}"
    );
    assert!(csv.contains(",created=10 updated=2 rejected=3\n"), "{csv}");
}

#[tokio::test]
async fn details_changed_added_or_removed_behind_the_logs_back_are_named_by_verify() {
    for (tamper, index) in [
        ("UPDATE audit_entries SET details = 'name' WHERE idx = 1", 1),
        ("UPDATE audit_entries SET details = 'name' WHERE idx = 2", 2),
        ("UPDATE audit_entries SET details = NULL WHERE idx = 1", 1),
        ("UPDATE audit_entries SET details = '' WHERE idx = 1", 1),
    ] {
        let test = TestLog::start(6).await;
        test.record(login(0)).await;
        test.record(login(1).details("name,phones")).await;
        test.record(login(2)).await;
        test.log.checkpoint_if_grown().await.unwrap().unwrap();
        test.verify().await.unwrap();
        test.tamper(&[tamper]).await;
        let err = test.verify().await.unwrap_err();
        assert_eq!(err.entry_index(), Some(index), "{tamper}: {err}");
    }
}
