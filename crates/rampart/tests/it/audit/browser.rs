//! The access-log page in Chromium: an owner opens it from the account page, sees the log,
//! and the proof bundle the page offers passes `rampart audit check-proof`.

use std::time::Duration;

use fantoccini::Locator;

use super::support::{customer, rampart_audit_in, text};
use crate::browser::with_browser;
use crate::identity::support::{PASSWORD, spawn_with_mail};

#[tokio::test]
async fn an_owner_reads_the_access_log_in_a_browser_and_its_proof_checks_offline() {
    let app = spawn_with_mail().await;
    let c = customer(&app, "owner@example.com", &["access-log:read"]).await;
    let origin = app.origin();
    let mut shown = (String::new(), String::new());
    let slot = &mut shown;
    with_browser("access_log", |client| async move {
        client.goto(&format!("{origin}/login")).await.unwrap();
        client
            .find(Locator::Css("#email"))
            .await
            .unwrap()
            .send_keys("owner@example.com")
            .await
            .unwrap();
        client
            .find(Locator::Css("#password"))
            .await
            .unwrap()
            .send_keys(PASSWORD)
            .await
            .unwrap();
        client
            .find(Locator::Css("form[action='/login'] button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        client
            .wait()
            .at_most(Duration::from_secs(15))
            .for_element(Locator::Css("#access-log-link"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        // The newest entries may wait a second for their checkpoint: reload until the first
        // row offers its proof.
        let mut link = None;
        for _ in 0..50 {
            let rows = client
                .find_all(Locator::Css("#entries tbody tr"))
                .await
                .unwrap();
            assert!(!rows.is_empty(), "the log lists this tenant's entries");
            if let Ok(found) = client.find(Locator::Css("#entries a.proof-link")).await {
                link = Some(found);
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
            client.refresh().await.unwrap();
        }
        let body = client
            .find(Locator::Css("main"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(body.contains("identity.login"), "{body}");
        assert!(body.contains("No member of our staff has accessed your data"));
        let href = link
            .expect("a checkpoint covers an entry")
            .attr("href")
            .await
            .unwrap()
            .unwrap();
        let bundle = client
            .execute(
                "return fetch(arguments[0]).then(r => r.text());",
                vec![serde_json::json!(href)],
            )
            .await
            .unwrap();
        let key = client
            .find(Locator::Css("#verifier-key"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        *slot = (bundle.as_str().unwrap().to_owned(), key);
    })
    .await;
    let (bundle, key) = shown;
    let parsed: serde_json::Value = serde_json::from_str(&bundle).unwrap();
    assert_eq!(parsed["entry"]["tenant_id"], c.tenant_id.as_str());

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rampart-audit-entry.json");
    std::fs::write(&file, &bundle).unwrap();
    let empty = dir.path().join("data");
    let checked = rampart_audit_in(
        dir.path(),
        "sqlite://unused",
        &empty,
        &[
            "check-proof",
            file.to_str().unwrap(),
            "--public-key",
            key.trim(),
        ],
    )
    .await;
    assert!(checked.status.success(), "{}", text(&checked.stderr));
}
