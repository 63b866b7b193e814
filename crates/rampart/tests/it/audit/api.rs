//! The transparency API: the public key, checkpoints, inclusion and consistency proofs, and
//! a tenant's access log, each scoped to the caller's tenant.

use audit::model::merkle::verify_consistency;
use audit::model::note::VerifierKey;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

use super::support::{
    access_log, api_get, checkpoint_of_at_least, create_token, customer, rampart_audit, text,
};
use crate::identity::support::spawn_with_mail;

fn hash(text: &serde_json::Value) -> [u8; 32] {
    B64.decode(text.as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap()
}

#[tokio::test]
async fn a_customer_proves_an_entry_offline_with_the_public_key_alone() {
    let mut app = spawn_with_mail().await;
    let alice = customer(&app, "alice@example.com", &["access-log:read"]).await;
    let own_token = format!("/api/v1/tokens/{}", alice.token_id);
    assert_eq!(api_get(&app.app, &own_token, &alice.token).await.0, 200);
    let entries = access_log(&app.app, &alice.token, "action=identity.token.read").await;
    let read = &entries[0];
    assert_eq!(read["actor_kind"], "token");
    assert_eq!(read["actor_id"], alice.token_id.as_str());
    assert_eq!(read["tenant_id"], alice.tenant_id.as_str());
    assert_eq!(read["resource_ids"][0], alice.token_id.as_str());
    assert!(read["request_id"].as_str().unwrap().starts_with("req_"));
    let index = read["index"].as_u64().unwrap();
    checkpoint_of_at_least(&app.app, &alice.token, index + 1).await;

    let (status, bundle) = api_get(
        &app.app,
        &format!("/api/v1/audit/proof/{index}"),
        &alice.token,
    )
    .await;
    assert_eq!(status, 200, "{bundle}");
    assert_eq!(bundle["entry"], *read);
    // The public key needs no credentials: anyone may check what they are shown.
    let key = app
        .app
        .client
        .get(app.app.url("/api/v1/audit/public-key"))
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let verifier = key["verifier_key"].as_str().unwrap().to_owned();
    assert!(verifier.starts_with("localhost/audit+"));
    app.app.stop().await;

    let checked = check_proof(&app.app, &bundle, &verifier).await;
    assert!(checked.status.success(), "{}", text(&checked.stderr));
    assert!(text(&checked.stdout).starts_with(&format!("OK: entry {index} ")));

    let mut forged = bundle.clone();
    forged["entry"]["action"] = "identity.token.revoke".into();
    let refused = check_proof(&app.app, &forged, &verifier).await;
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("not in the checkpointed log"),
        "{}",
        text(&refused.stderr)
    );

    let other_key = VerifierKey {
        name: "localhost/audit".into(),
        public_key: [3; 32],
    };
    let wrong_key = check_proof(&app.app, &bundle, &other_key.to_line()).await;
    assert!(!wrong_key.status.success());
}

/// `rampart audit check-proof` on `bundle`, written to a file, with `key`.
async fn check_proof(
    app: &crate::helpers::TestApp,
    bundle: &serde_json::Value,
    key: &str,
) -> std::process::Output {
    let file = app.data_dir.path().join("bundle.json");
    std::fs::write(&file, bundle.to_string()).unwrap();
    rampart_audit(
        app,
        &["check-proof", file.to_str().unwrap(), "--public-key", key],
    )
    .await
}

#[tokio::test]
async fn tenant_a_cannot_read_tenant_b_entries_or_proofs_and_trying_is_logged() {
    let app = spawn_with_mail().await;
    let a = customer(&app, "a@example.com", &["access-log:read"]).await;
    let b = customer(&app, "b@example.com", &["access-log:read"]).await;
    let b_entries = access_log(&app.app, &b.token, "").await;
    let b_index = b_entries[0]["index"].as_u64().unwrap();
    checkpoint_of_at_least(&app.app, &b.token, b_index + 1).await;

    let (status, body) = api_get(
        &app.app,
        &format!("/api/v1/audit/proof/{b_index}"),
        &a.token,
    )
    .await;
    assert_eq!(status, 404, "{body}");
    let (missing, _) = api_get(&app.app, "/api/v1/audit/proof/999999", &a.token).await;
    assert_eq!(
        missing, 404,
        "another tenant's entry looks exactly like a missing one"
    );

    let a_entries = access_log(&app.app, &a.token, "").await;
    let b_id = b_index.to_string();
    assert!(
        a_entries
            .iter()
            .all(|e| e["tenant_id"] == a.tenant_id.as_str())
    );
    let denial = a_entries
        .iter()
        .find(|e| e["action"] == "audit.proof.read" && e["resource_ids"][0] == b_id.as_str())
        .expect("the refused proof request is in A's log");
    assert_eq!(denial["outcome"], "denied");
    assert!(
        access_log(&app.app, &b.token, "")
            .await
            .iter()
            .all(|e| e["tenant_id"] == b.tenant_id.as_str())
    );

    // A's token cannot read B's token either; that denial is logged in A's log too.
    let (status, _) = api_get(
        &app.app,
        &format!("/api/v1/tokens/{}", b.token_id),
        &a.token,
    )
    .await;
    assert_eq!(status, 404);
    let denied_read = access_log(&app.app, &a.token, "action=identity.token.read").await;
    assert_eq!(denied_read[0]["outcome"], "denied");
}

#[tokio::test]
async fn a_token_without_the_access_log_scope_is_refused_and_the_refusal_is_logged() {
    let app = spawn_with_mail().await;
    let mut owner = customer(&app, "owner@example.com", &["access-log:read"]).await;
    let narrow = create_token(&mut owner.visitor, &["contacts:read"]).await;
    let (status, body) = api_get(&app.app, "/api/v1/access-log", &narrow).await;
    assert_eq!(status, 403, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("access-log:read"));
    let (unauthenticated, _) = api_get(&app.app, "/api/v1/audit/checkpoint", "").await;
    assert_eq!(unauthenticated, 401);
    let refusals = access_log(&app.app, &owner.token, "action=audit.access_log.read").await;
    assert_eq!(refusals.len(), 1);
    assert_eq!(refusals[0]["outcome"], "denied");
    assert_eq!(refusals[0]["actor_kind"], "token");
}

#[tokio::test]
async fn the_access_log_filters_and_pages_and_refuses_bad_parameters() {
    let app = spawn_with_mail().await;
    let c = customer(&app, "pager@example.com", &["access-log:read"]).await;
    for _ in 0..3 {
        api_get(
            &app.app,
            &format!("/api/v1/tokens/{}", c.token_id),
            &c.token,
        )
        .await;
    }
    let everything = access_log(&app.app, &c.token, "").await;
    let indexes: Vec<u64> = everything
        .iter()
        .map(|e| e["index"].as_u64().unwrap())
        .collect();
    assert!(
        indexes.windows(2).all(|w| w[0] > w[1]),
        "newest first: {indexes:?}"
    );

    let mut paged = Vec::new();
    let mut path = "/api/v1/access-log?limit=1&actor_kind=token".to_owned();
    loop {
        let (status, body) = api_get(&app.app, &path, &c.token).await;
        assert_eq!(status, 200);
        assert!(body["items"].as_array().unwrap().len() <= 1);
        paged.extend(
            body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["index"].as_u64().unwrap()),
        );
        match body["next_cursor"].as_str() {
            Some(cursor) => {
                path = format!("/api/v1/access-log?limit=1&actor_kind=token&cursor={cursor}")
            }
            None => break,
        }
    }
    let by_tokens: Vec<u64> = everything
        .iter()
        .filter(|e| e["actor_kind"] == "token")
        .map(|e| e["index"].as_u64().unwrap())
        .collect();
    assert!(by_tokens.len() >= 3);
    // The page reads are logged as they happen, so the paged walk sees at least these.
    assert!(
        by_tokens.iter().all(|i| paged.contains(i)),
        "{paged:?} {by_tokens:?}"
    );

    let future = access_log(&app.app, &c.token, "since=2999-01-01T00:00:00Z").await;
    assert!(future.is_empty());
    for bad in [
        "limit=0",
        "limit=201",
        "actor_kind=robot",
        "since=yesterday",
        "cursor=not-a-cursor",
        // PostgreSQL refuses a NUL in text; it must never get there.
        "action=%00vault.contact.read",
        "action=Vault%20Contact",
    ] {
        let (status, body) =
            api_get(&app.app, &format!("/api/v1/access-log?{bad}"), &c.token).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert_eq!(body["status"], 400);
    }
}

#[tokio::test]
async fn consecutive_checkpoints_are_signed_and_consistent() {
    let app = spawn_with_mail().await;
    let c = customer(&app, "consistent@example.com", &["access-log:read"]).await;
    let first = checkpoint_of_at_least(&app.app, &c.token, 1).await;
    let first_size = first["tree_size"].as_u64().unwrap();
    for _ in 0..5 {
        api_get(
            &app.app,
            &format!("/api/v1/tokens/{}", c.token_id),
            &c.token,
        )
        .await;
    }
    let second = checkpoint_of_at_least(&app.app, &c.token, first_size + 5).await;
    let second_size = second["tree_size"].as_u64().unwrap();

    let (_, key) = api_get(&app.app, "/api/v1/audit/public-key", "").await;
    let verifier = VerifierKey::parse_line(key["verifier_key"].as_str().unwrap()).unwrap();
    for checkpoint in [&first, &second] {
        let opened = verifier.open(checkpoint["note"].as_str().unwrap()).unwrap();
        assert_eq!(opened.tree_size, checkpoint["tree_size"].as_u64().unwrap());
        assert_eq!(opened.root, hash(&checkpoint["root_hash"]));
    }
    let (status, body) = api_get(
        &app.app,
        &format!("/api/v1/audit/consistency?from={first_size}&to={second_size}"),
        &c.token,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let proof: Vec<[u8; 32]> = body["proof"].as_array().unwrap().iter().map(hash).collect();
    verify_consistency(
        first_size,
        second_size,
        &proof,
        &hash(&first["root_hash"]),
        &hash(&second["root_hash"]),
    )
    .unwrap();
    let (status, _) = api_get(&app.app, "/api/v1/audit/consistency?from=0&to=1", &c.token).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn the_trust_page_publishes_the_key_that_checks_checkpoints() {
    let app = spawn_with_mail().await;
    let (status, key) = api_get(&app.app, "/api/v1/audit/public-key", "").await;
    assert_eq!(status, 200);
    assert_eq!(key["algorithm"], "Ed25519");
    assert!(
        key["pem"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN PUBLIC KEY-----")
    );
    let page = app
        .app
        .get(&app.app.url("/security"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(r#"id="access-log""#));
    assert!(page.contains(key["verifier_key"].as_str().unwrap()));
}

#[tokio::test]
async fn the_proof_of_an_entry_newer_than_every_checkpoint_is_a_conflict_to_retry() {
    let app = crate::identity::support::spawn_with_mail_and(|config| {
        config.audit.checkpoint_interval_ms = 3_600_000;
    })
    .await;
    let alice = customer(&app, "alice@example.com", &["access-log:read"]).await;
    let entries = access_log(&app.app, &alice.token, "").await;
    let newest = entries[0]["index"].as_u64().unwrap();
    let response = app
        .app
        .client
        .get(app.app.url(&format!("/api/v1/audit/proof/{newest}")))
        .bearer_auth(&alice.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 409);
    assert_eq!(response.headers()["retry-after"], "1");
    let problem: serde_json::Value = response.json().await.unwrap();
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("no checkpoint covers this entry yet"),
        "{problem}"
    );
}
