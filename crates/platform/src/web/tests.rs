//! The web stack under test with a router of its own: every kind of bad input gets the
//! right 4xx and document, panics stay opaque, and shutdown lets in-flight requests finish.
#![allow(clippy::unwrap_used, clippy::panic, reason = "tests fail loudly")]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, Query};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use super::{ApiJson, ServeOptions, StackSettings, serve, with_common_layers};
use crate::metrics::Metrics;

#[derive(Debug, Deserialize)]
#[allow(dead_code, reason = "fields exist to be deserialised")]
struct Item {
    name: String,
    count: u32,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code, reason = "fields exist to be deserialised")]
struct Page {
    limit: u8,
}

async fn create(ApiJson(item): ApiJson<Item>) -> String {
    format!("{item:?}")
}

#[allow(clippy::panic, reason = "the route exists to panic")]
async fn explode() -> &'static str {
    panic!("secret internal detail")
}

fn router() -> Router {
    Router::new()
        .route(
            "/api/items",
            post(create).get(|Query(page): Query<Page>| async move { format!("{page:?}") }),
        )
        .route(
            "/api/items/{id}",
            get(|Path(id): Path<u32>| async move { id.to_string() }),
        )
        .route("/api/explode", get(explode))
        .route("/page/explode", get(explode))
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(700)).await;
                "finished"
            }),
        )
}

struct Served {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

async fn start(request_timeout: Duration) -> Served {
    let settings = StackSettings {
        listener: "test",
        body_limit: 2048,
        uploads: super::Uploads::default(),
        request_timeout,
        metrics: Arc::new(Metrics::new()),
    };
    let app = with_common_layers(router(), &settings);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let options = ServeOptions {
        name: "test",
        header_timeout: Duration::from_secs(5),
        grace: Duration::from_secs(5),
    };
    let task = tokio::spawn(serve(listener, None, app, options, async move {
        let _ = stopped.await;
    }));
    Served {
        addr,
        stop: Some(stop),
        task,
    }
}

async fn send(
    served: &Served,
    method: &str,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (u16, String, String) {
    let client = reqwest::Client::new();
    let mut request = client
        .request(
            method.parse().unwrap(),
            format!("http://{}{path}", served.addr),
        )
        .body(body);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, response.text().await.unwrap())
}

/// Method, path, content type, body, expected status, expected problem type.
type Case<'a> = (&'a str, &'a str, Option<&'a str>, Vec<u8>, u16, &'a str);

#[tokio::test]
async fn each_kind_of_bad_input_gets_its_4xx_and_problem_type() {
    let served = start(Duration::from_secs(5)).await;
    let json = Some("application/json");
    let cases: Vec<Case<'_>> = vec![
        (
            "POST",
            "/api/items",
            json,
            br#"{"name":"a","count":1}"#.to_vec(),
            200,
            "",
        ),
        (
            "POST",
            "/api/items",
            json,
            b"{not json".to_vec(),
            400,
            "/problems/malformed-json",
        ),
        (
            "POST",
            "/api/items",
            json,
            b"".to_vec(),
            400,
            "/problems/malformed-json",
        ),
        (
            "POST",
            "/api/items",
            json,
            b"{\"name\":\"\xff\xfe\",\"count\":1}".to_vec(),
            400,
            "/problems/malformed-json",
        ),
        (
            "POST",
            "/api/items",
            json,
            br#"{"name":"a","count":-1}"#.to_vec(),
            422,
            "/problems/validation-failed",
        ),
        (
            "POST",
            "/api/items",
            json,
            br#"{"name":"a"}"#.to_vec(),
            422,
            "/problems/validation-failed",
        ),
        (
            "POST",
            "/api/items",
            Some("text/plain"),
            br#"{"name":"a","count":1}"#.to_vec(),
            415,
            "/problems/unsupported-media-type",
        ),
        (
            "POST",
            "/api/items",
            None,
            br#"{"name":"a","count":1}"#.to_vec(),
            415,
            "/problems/unsupported-media-type",
        ),
        (
            "POST",
            "/api/items",
            json,
            vec![b' '; 10_000],
            413,
            "/problems/payload-too-large",
        ),
        (
            "GET",
            "/api/items/abc",
            None,
            vec![],
            400,
            "/problems/bad-request",
        ),
        (
            "GET",
            "/api/items/99999999999",
            None,
            vec![],
            400,
            "/problems/bad-request",
        ),
        (
            "GET",
            "/api/items/%FF",
            None,
            vec![],
            400,
            "/problems/bad-request",
        ),
        (
            "GET",
            "/api/items?limit=many",
            None,
            vec![],
            400,
            "/problems/bad-request",
        ),
        (
            "GET",
            "/api/items?limit=999",
            None,
            vec![],
            400,
            "/problems/bad-request",
        ),
        (
            "GET",
            "/api/items",
            None,
            vec![],
            400,
            "/problems/bad-request",
        ),
        (
            "PUT",
            "/api/items",
            None,
            vec![],
            405,
            "/problems/method-not-allowed",
        ),
        (
            "GET",
            "/api/nothing",
            None,
            vec![],
            404,
            "/problems/not-found",
        ),
    ];
    for (method, path, content_type, body, status, problem_type) in cases {
        let (got, got_type, text) = send(&served, method, path, content_type, body).await;
        assert_eq!(got, status, "{method} {path}: {text}");
        if status >= 400 {
            assert_eq!(got_type, "application/problem+json", "{method} {path}");
            let problem: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(problem["type"], problem_type, "{method} {path}: {text}");
            assert_eq!(problem["status"], status);
            assert!(problem["title"].as_str().is_some_and(|t| !t.is_empty()));
            assert!(
                problem["detail"].as_str().is_some_and(|d| !d.is_empty()),
                "{method} {path}: {text}"
            );
        }
    }
}

#[tokio::test]
async fn a_panicking_handler_gets_an_opaque_500_on_the_api_and_on_pages() {
    let served = start(Duration::from_secs(5)).await;
    let (status, content_type, body) = send(&served, "GET", "/api/explode", None, vec![]).await;
    assert_eq!(
        (status, content_type.as_str()),
        (500, "application/problem+json")
    );
    assert!(!body.contains("secret internal detail"), "{body}");
    let (status, content_type, body) = send(&served, "GET", "/page/explode", None, vec![]).await;
    assert_eq!(
        (status, content_type.as_str()),
        (500, "text/html; charset=utf-8")
    );
    assert!(!body.contains("secret internal detail"), "{body}");
}

#[tokio::test]
async fn a_request_over_the_time_limit_gets_408() {
    let served = start(Duration::from_millis(100)).await;
    let (status, _, body) = send(&served, "GET", "/slow", None, vec![]).await;
    assert_eq!(status, 408, "{body}");
}

#[tokio::test]
async fn shutdown_lets_in_flight_requests_finish_and_refuses_new_connections() {
    let mut served = start(Duration::from_secs(5)).await;
    let url = format!("http://{}/slow", served.addr);
    let in_flight =
        tokio::spawn(async move { reqwest::get(url).await.unwrap().text().await.unwrap() });
    tokio::time::sleep(Duration::from_millis(200)).await;
    served.stop.take().unwrap().send(()).unwrap();
    assert_eq!(in_flight.await.unwrap(), "finished");
    tokio::time::timeout(Duration::from_secs(5), &mut served.task)
        .await
        .unwrap()
        .unwrap();
    assert!(
        tokio::net::TcpStream::connect(served.addr).await.is_err(),
        "the listener is closed"
    );
}
