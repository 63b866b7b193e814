//! The CSRF middleware on a router of its own: URL-encoded forms carry their token in the
//! body, uploads in the query string of their action, and both must come from the origin.
#![allow(clippy::unwrap_used, reason = "tests fail loudly")]

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::from_fn_with_state;
use axum::routing::post;
use tower::ServiceExt;

use super::{COOKIE, CsrfGuard, CsrfToken, csrf_protect};
use crate::crypto::MasterKey;

const ORIGIN: &str = "https://rampart.example";
/// The browser's CSRF cookie: 32 random bytes in hex.
const BROWSER: &str = "5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f";
const MULTIPART: &str = "multipart/form-data; boundary=XyZ";
const URLENCODED: &str = "application/x-www-form-urlencoded";

fn guard() -> CsrfGuard {
    CsrfGuard::new(&MasterKey::from_bytes(&[7; 32]), ORIGIN)
}

/// Answers with the size of the body it read and whether the page's token was passed on.
async fn count(request: Request) -> String {
    let passed_on = request.extensions().get::<CsrfToken>().is_some();
    let body = to_bytes(request.into_body(), usize::MAX).await.unwrap();
    format!("{} {passed_on}", body.len())
}

async fn send(path: &str, content_type: &str, origin: &str, body: Vec<u8>) -> (StatusCode, String) {
    let app = Router::new()
        .route("/upload", post(count))
        .route_layer(from_fn_with_state(guard(), csrf_protect));
    let request = Request::post(path)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::ORIGIN, origin)
        .header(header::COOKIE, format!("{COOKIE}={BROWSER}"))
        .body(Body::from(body))
        .unwrap();
    let response = app.oneshot(request).await.unwrap();
    let status = response.status();
    let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (status, String::from_utf8_lossy(&body).into_owned())
}

fn token() -> String {
    guard().token_for(BROWSER)
}

/// A multipart body larger than any form the middleware would read, with `extra` first.
fn upload_body(extra: &str) -> Vec<u8> {
    let mut body = format!(
        "--XyZ\r\n{extra}Content-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\n"
    )
    .into_bytes();
    body.extend(std::iter::repeat_n(b'a', 2 * 1024 * 1024));
    body.extend_from_slice(b"\r\n--XyZ--\r\n");
    body
}

#[tokio::test]
async fn an_upload_with_its_token_in_the_query_string_is_passed_on_unread() {
    let body = upload_body("");
    let size = body.len();
    let path = format!("/upload?csrf_token={}", token());
    let (status, text) = send(&path, MULTIPART, ORIGIN, body).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(
        text,
        format!("{size} true"),
        "the whole body reaches the handler"
    );
}

#[tokio::test]
async fn an_upload_without_its_token_in_the_query_string_or_from_another_site_is_refused() {
    let in_body = format!(
        "Content-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{}\r\n--XyZ\r\n",
        token()
    );
    let good = format!("/upload?csrf_token={}", token());
    let other = guard().token_for(&"6a".repeat(32));
    let cases = [
        ("/upload".to_owned(), ORIGIN, in_body.as_str()),
        (format!("/upload?csrf_token={other}"), ORIGIN, ""),
        ("/upload?csrf_token=".to_owned(), ORIGIN, ""),
        (good, "https://evil.example", ""),
    ];
    for (path, origin, extra) in cases {
        let (status, text) = send(&path, MULTIPART, origin, upload_body(extra)).await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "{path} from {origin}: {text}"
        );
    }
}

#[tokio::test]
async fn a_url_encoded_form_carries_its_token_in_its_body_only() {
    let form = format!("name=a&csrf_token={}", token()).into_bytes();
    let (status, text) = send("/upload", URLENCODED, ORIGIN, form.clone()).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(text, format!("{} true", form.len()));
    let path = format!("/upload?csrf_token={}", token());
    let (status, _) = send(&path, URLENCODED, ORIGIN, b"name=a".to_vec()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
