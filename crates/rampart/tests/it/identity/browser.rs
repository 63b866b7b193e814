//! The whole customer journey in Chromium against the real `rampart serve` process: sign-up
//! and the mailed confirmation link, TOTP enrolment by scanning the QR code, a log-in with a
//! recovery code, an API token, a password reset; then a search of everything the process
//! logged for every secret the journey used.
//!
//! The process logs JSON lines to stdout (the `tracing` formatter's writer), which `Node`
//! collects; stderr only ever gets the command line's `error:` line on a failed exit, and the
//! test requires a clean exit.

use std::sync::Arc;
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, Locator};
use identity::model::totp::TotpSecret;
use platform::testing::SmtpSink;

use super::support::{decode_qr, now_secs};
use crate::browser::with_browser;
use crate::helpers::{Node, fresh_database_url, https_client};

const EMAIL: &str = "ada@example.com";
const FIRST_PASSWORD: &str = "copper kettle meadow sings 1843";
const NEW_PASSWORD: &str = "orchid lighthouse gravel drifts 2026";
const SESSION_COOKIE: &str = "__Host-rampart-session";

#[tokio::test]
async fn a_person_signs_up_enrols_2fa_uses_a_recovery_code_and_a_token_and_resets_the_password_in_a_browser()
 {
    let dir = tempfile::tempdir().unwrap();
    let database_url = fresh_database_url(dir.path()).await;
    let mail = SmtpSink::start().await.unwrap();
    let smtp_url = mail.url();
    let mut node = Node::start(
        dir.path(),
        &database_url,
        &[
            ("RAMPART_MAIL__SMTP_URL", smtp_url.as_str()),
            ("RAMPART_MAIL__POLL_INTERVAL_MS", "100"),
            ("RAMPART_LOG__LEVEL", "debug"),
        ],
    )
    .await;
    node.ready().await;
    let port = node.public.port();
    let cert = std::fs::read(dir.path().join("data/tls/self-signed-cert.pem")).unwrap();
    let mut secrets = Secrets::default();
    secrets.add("the first password", FIRST_PASSWORD);
    secrets.add("the new password", NEW_PASSWORD);
    let master_key = std::fs::read_to_string(dir.path().join("data/master.key")).unwrap();
    secrets.add("the master key", master_key.trim());

    let (mail, cert, noted) = (&mail, &cert, &mut secrets);
    with_browser("identity_scenario", |client| async move {
        let page = Page {
            client,
            origin: format!("https://localhost:{port}"),
        };
        let journey = Journey {
            page: &page,
            mail,
            port,
            cert,
        };
        journey.run(noted).await;
    })
    .await;

    stop(&mut node).await;
    let lines = node.stdout.lock().unwrap().clone();
    assert_log_has_no_secret(&lines, &secrets);
}

/// The browser on one page of Rampart, and what a person does there.
struct Page {
    client: Client,
    origin: String,
}

impl Page {
    async fn open(&self, url: &str) {
        self.client.goto(url).await.unwrap();
    }

    async fn type_into(&self, css: &str, text: &str) {
        let field = self.client.find(Locator::Css(css)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    async fn click(&self, css: &str) {
        let element = self.client.find(Locator::Css(css)).await.unwrap();
        self.click_on(element).await;
    }

    async fn click_link(&self, text: &str) {
        let element = self.client.find(Locator::LinkText(text)).await.unwrap();
        self.click_on(element).await;
    }

    /// Scrolls to `element` at once, as a person would before clicking: the stylesheet's smooth
    /// scrolling would otherwise still be moving the page when WebDriver clicks.
    async fn click_on(&self, element: Element) {
        let reference = serde_json::to_value(&element).unwrap();
        self.client
            .execute(
                "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})",
                vec![reference],
            )
            .await
            .unwrap();
        element.click().await.unwrap();
    }

    /// The text of `css`, once the page shows it.
    async fn text(&self, css: &str) -> String {
        self.shown(css).await.text().await.unwrap()
    }

    async fn shown(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(15))
            .every(Duration::from_millis(50))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} never appeared: {e}"))
    }

    /// Waits until the browser is at `target` (a path with its query, if any).
    async fn wait_for_path(&self, target: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let url = self.client.current_url().await.unwrap();
            let here = match url.query() {
                Some(query) => format!("{}?{query}", url.path()),
                None => url.path().to_owned(),
            };
            if here == target {
                assert_eq!(url.origin().ascii_serialization(), self.origin);
                return;
            }
            assert!(
                Instant::now() < deadline,
                "waited for {target}, still at {url}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn log_in(&self, email: &str, password: &str) {
        self.type_into("#email", email).await;
        self.type_into("#password", password).await;
        self.click("form[action='/login'] button[type=submit]")
            .await;
    }

    async fn enter_code(&self, code: &str) {
        self.type_into("#code", code).await;
        self.click("main form button[type=submit]").await;
    }

    /// Notes the value of every cookie the browser holds, HttpOnly ones included.
    async fn note_cookies(&self, secrets: &mut Secrets) {
        let cookies = self.client.get_all_cookies().await.unwrap();
        for cookie in &cookies {
            secrets.add(&format!("the cookie {}", cookie.name()), cookie.value());
        }
    }

    async fn session_cookie(&self) -> String {
        let cookie = self.client.get_named_cookie(SESSION_COOKIE).await;
        cookie.unwrap().value().to_owned()
    }
}

struct Journey<'a> {
    page: &'a Page,
    mail: &'a SmtpSink,
    port: u16,
    cert: &'a [u8],
}

impl Journey<'_> {
    async fn run(&self, secrets: &mut Secrets) {
        self.sign_up_and_confirm(secrets).await;
        let totp = self.enrol_totp(secrets).await;
        self.log_in_with_a_recovery_code(secrets).await;
        self.create_and_use_a_token(secrets).await;
        self.reset_the_password(&totp, secrets).await;
    }

    async fn sign_up_and_confirm(&self, secrets: &mut Secrets) {
        let page = self.page;
        page.open(&format!("{}/signup", page.origin)).await;
        page.type_into("#name", "Ada Lovelace").await;
        page.type_into("#organisation", "Analytical Engines").await;
        page.type_into("#email", EMAIL).await;
        page.type_into("#password", FIRST_PASSWORD).await;
        page.click("form[action='/signup'] button[type=submit]")
            .await;
        let notice = page.text("#notice-message").await;
        assert!(
            notice.contains("We sent a link to ada@example.com"),
            "{notice}"
        );
        page.note_cookies(secrets).await;

        let link = self
            .link_in_mail("Confirm your email", "/verify-email/")
            .await;
        secrets.add("the verification link's token", last_segment(&link));
        page.open(&link).await;
        assert_eq!(page.text("main h1").await, "Email address confirmed");
        page.click("main a.button").await;
        page.wait_for_path("/login").await;
        page.log_in(EMAIL, FIRST_PASSWORD).await;
        page.wait_for_path("/account/security").await;
        assert_eq!(page.text("#signed-in-as").await, EMAIL);
        assert!(page.text("#twofa-status").await.starts_with("Off"));
        page.note_cookies(secrets).await;
    }

    /// Scans the QR code as a phone would, confirms with the app's code, and keeps the
    /// recovery codes.
    async fn enrol_totp(&self, secrets: &mut Secrets) -> TotpSecret {
        let page = self.page;
        page.click("#enrol-2fa").await;
        page.wait_for_path("/account/2fa/enrol").await;
        let figure = page.shown("figure.qr").await.html(true).await.unwrap();
        let start = figure.find("<svg").expect("an inline SVG in the figure");
        let end = start + figure[start..].find("</svg>").unwrap();
        let uri = url::Url::parse(&decode_qr(&figure[start..end])).unwrap();
        assert_eq!(uri.scheme(), "otpauth");
        let (_, base32) = uri.query_pairs().find(|(k, _)| k == "secret").unwrap();
        assert_eq!(page.text("#totp-secret").await, base32);
        secrets.add("the TOTP secret", &base32);
        let totp = TotpSecret::from_base32(&base32).unwrap();

        let code = totp.code_at(now_secs());
        secrets.add("the enrolment code", &code);
        page.enter_code(&code).await;
        page.shown("#recovery-codes").await;
        let mut codes = Vec::new();
        let items = page
            .client
            .find_all(Locator::Css("#recovery-codes li code"));
        for item in items.await.unwrap() {
            codes.push(item.text().await.unwrap());
        }
        assert_eq!(codes.len(), 10, "{codes:?}");
        for code in &codes {
            secrets.add("a recovery code", code);
        }
        page.click_link("I have saved them").await;
        page.wait_for_path("/account/security").await;
        assert!(page.text("#twofa-status").await.starts_with("On"));
        totp
    }

    async fn log_in_with_a_recovery_code(&self, secrets: &mut Secrets) {
        let page = self.page;
        page.click("#logout").await;
        page.wait_for_path("/login?logged-out").await;
        page.log_in(EMAIL, FIRST_PASSWORD).await;
        page.wait_for_path("/login/2fa").await;
        page.note_cookies(secrets).await;
        let half_way = page.session_cookie().await;

        let recovery = secrets.first("a recovery code");
        page.enter_code(&recovery).await;
        page.wait_for_path("/account/security?recovery-code-used")
            .await;
        assert!(page.text("#notice").await.contains("recovery code"));
        let status = page.text("#twofa-status").await;
        assert!(status.contains("9 recovery code(s) left"), "{status}");
        assert_ne!(page.session_cookie().await, half_way);
        page.note_cookies(secrets).await;
    }

    async fn create_and_use_a_token(&self, secrets: &mut Secrets) {
        let page = self.page;
        page.type_into("#token-name", "nightly export").await;
        page.click("#create-token input[name=scopes][value='contacts:read']")
            .await;
        page.click("#create-token button[type=submit]").await;
        let token = page.text("#new-token").await;
        secrets.add("the API token", &token);

        let response = https_client(Some(self.cert))
            .get(format!("https://127.0.0.1:{}/api/v1/me", self.port))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let me: serde_json::Value = response.json().await.unwrap();
        assert_eq!(me["scopes"], serde_json::json!(["contacts:read"]), "{me}");
    }

    async fn reset_the_password(&self, totp: &TotpSecret, secrets: &mut Secrets) {
        let page = self.page;
        page.open(&format!("{}/account/security", page.origin))
            .await;
        page.click("#logout").await;
        page.wait_for_path("/login?logged-out").await;
        page.click_link("Forgot your password?").await;
        page.wait_for_path("/password/forgot").await;
        page.type_into("#email", EMAIL).await;
        page.click("form[action='/password/forgot'] button[type=submit]")
            .await;
        page.shown("#notice-message").await;
        assert_eq!(page.text("main h1").await, "Check your inbox");

        let link = self
            .link_in_mail("Reset your Rampart password", "/password/reset/")
            .await;
        secrets.add("the reset link's token", last_segment(&link));
        page.open(&link).await;
        page.type_into("#password", NEW_PASSWORD).await;
        page.click("main form button[type=submit]").await;
        page.shown("#notice-message").await;
        assert_eq!(page.text("main h1").await, "Your password was changed");

        page.click("main a.button").await;
        page.wait_for_path("/login").await;
        page.log_in(EMAIL, NEW_PASSWORD).await;
        page.wait_for_path("/login/2fa").await;
        page.note_cookies(secrets).await;
        // The enrolment used its step, and a code is never accepted twice: the next step's is new.
        let code = totp.code_at(now_secs() + 30);
        secrets.add("the log-in code", &code);
        page.enter_code(&code).await;
        page.wait_for_path("/account/security").await;
        assert_eq!(page.text("#signed-in-as").await, EMAIL);
        page.note_cookies(secrets).await;
    }

    /// The link in the mail to [`EMAIL`] about `subject`, checked to lead to the public URL.
    async fn link_in_mail(&self, subject: &str, path_prefix: &str) -> String {
        let wanted = |m: &platform::testing::ReceivedMail| {
            m.to.iter().any(|t| t == EMAIL) && m.subject().is_some_and(|s| s.contains(subject))
        };
        let mail = self.mail.wait_for(wanted, Duration::from_secs(15)).await;
        let body = mail
            .unwrap_or_else(|| panic!("no mail about “{subject}”"))
            .body();
        let link = body
            .split_whitespace()
            .find(|word| word.contains(path_prefix))
            .unwrap_or_else(|| panic!("no {path_prefix} link in:\n{body}"));
        let expected = format!("{}{path_prefix}", self.page.origin);
        assert!(link.starts_with(&expected), "{link}");
        link.to_owned()
    }
}

fn last_segment(link: &str) -> &str {
    link.rsplit('/').next().unwrap()
}

/// Stops the node as a service manager would and waits until all it printed is collected.
async fn stop(node: &mut Node) {
    let pid = node.child.id().unwrap().to_string();
    let kill = tokio::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .unwrap();
    assert!(kill.success());
    let exit = tokio::time::timeout(Duration::from_secs(30), node.child.wait())
        .await
        .expect("the node did not stop within 30 s of SIGTERM")
        .unwrap();
    assert!(exit.success(), "the node stopped badly: {exit}");
    // The task that collects stdout holds the other reference until it reads the end.
    let deadline = Instant::now() + Duration::from_secs(10);
    while Arc::strong_count(&node.stdout) > 1 {
        assert!(Instant::now() < deadline, "stdout never closed");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Every secret the journey handled, by what it is.
#[derive(Default)]
struct Secrets(Vec<(String, String)>);

impl Secrets {
    fn add(&mut self, what: &str, value: &str) {
        assert!(
            value.len() >= 6,
            "{what} is too short to search for: {value:?}"
        );
        self.0.push((what.to_owned(), value.to_owned()));
    }

    fn first(&self, what: &str) -> String {
        let found = self.0.iter().find(|(w, _)| w == what);
        found.map(|(_, v)| v.clone()).unwrap()
    }
}

/// Fails naming every secret found in `lines`, as typed, lower-cased, or form-encoded.
fn assert_log_has_no_secret(lines: &[String], secrets: &Secrets) {
    let entries: Vec<serde_json::Value> = lines
        .iter()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect();
    assert!(entries.len() > 50, "too little was logged: {lines:?}");
    assert!(
        entries.iter().any(|e| e["level"] == "DEBUG"),
        "the debug level is on"
    );
    assert!(
        entries.iter().any(|e| e["target"] == "sqlx::query"),
        "the database statements are logged"
    );
    let routes: Vec<&str> = entries
        .iter()
        .filter(|e| e["fields"]["message"] == "served")
        .filter_map(|e| e["span"]["route"].as_str())
        .collect();
    for route in [
        "/signup",
        "/verify-email/{token}",
        "/account/2fa/enrol",
        "/login/2fa",
        "/account/tokens",
        "/api/v1/me",
        "/password/reset/{token}",
    ] {
        assert!(
            routes.contains(&route),
            "no request line for {route}: {routes:?}"
        );
    }
    let log = without_timestamps(lines).to_lowercase();
    let mut found = Vec::new();
    for (what, value) in &secrets.0 {
        let form_encoded: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
        let variants = [value.clone(), form_encoded, value.replace(' ', "%20")];
        if variants.iter().any(|v| occurs(&log, &v.to_lowercase())) {
            found.push(format!("{what} ({value})"));
        }
    }
    assert!(
        found.is_empty(),
        "the log holds secrets: {}",
        found.join(", ")
    );
}

/// Whether `needle` is in `log`; a short one (a six-digit code) only as a whole word, so
/// that it does not match inside a longer number, or a number's fraction, by chance.
fn occurs(log: &str, needle: &str) -> bool {
    if needle.len() >= 10 {
        return log.contains(needle);
    }
    log.match_indices(needle).any(|(at, _)| {
        let before = log[..at].chars().next_back();
        let after = log[at + needle.len()..].chars().next();
        let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
        !word(before) && before != Some('.') && !word(after)
    })
}

/// The log without the time stamps the logger adds: their microseconds would match a
/// six-digit code by chance, and a time stamp cannot carry a secret.
fn without_timestamps(lines: &[String]) -> String {
    let mut out = String::new();
    for line in lines {
        match serde_json::from_str::<serde_json::Value>(line) {
            Ok(mut value) => {
                if let Some(object) = value.as_object_mut() {
                    object.remove("timestamp");
                }
                out.push_str(&value.to_string());
            }
            Err(_) => out.push_str(line),
        }
        out.push('\n');
    }
    out
}
