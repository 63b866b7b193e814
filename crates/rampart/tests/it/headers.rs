//! Every response of every listener carries the security headers, and none reveals versions.

use crate::helpers::spawn_app;

const EXPECTED: &[(&str, &str)] = &[
    (
        "strict-transport-security",
        "max-age=63072000; includeSubDomains",
    ),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),
    ("cross-origin-opener-policy", "same-origin"),
];

const CSP_DIRECTIVES: &[&str] = &[
    "default-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
];

fn assert_secure(response: &reqwest::Response, what: &str) {
    let headers = response.headers();
    for (name, value) in EXPECTED {
        assert_eq!(
            headers.get(*name).map(|v| v.to_str().unwrap()),
            Some(*value),
            "{name} on {what}"
        );
    }
    let max_age: u64 = headers["strict-transport-security"].to_str().unwrap()["max-age=".len()..]
        .split(';')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        max_age >= 365 * 24 * 3600,
        "HSTS shorter than a year on {what}"
    );
    let csp = headers["content-security-policy"].to_str().unwrap();
    for directive in CSP_DIRECTIVES {
        assert!(
            csp.split(';').any(|d| d.trim() == *directive),
            "CSP lacks {directive} on {what}: {csp}"
        );
    }
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
        "CSP allows inline code on {what}"
    );
    let permissions = headers["permissions-policy"].to_str().unwrap();
    assert!(
        permissions.contains("camera=()") && permissions.contains("geolocation=()"),
        "{what}"
    );
    assert!(
        headers.get("x-request-id").is_some_and(|v| !v.is_empty()),
        "x-request-id on {what}"
    );
    for revealing in ["server", "x-powered-by", "via", "x-aspnet-version"] {
        assert!(
            headers.get(revealing).is_none(),
            "{revealing} present on {what}"
        );
    }
}

#[tokio::test]
async fn every_response_of_every_listener_carries_the_security_headers() {
    let app = spawn_app().await;
    let requests = [
        ("GET", app.url("/healthz")),
        ("GET", app.url("/security")),
        ("GET", app.url("/static/rampart.css")),
        ("GET", app.url("/does-not-exist")),
        ("GET", app.url("/api/v1/does-not-exist")),
        ("DELETE", app.url("/healthz")),
        ("GET", app.staff_url("/healthz")),
        ("GET", app.staff_url("/does-not-exist")),
        ("GET", app.metrics_url("/metrics")),
        ("POST", app.metrics_url("/metrics")),
        ("GET", app.redirect_url("/anything?x=1")),
        ("PUT", app.redirect_url("/")),
    ];
    for (method, url) in requests {
        let response = app
            .client
            .request(method.parse().unwrap(), &url)
            .send()
            .await
            .unwrap();
        assert_secure(
            &response,
            &format!("{method} {url} ({})", response.status()),
        );
    }
}

#[tokio::test]
async fn a_request_id_sent_by_the_caller_is_kept_only_when_it_is_plain() {
    let app = spawn_app().await;
    let sent = |id: &'static str| {
        app.client
            .get(app.url("/healthz"))
            .header("x-request-id", id)
            .send()
    };
    let kept = sent("trace-abc_123.4").await.unwrap();
    assert_eq!(kept.headers()["x-request-id"], "trace-abc_123.4");
    let replaced = sent("evil\" injected=1").await.unwrap();
    let id = replaced.headers()["x-request-id"].to_str().unwrap();
    assert!(id.starts_with("req_"), "{id}");
}

#[tokio::test]
async fn request_ids_differ_between_requests() {
    let app = spawn_app().await;
    let first = app.get(&app.url("/healthz")).await.headers()["x-request-id"].clone();
    let second = app.get(&app.url("/healthz")).await.headers()["x-request-id"].clone();
    assert_ne!(first, second);
}
