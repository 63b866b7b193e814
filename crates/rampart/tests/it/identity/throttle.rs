//! Brute force: growing delays per identifier, the same for unknown ones, and the same
//! answers for known and unknown addresses.

use super::support::{PASSWORD, Page, spawn_with_mail};

/// A page without the parts that differ by design between two visitors (the CSRF token).
fn comparable(page: &Page) -> (u16, Option<String>, String) {
    let token = page.csrf_token().unwrap_or_default();
    (
        page.status,
        page.headers
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_owned()),
        page.body.replace(&token, "TOKEN"),
    )
}

#[tokio::test]
async fn the_sixth_wrong_password_is_delayed_identically_for_known_and_unknown_addresses() {
    let app = spawn_with_mail().await;
    app.signed_up("ada@example.com", "Engines").await;
    let mut known = app.visitor();
    let mut unknown = app.visitor();
    for attempt in 1..=5 {
        let k = known
            .log_in("ada@example.com", "wrong password number x")
            .await;
        let u = unknown
            .log_in("nobody@example.com", "wrong password number x")
            .await;
        assert_eq!(k.status, 401, "attempt {attempt}");
        assert!(
            k.body.contains("the email or password is incorrect")
                || k.body.contains("The email or password is incorrect")
        );
        let (mut kc, mut uc) = (comparable(&k), comparable(&u));
        kc.2 = kc.2.replace("ada@example.com", "EMAIL");
        uc.2 = uc.2.replace("nobody@example.com", "EMAIL");
        assert_eq!(
            kc, uc,
            "attempt {attempt}: known and unknown answers differ"
        );
    }
    let k = known.log_in("ada@example.com", PASSWORD).await;
    let u = unknown.log_in("nobody@example.com", PASSWORD).await;
    for page in [&k, &u] {
        page.assert_status(429);
        let wait: u64 = page.headers["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(wait >= 1, "a delay is announced");
        assert!(page.body.contains("Too many failed attempts"));
    }
    assert!(
        known.cookie("__Host-rampart-session").is_none(),
        "even the right password waits"
    );
    app.mail_to("ada@example.com", "Repeated failed log-ins")
        .await;
}

#[tokio::test]
async fn the_right_password_clears_the_failures_before_it() {
    let app = spawn_with_mail().await;
    app.signed_up("ada@example.com", "Engines").await;
    let mut visitor = app.visitor();
    for round in 1..=2 {
        for attempt in 1..=4 {
            let page = visitor
                .log_in("ada@example.com", "wrong password number x")
                .await;
            assert_eq!(page.status, 401, "round {round}, attempt {attempt}");
        }
        // Had the first round's four failures stayed, the second round's would pass the
        // five that are free and this log-in would be delayed.
        visitor
            .log_in("ada@example.com", PASSWORD)
            .await
            .assert_status(303);
    }
}

#[tokio::test]
async fn one_address_gets_a_limited_burst_of_attempts() {
    let app = spawn_with_mail_and_limit().await;
    let mut visitor = app.visitor();
    let mut statuses = Vec::new();
    for n in 0..6 {
        let page = visitor
            .log_in(&format!("person{n}@example.com"), "whatever password here")
            .await;
        statuses.push(page.status);
    }
    assert_eq!(statuses[..3], [401, 401, 401]);
    assert!(statuses[3..].iter().all(|s| *s == 429), "{statuses:?}");
}

async fn spawn_with_mail_and_limit() -> super::support::IdentityApp {
    super::support::spawn_with_mail_and(|config| {
        config.identity.per_ip_burst = 3;
        config.identity.per_ip_per_minute = 1;
    })
    .await
}

#[tokio::test]
async fn when_the_hashing_pool_is_full_log_ins_get_503_with_retry_after() {
    let app = super::support::spawn_with_mail_and(|config| {
        // One hash at a time, and no waiting for a place in the queue.
        config.identity.hashing_memory_budget_mib = 19;
        config.identity.hashing_queue_wait_ms = 0;
    })
    .await;
    let mut visitors = Vec::new();
    for _ in 0..12 {
        let mut visitor = app.visitor();
        visitor.get("/login").await;
        visitors.push(visitor);
    }
    let attempts = visitors
        .iter_mut()
        .enumerate()
        .map(|(n, visitor)| async move {
            let email = format!("someone{n}@example.com");
            visitor
                .post(
                    "/login",
                    &[("email", &email), ("password", "not the password 123")],
                )
                .await
        });
    let pages = futures_util::future::join_all(attempts).await;
    let busy: Vec<&Page> = pages.iter().filter(|p| p.status == 503).collect();
    assert!(
        !busy.is_empty(),
        "12 concurrent log-ins on one hashing slot: some must wait"
    );
    for page in busy {
        assert_eq!(page.headers["retry-after"], "1");
        assert!(
            page.body
                .contains("Too many log-ins are being checked right now")
        );
    }
    assert!(pages.iter().all(|p| p.status == 503 || p.status == 401));
}
