//! A Rampart with a real SMTP sink for its mail, and `Visitor`: a browser-like HTTP client
//! that keeps cookies, sends the CSRF token of the last page it saw, and sends the
//! `Origin` a browser would.

use std::collections::BTreeMap;
use std::time::Duration;

use identity::model::totp::TotpSecret;
use platform::testing::{ReceivedMail, SmtpSink};
use reqwest::header::{HeaderMap, SET_COOKIE};

use crate::helpers::{TestApp, spawn_app_with};

pub const PASSWORD: &str = "velvet harbour lantern quietly 42";

pub struct IdentityApp {
    pub app: TestApp,
    pub mail: SmtpSink,
}

/// Rampart sending its mail to a local SMTP sink.
pub async fn spawn_with_mail() -> IdentityApp {
    spawn_with_mail_and(|_| {}).await
}

pub async fn spawn_with_mail_and(
    customise: impl FnOnce(&mut platform::config::Config),
) -> IdentityApp {
    let mail = SmtpSink::start().await.unwrap();
    let url = mail.url();
    let app = spawn_app_with(|config| {
        config.mail.smtp_url = Some(platform::config::Secret::new(url));
        config.mail.poll_interval_ms = 100;
        customise(config);
    })
    .await;
    IdentityApp { app, mail }
}

impl IdentityApp {
    /// The `rampart` command run against this server's database, data and staff listener.
    pub fn rampart_command(&self) -> tokio::process::Command {
        let mut command = crate::helpers::rampart_command(self.app.data_dir.path());
        command
            .env("RAMPART_DATABASE__URL", &self.app.database_url)
            .env(
                "RAMPART_SERVER__DATA_DIR",
                self.app.data_dir.path().join("data"),
            )
            .env("RAMPART_LISTEN__STAFF", self.app.staff.to_string());
        command
    }

    /// Runs `rampart admin staff create`; returns the path of the set-up link it prints,
    /// having checked that the link leads to the staff listener.
    pub async fn create_staff(&self, email: &str, role: &str) -> String {
        let output = self
            .rampart_command()
            .args(["admin", "staff", "create", "--email", email, "--role", role])
            .output()
            .await
            .unwrap();
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert!(
            output.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let url = stdout
            .split_whitespace()
            .find(|w| w.contains("/staff/setup/"))
            .expect("a set-up link is printed");
        let staff_listener = format!("{}/staff/setup/", self.staff_origin());
        assert!(url.starts_with(&staff_listener), "{url}");
        url[self.staff_origin().len()..].to_owned()
    }

    /// The origin the server believes it has (its default public URL).
    pub fn origin(&self) -> String {
        format!("https://localhost:{}", self.app.public.port())
    }

    pub fn staff_origin(&self) -> String {
        format!("https://localhost:{}", self.app.staff.port())
    }

    pub fn visitor(&self) -> Visitor {
        Visitor::new(self.app.client.clone(), self.app.url(""), self.origin())
    }

    pub fn staff_visitor(&self) -> Visitor {
        Visitor::new(
            self.app.client.clone(),
            self.app.staff_url(""),
            self.staff_origin(),
        )
    }

    /// The first mail to `to` whose subject contains `subject`.
    pub async fn mail_to(&self, to: &str, subject: &str) -> ReceivedMail {
        self.mail
            .wait_for(
                |m| {
                    m.to.iter().any(|t| t == to) && m.subject().is_some_and(|s| s.contains(subject))
                },
                Duration::from_secs(10),
            )
            .await
            .unwrap_or_else(|| panic!("no mail to {to} about “{subject}” arrived"))
    }

    /// The path of the link in the mail to `to` about `subject` that starts with `prefix`.
    pub async fn link_in_mail(&self, to: &str, subject: &str, prefix: &str) -> String {
        let body = self.mail_to(to, subject).await.body();
        link_in(&body, prefix)
    }

    /// Signs up, verifies the address by the mailed link, and logs in.
    pub async fn signed_up(&self, email: &str, organisation: &str) -> Visitor {
        let mut visitor = self.visitor();
        visitor.get("/signup").await.assert_status(200);
        visitor
            .post(
                "/signup",
                &[
                    ("name", "Test Person"),
                    ("organisation", organisation),
                    ("email", email),
                    ("password", PASSWORD),
                ],
            )
            .await
            .assert_status(200);
        let link = self
            .link_in_mail(email, "Confirm your email", "/verify-email/")
            .await;
        visitor.get(&link).await.assert_status(200);
        visitor
            .log_in(email, PASSWORD)
            .await
            .assert_redirect("/account/security");
        visitor
    }
}

/// The path part of the first `https://…{prefix}…` link in `body`.
pub fn link_in(body: &str, prefix: &str) -> String {
    let start = body
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} link in:\n{body}"));
    body[start..].split_whitespace().next().unwrap().to_owned()
}

pub struct Page {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    #[track_caller]
    pub fn assert_status(&self, status: u16) -> &Self {
        assert_eq!(
            self.status, status,
            "unexpected status; body:\n{}",
            self.body
        );
        self
    }

    #[track_caller]
    pub fn assert_redirect(&self, to: &str) -> &Self {
        assert_eq!(
            self.status, 303,
            "expected a redirect; body:\n{}",
            self.body
        );
        assert_eq!(self.location(), Some(to));
        self
    }

    pub fn location(&self) -> Option<&str> {
        self.headers.get("location").and_then(|v| v.to_str().ok())
    }

    /// The text inside the element with `id` (no nested elements expected).
    pub fn text_of(&self, id: &str) -> Option<String> {
        let marker = format!("id=\"{id}\"");
        let start = self.body.find(&marker)?;
        let open_end = start + self.body[start..].find('>')? + 1;
        let close = open_end + self.body[open_end..].find('<')?;
        Some(self.body[open_end..close].trim().to_owned())
    }

    pub fn csrf_token(&self) -> Option<String> {
        let marker = "name=\"csrf_token\" value=\"";
        let start = self.body.find(marker)? + marker.len();
        Some(self.body[start..start + self.body[start..].find('"')?].to_owned())
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    }
}

pub struct Visitor {
    client: reqwest::Client,
    base: String,
    pub origin: String,
    pub cookies: BTreeMap<String, String>,
    csrf: Option<String>,
    pub user_agent: String,
}

impl Visitor {
    fn new(client: reqwest::Client, base: String, origin: String) -> Self {
        Self {
            client,
            base,
            origin,
            cookies: BTreeMap::new(),
            csrf: None,
            user_agent: "RampartTest/1.0".into(),
        }
    }

    /// The `Cookie` header this browser sends.
    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn finish(&mut self, response: reqwest::Response) -> Page {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.text().await.unwrap();
        let page = Page {
            status,
            headers,
            body,
        };
        for cookie in page.set_cookies() {
            let pair = cookie.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if cookie.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        if let Some(token) = page.csrf_token() {
            self.csrf = Some(token);
        }
        page
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .header("user-agent", &self.user_agent)
            .send()
            .await
            .unwrap();
        self.finish(response).await
    }

    /// Posts a form as the browser would: with the page's CSRF token and this origin.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.csrf.clone();
        let origin = self.origin.clone();
        self.post_with(path, fields, token.as_deref(), Some(&origin))
            .await
    }

    /// Posts a form with exactly the CSRF token and `Origin` given.
    pub async fn post_with(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        csrf: Option<&str>,
        origin: Option<&str>,
    ) -> Page {
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        if let Some(token) = csrf {
            form.push(("csrf_token", token));
        }
        let mut request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .header("user-agent", &self.user_agent)
            .form(&form);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        let response = request.send().await.unwrap();
        self.finish(response).await
    }

    pub async fn log_in(&mut self, email: &str, password: &str) -> Page {
        self.get("/login").await.assert_status(200);
        self.post("/login", &[("email", email), ("password", password)])
            .await
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies.get(name).map(String::as_str)
    }

    /// Turns 2FA on from the account page; returns the secret and the recovery codes.
    pub async fn enrol_totp(&mut self) -> (TotpSecret, Vec<String>) {
        let page = self.get("/account/2fa/enrol").await;
        page.assert_status(200);
        let secret = TotpSecret::from_base32(&page.text_of("totp-secret").unwrap()).unwrap();
        let code = secret.code_at(now_secs());
        let done = self.post("/account/2fa/enrol", &[("code", &code)]).await;
        done.assert_status(200);
        (secret, recovery_codes(&done.body))
    }
}

pub fn recovery_codes(body: &str) -> Vec<String> {
    body.split("<li><code>")
        .skip(1)
        .map(|rest| rest.split('<').next().unwrap().to_owned())
        .collect()
}

#[allow(
    clippy::disallowed_methods,
    reason = "tests compute TOTP codes for the real time"
)]
pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Decodes the enrolment QR code from its SVG, as a phone's camera would from the screen.
pub fn decode_qr(svg: &str) -> String {
    let attribute = |name: &str| {
        let start = svg.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        &svg[start..start + svg[start..].find('"').unwrap()]
    };
    let size: usize = attribute("width").trim_end_matches("px").parse().unwrap();
    let mut pixels = vec![255u8; size * size];
    // The path is a run of `M{x} {y}h{w}v{h}H{x}V{y}` rectangles.
    for rect in attribute(" d").split('M').filter(|r| !r.is_empty()) {
        let n: Vec<usize> = rect
            .split(|c: char| !c.is_ascii_digit())
            .filter(|n| !n.is_empty())
            .map(|n| n.parse().unwrap())
            .collect();
        for row in n[1]..n[1] + n[3] {
            for col in n[0]..n[0] + n[2] {
                pixels[row * size + col] = 0;
            }
        }
    }
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(size, size, |x, y| pixels[y * size + x]);
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code on the page");
    grids[0].decode().unwrap().1
}
