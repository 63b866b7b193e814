//! Bad input of every kind gets a clear 4xx, never a 5xx: a table of malformed requests sent
//! as raw bytes, and the shape of the error documents.

use crate::helpers::{raw_https, spawn_app, spawn_app_with};

#[tokio::test]
async fn malformed_requests_get_a_4xx_and_never_a_5xx() {
    let app = spawn_app_with(|c| c.server.body_limit_bytes = 4096).await;
    let big_body = format!(
        "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{}",
        "a".repeat(100)
    );
    let cases: Vec<(&str, Vec<u8>, Option<u16>)> = vec![
        ("unknown path", b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(), Some(404)),
        ("unknown API path", b"GET /api/v1/nope HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(), Some(404)),
        ("wrong method", b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n".to_vec(), Some(405)),
        ("unknown method", b"BREW /healthz HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(), Some(405)),
        ("invalid UTF-8 in the path", b"GET /%FF%FE HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(), Some(404)),
        ("raw non-UTF-8 bytes in the path", b"GET /\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(), Some(400)),
        ("broken percent-encoding", b"GET /security?a=%ZZ&&=&%% HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(), Some(200)),
        ("NUL in the path", b"GET /api/v1/x%00y HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(), Some(404)),
        ("path traversal", b"GET /static/../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(), Some(404)),
        ("body over the limit", big_body.into_bytes(), Some(413)),
        ("garbage request line", b"\x16\x03\x01 hello\r\n\r\n".to_vec(), Some(400)),
        ("header without a colon", b"GET /healthz HTTP/1.1\r\nHost: x\r\nbroken header\r\n\r\n".to_vec(), Some(400)),
        ("conflicting lengths", b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello".to_vec(), Some(400)),
        ("unsupported transfer coding", b"POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n".to_vec(), Some(400)),
        ("HTTP/0.9-style request", b"GET /\r\n\r\n".to_vec(), Some(400)),
    ];
    for (what, request, expected) in cases {
        let status = raw_https(app.public, &request).await;
        if let Some(status) = status {
            assert!(
                (400..500).contains(&status) || status == 200,
                "{what}: got {status}"
            );
        }
        assert_eq!(status, expected, "{what}");
    }
}

#[tokio::test]
async fn api_errors_are_problem_documents() {
    let app = spawn_app().await;
    let response = app
        .client
        .delete(app.url("/api/v1/nothing-here?x=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let problem: serde_json::Value = response.json().await.unwrap();
    assert_eq!(problem["type"], "/problems/not-found");
    assert_eq!(problem["status"], 404);
    assert_eq!(problem["title"], "Not found");
    assert!(problem["detail"].as_str().is_some_and(|d| !d.is_empty()));
}

#[tokio::test]
async fn page_errors_are_html_pages_with_the_request_id() {
    let app = spawn_app().await;
    let response = app.client.post(app.url("/security")).send().await.unwrap();
    assert_eq!(response.status(), 405);
    assert!(response.headers().contains_key("allow"));
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    let id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let html = response.text().await.unwrap();
    assert!(html.contains("Method not allowed"), "{html}");
    assert!(html.contains("This address does not accept POST"), "{html}");
    assert!(html.contains(&id));
}

#[tokio::test]
async fn scanned_paths_answer_404_without_reaching_files() {
    let app = spawn_app().await;
    for path in [
        "/.env",
        "/.git/config",
        "/static/../Cargo.toml",
        "/static/%2e%2e/%2e%2e/etc/passwd",
        "/wp-admin/",
    ] {
        let response = app.get(&app.url(path)).await;
        assert_eq!(response.status(), 404, "{path}");
    }
}

#[tokio::test]
async fn every_problem_type_leads_to_a_page_that_explains_it() {
    let app = spawn_app().await;
    let problem: serde_json::Value = app
        .get(&app.url("/api/v1/nothing"))
        .await
        .json()
        .await
        .unwrap();
    let type_uri = problem["type"].as_str().unwrap();
    let page = app.get(&app.url(type_uri)).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("<h1>Not found</h1>") && html.contains("HTTP 404"),
        "{html}"
    );
    let index = app.get(&app.url("/problems")).await.text().await.unwrap();
    for slug in [
        "malformed-json",
        "validation-failed",
        "rate-limited",
        "payload-too-large",
    ] {
        assert!(
            index.contains(&format!("/problems/{slug}")),
            "{slug} missing from the index"
        );
    }
    assert_eq!(
        app.get(&app.url("/problems/no-such-thing")).await.status(),
        404
    );
}
