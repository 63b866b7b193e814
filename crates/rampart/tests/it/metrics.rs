//! The metrics listener.

use crate::helpers::spawn_app;

#[tokio::test]
async fn metrics_count_requests_by_listener_route_and_status_and_show_the_pool() {
    let app = spawn_app().await;
    for _ in 0..3 {
        app.get(&app.url("/healthz")).await;
    }
    app.get(&app.url("/no/such/page")).await;
    let response = app.get(&app.metrics_url("/metrics")).await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    let text = response.text().await.unwrap();
    let expect = |needle: &str| assert!(text.contains(needle), "{needle} missing from:\n{text}");
    expect(
        r#"rampart_http_requests_total{listener="public",method="GET",route="/healthz",status="200"} 3"#,
    );
    // Unrouted paths share one label, so scanners cannot blow up the series count.
    expect(
        r#"rampart_http_requests_total{listener="public",method="GET",route="unmatched",status="404"} 1"#,
    );
    expect(r#"rampart_http_request_duration_seconds_count{listener="public",route="/healthz"} 3"#);
    expect("rampart_db_pool_connections ");
    expect("rampart_jobs_lease_held ");
}

#[tokio::test]
async fn metrics_are_not_served_on_the_public_listener() {
    let app = spawn_app().await;
    assert_eq!(app.get(&app.url("/metrics")).await.status(), 404);
}
