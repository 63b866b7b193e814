//! Calls to the contacts API with a bearer token.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::audit::support::api_get;
use crate::helpers::TestApp;

/// A request with a JSON body; the status and the JSON answer.
pub async fn api_send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: &Value,
) -> (u16, Value) {
    let response = app
        .client
        .request(method, app.url(path))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

/// Creates a contact and returns it.
pub async fn create_contact(app: &TestApp, token: &str, body: Value) -> Value {
    let (status, contact) =
        api_send(app, reqwest::Method::POST, "/api/v1/contacts", token, &body).await;
    assert_eq!(status, 201, "{contact}");
    contact
}

/// Every contact a search finds, through every page.
pub async fn search_all(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor = String::new();
    loop {
        let (status, body) =
            api_get(app, &format!("/api/v1/contacts?{query}{cursor}"), token).await;
        assert_eq!(status, 200, "{body}");
        items.extend(body["items"].as_array().unwrap().iter().cloned());
        match body["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => return items,
        }
    }
}

/// Posts a CSV file to the import route; the status and the JSON answer.
pub async fn post_import(app: &TestApp, token: &str, query: &str, csv: Vec<u8>) -> (u16, Value) {
    let response = app
        .client
        .post(app.url(&format!("/api/v1/contacts/import?{query}")))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

/// Imports `csv` and waits for the job to end; its final status.
pub async fn import(app: &TestApp, token: &str, query: &str, csv: Vec<u8>) -> Value {
    let (status, started) = post_import(app, token, query, csv).await;
    assert_eq!(status, 202, "{started}");
    let id = started["id"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, body) = api_get(app, &format!("/api/v1/imports/{id}"), token).await;
        assert_eq!(status, 200, "{body}");
        if body["state"] != "running" {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "the import did not finish: {body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub fn names(contacts: &[Value]) -> Vec<String> {
    let mut names: Vec<String> = contacts
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}
