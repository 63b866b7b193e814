//! The contacts API: create, read, update, delete, search and page, each write and read in
//! the access log, and bad input refused.

use reqwest::Method;
use serde_json::json;

use super::support::{api_send, create_contact, names, search_all};
use crate::audit::support::{access_log, api_get, customer};
use crate::identity::support::spawn_with_mail;

const ALL: &[&str] = &["contacts:read", "contacts:write", "access-log:read"];

#[tokio::test]
async fn a_contact_is_created_read_updated_and_deleted_through_the_api() {
    let app = spawn_with_mail().await;
    let c = customer(&app, "crud@example.com", ALL).await;
    let created = create_contact(
        &app.app,
        &c.token,
        json!({
            "name": "Ada Lovelace",
            "phones": ["+44 20 7946 0958"],
            "emails": ["Ada@Example.com"],
            "tags": ["VIP"],
            "notes": "prefers mornings",
            "channels": {"email": {"consent": true}}
        }),
    )
    .await;
    let id = created["id"].as_str().unwrap();
    assert!(id.starts_with("ctc_"));
    assert_eq!(created["phones"], json!(["+442079460958"]));
    assert_eq!(created["emails"], json!(["ada@example.com"]));
    assert_eq!(created["tags"], json!(["vip"]));
    assert_eq!(created["channels"]["email"]["consent"], true);

    let (status, read) = api_get(&app.app, &format!("/api/v1/contacts/{id}"), &c.token).await;
    assert_eq!(status, 200);
    assert_eq!(read, created);

    let (status, updated) = api_send(
        &app.app,
        Method::PATCH,
        &format!("/api/v1/contacts/{id}"),
        &c.token,
        &json!({"phones": ["+33 6 12 34 56 78"], "channels": {"sms": {"opted_out": true}}}),
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["phones"], json!(["+33612345678"]));
    assert_eq!(
        updated["name"], "Ada Lovelace",
        "what the patch leaves stays"
    );
    assert_eq!(updated["channels"]["sms"]["opted_out"], true);

    let (status, _) = api_send(
        &app.app,
        Method::DELETE,
        &format!("/api/v1/contacts/{id}"),
        &c.token,
        &json!(null),
    )
    .await;
    assert_eq!(status, 204);
    let (status, gone) = api_get(&app.app, &format!("/api/v1/contacts/{id}"), &c.token).await;
    assert_eq!(status, 404);
    assert_eq!(
        gone["type"].as_str().unwrap().rsplit('/').next(),
        Some("not-found")
    );
    assert!(
        search_all(&app.app, &c.token, "phone=%2B33612345678")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn an_invalid_contact_is_refused_with_each_field_named_and_nothing_is_stored() {
    let app = spawn_with_mail().await;
    let c = customer(&app, "invalid@example.com", ALL).await;
    let (status, problem) = api_send(
        &app.app,
        Method::POST,
        "/api/v1/contacts",
        &c.token,
        &json!({"name": "", "phones": ["020 7946 0958"], "emails": ["nope"], "tags": ["a,b"]}),
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    for field in ["name", "phones", "emails", "tags"] {
        assert!(problem["errors"][field].is_string(), "{field}: {problem}");
    }
    let (status, problem) = api_send(
        &app.app,
        Method::POST,
        "/api/v1/contacts",
        &c.token,
        &json!({"name": "Ada", "password": "x"}),
    )
    .await;
    assert_eq!(status, 422, "unknown fields are refused: {problem}");
    let (status, _) = api_get(&app.app, "/api/v1/contacts?limit=500", &c.token).await;
    assert_eq!(status, 422);
    assert!(search_all(&app.app, &c.token, "").await.is_empty());
}

#[tokio::test]
async fn searches_find_contacts_by_exact_phone_email_tag_name_words_and_opt_out_page_by_page() {
    let app = spawn_with_mail().await;
    let c = customer(&app, "search@example.com", ALL).await;
    for (name, phone, email, tag, opted_out) in [
        (
            "Ada Lovelace",
            "+442079460001",
            "ada@example.com",
            "vip",
            false,
        ),
        (
            "Charles Babbage",
            "+442079460002",
            "charles@example.com",
            "vip",
            true,
        ),
        (
            "Grace Hopper",
            "+12125550100",
            "grace@example.org",
            "navy",
            false,
        ),
        (
            "Alan Turing",
            "+442079460004",
            "alan@example.com",
            "",
            false,
        ),
        ("Ada Byron", "+442079460005", "byron@example.com", "", false),
    ] {
        create_contact(
            &app.app,
            &c.token,
            json!({
                "name": name, "phones": [phone], "emails": [email],
                "tags": if tag.is_empty() { json!([]) } else { json!([tag]) },
                "channels": {"call": {"opted_out": opted_out}}
            }),
        )
        .await;
    }
    let find = |query: &'static str| {
        let (app, token) = (&app.app, c.token.clone());
        async move { names(&search_all(app, &token, query).await) }
    };
    assert_eq!(
        find("phone=%2B1%20212%20555%200100").await,
        ["Grace Hopper"]
    );
    assert_eq!(find("email=ALAN%40example.com").await, ["Alan Turing"]);
    assert_eq!(find("tag=VIP").await, ["Ada Lovelace", "Charles Babbage"]);
    assert_eq!(find("q=ada").await, ["Ada Byron", "Ada Lovelace"]);
    assert_eq!(find("q=lovelace%20ADA").await, ["Ada Lovelace"]);
    assert_eq!(
        find("q=lov").await,
        Vec::<String>::new(),
        "whole words only"
    );
    assert_eq!(find("opted_out=true").await, ["Charles Babbage"]);
    assert_eq!(find("tag=vip&opted_out=false").await, ["Ada Lovelace"]);
    assert_eq!(find("phone=%2B442079469999").await, Vec::<String>::new());

    let paged = search_all(&app.app, &c.token, "limit=2&").await;
    assert_eq!(paged.len(), 5, "three pages of two, each contact once");
    let mut ids: Vec<&str> = paged.iter().map(|c| c["id"].as_str().unwrap()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 5);
    let (status, problem) = api_get(&app.app, "/api/v1/contacts?cursor=bogus", &c.token).await;
    assert_eq!(status, 422);
    assert!(problem["errors"]["cursor"].is_string());
}

#[tokio::test]
async fn every_read_and_write_of_a_contact_is_in_the_access_log_with_the_fields_it_changed() {
    let app = spawn_with_mail().await;
    let c = customer(&app, "logged@example.com", ALL).await;
    let created = create_contact(&app.app, &c.token, json!({"name": "Ada", "notes": "n"})).await;
    let id = created["id"].as_str().unwrap();
    api_get(&app.app, &format!("/api/v1/contacts/{id}"), &c.token).await;
    api_send(
        &app.app,
        Method::PATCH,
        &format!("/api/v1/contacts/{id}"),
        &c.token,
        &json!({"phones": ["+442079460958"], "notes": "changed"}),
    )
    .await;
    search_all(&app.app, &c.token, "q=ada").await;
    let log = access_log(&app.app, &c.token, "").await;
    let entry = |action: &str| {
        log.iter()
            .find(|e| e["action"] == action)
            .unwrap_or_else(|| panic!("no {action} entry in {log:#?}"))
            .clone()
    };
    let create = entry("vault.contact.create");
    assert_eq!(create["resource_ids"], json!([id]));
    assert_eq!(create["details"], "name,notes");
    let update = entry("vault.contact.update");
    assert_eq!(update["details"], "phones,notes");
    assert_eq!(entry("vault.contact.read")["resource_ids"], json!([id]));
    assert_eq!(entry("vault.contact.list")["resource_ids"], json!([id]));
    let text = serde_json::to_string(&log).unwrap();
    for secret in ["+442079460958", "changed"] {
        assert!(!text.contains(secret), "the log names fields, never values");
    }
}

#[tokio::test]
async fn a_token_without_a_contacts_scope_is_refused_and_the_refusal_is_logged() {
    let app = spawn_with_mail().await;
    let c = customer(
        &app,
        "scoped@example.com",
        &["contacts:read", "access-log:read"],
    )
    .await;
    let (status, problem) = api_send(
        &app.app,
        Method::POST,
        "/api/v1/contacts",
        &c.token,
        &json!({"name": "Ada"}),
    )
    .await;
    assert_eq!(status, 403, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("contacts:write")
    );
    let log = access_log(&app.app, &c.token, "").await;
    assert!(
        log.iter()
            .any(|e| e["action"] == "vault.contact.access" && e["outcome"] == "denied"),
        "{log:#?}"
    );
    let (status, _) = app
        .app
        .client
        .get(app.app.url("/api/v1/contacts"))
        .send()
        .await
        .map(|r| (r.status().as_u16(), ()))
        .unwrap();
    assert_eq!(status, 401, "the API takes bearer tokens only");
}

#[tokio::test]
async fn a_create_retried_with_its_idempotency_key_answers_the_first_contact_again() {
    let app = spawn_with_mail().await;
    let c = customer(&app, "retry@example.com", ALL).await;
    let post = |body: serde_json::Value| {
        app.app
            .client
            .post(app.app.url("/api/v1/contacts"))
            .bearer_auth(&c.token)
            .header("Idempotency-Key", "order-7f3a")
            .json(&body)
            .send()
    };
    let first = post(json!({"name": "Ada"})).await.unwrap();
    assert_eq!(first.status(), 201);
    let location = first.headers()["location"].to_str().unwrap().to_owned();
    let first: serde_json::Value = first.json().await.unwrap();
    let again = post(json!({"name": "Ada"})).await.unwrap();
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["location"].to_str().unwrap(), location);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again: serde_json::Value = again.json().await.unwrap();
    assert_eq!(again, first, "the same contact, not a second one");
    assert_eq!(search_all(&app.app, &c.token, "").await.len(), 1);
    let other = post(json!({"name": "Someone else"})).await.unwrap();
    assert_eq!(
        other.status(),
        422,
        "a key reused for another request is refused"
    );
    assert_eq!(search_all(&app.app, &c.token, "").await.len(), 1);
}
