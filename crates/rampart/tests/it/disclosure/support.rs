//! What the disclosure tests share: reports sent through the API, the researcher behind a
//! private tracking link, the security team signed in on the staff listener, and the audit
//! entries and rows a report leaves in the database.

use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::identity::support::{IdentityApp, PASSWORD, Page, Visitor, now_secs};
use identity::model::totp::TotpSecret;

/// The researcher most tests follow.
pub const ADA: &str = "Ada Lovelace";
pub const ADA_EMAIL: &str = "ada@research.example";

/// A complete report as the API takes it, with `overrides` merged in.
pub fn report_json(overrides: Value) -> Value {
    let mut report = json!({
        "title": "SQL injection in the contact search",
        "class": "sql_injection",
        "affected": "https://rampart.example/api/v1/contacts?q=",
        "impact": "Any customer can read every tenant's contacts.",
        "steps": "1. Search for a quote.\n2. Watch the error.",
        "proof_of_concept": "q=' OR 1=1 --",
        "accepted_rules": true,
    });
    if let (Some(report), Some(overrides)) = (report.as_object_mut(), overrides.as_object()) {
        for (key, value) in overrides {
            report.insert(key.clone(), value.clone());
        }
    }
    report
}

/// A complete report as the form sends it, with `overrides` replacing fields of the same name.
pub fn report_form<'a>(overrides: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("title", "Stored XSS in the invoice note"),
        ("class", "cross_site_scripting"),
        ("affected", "Rampart 2.3, /app/invoices"),
        ("impact", "A customer's session can be taken over."),
        ("steps", "1. Write a note.\n2. Open the invoice."),
        ("proof_of_concept", "a note that runs a script"),
        ("cvss_v3", ""),
        ("cvss_v4", ""),
        ("reporter_name", ADA),
        ("reporter_email", ADA_EMAIL),
        ("accepted_rules", "true"),
        ("website", ""),
    ];
    for (name, value) in overrides {
        match fields.iter_mut().find(|(field, _)| field == name) {
            Some(field) => field.1 = value,
            None => fields.push((name, value)),
        }
    }
    fields
}

/// `POST /api/v1/reports` with an optional bearer token and `Idempotency-Key`: the status,
/// the headers and the JSON answer.
pub async fn post_report(
    app: &TestApp,
    token: Option<&str>,
    idempotency_key: Option<&str>,
    body: &Value,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut request = app.client.post(app.url("/api/v1/reports")).json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(key) = idempotency_key {
        request = request.header("idempotency-key", key);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.json().await.unwrap_or_default())
}

/// The path of an absolute tracking link: `/security/reports/track/trk_…`.
pub fn path_of(link: &str) -> String {
    let start = link
        .find("/security/reports/track/")
        .unwrap_or_else(|| panic!("not a tracking link: {link}"));
    link[start..].to_owned()
}

/// Whether `path` is a tracking link: `trk_` and 64 hexadecimal digits.
pub fn is_tracking_path(path: &str) -> bool {
    path.strip_prefix("/security/reports/track/trk_")
        .is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A researcher holding a report's private tracking link, in a browser of their own.
pub struct Researcher {
    pub id: String,
    pub tracking: String,
    pub visitor: Visitor,
}

/// Sends `overrides` over [`report_json`] anonymously through the API, as Ada.
pub async fn file_report(app: &IdentityApp, overrides: Value) -> Researcher {
    let mut body = report_json(json!({ "reporter_name": ADA, "reporter_email": ADA_EMAIL }));
    if let (Some(body), Some(overrides)) = (body.as_object_mut(), overrides.as_object()) {
        for (key, value) in overrides {
            body.insert(key.clone(), value.clone());
        }
    }
    let (status, _, report) = post_report(&app.app, None, None, &body).await;
    assert_eq!(status, 201, "{report}");
    Researcher {
        id: report["id"].as_str().unwrap().to_owned(),
        tracking: path_of(report["tracking_url"].as_str().unwrap()),
        visitor: app.visitor(),
    }
}

impl Researcher {
    /// The tracking page, which must open.
    pub async fn page(&mut self) -> Page {
        let page = self.visitor.get(&self.tracking).await;
        page.assert_status(200);
        page
    }

    /// Posts one of the tracking page's forms (`messages`, `credit`, `link`, …) as a browser
    /// would after opening the page.
    pub async fn post(&mut self, action: &str, fields: &[(&str, &str)]) -> Page {
        self.visitor.get(&self.tracking).await;
        let path = format!("{}/{action}", self.tracking);
        self.visitor.post(&path, fields).await
    }

    pub async fn reply(&mut self, body: &str) -> Page {
        self.post("messages", &[("body", body)]).await
    }
}

/// A member of staff with `role`, set up from the CLI's link, enrolled in 2FA and signed
/// in on the staff listener.
pub async fn staff_member(app: &IdentityApp, email: &str, role: &str) -> Visitor {
    let setup = app.create_staff(email, role).await;
    let mut staff = app.staff_visitor();
    staff.get(&setup).await.assert_status(200);
    staff
        .post(&setup, &[("password", PASSWORD)])
        .await
        .assert_redirect("/staff/2fa");
    let enrol = staff.get("/staff/2fa").await;
    let secret = TotpSecret::from_base32(&enrol.text_of("totp-secret").unwrap()).unwrap();
    staff
        .post("/staff/2fa", &[("code", &secret.code_at(now_secs()))])
        .await
        .assert_redirect("/staff/");
    staff
}

/// A member of the security team, signed in on the staff listener.
pub struct Team {
    pub visitor: Visitor,
}

pub async fn security_team(app: &IdentityApp) -> Team {
    Team {
        visitor: staff_member(app, "sam@rampart.example", "security").await,
    }
}

impl Team {
    pub async fn open(&mut self, id: &str) -> Page {
        self.visitor
            .get(&format!("/staff/security/reports/{id}"))
            .await
    }

    /// Posts one of the report page's forms after opening the page, as a browser would.
    pub async fn post(&mut self, id: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        self.open(id).await.assert_status(200);
        let path = format!("/staff/security/reports/{id}/{action}");
        self.visitor.post(&path, fields).await
    }

    /// The state form as a browser sends it: every field, the ones left alone empty.
    pub async fn change_state(&mut self, id: &str, to: &str, filled: &[(&str, &str)]) -> Page {
        let mut fields = vec![
            ("to", to),
            ("severity", ""),
            ("duplicate_of", ""),
            ("fix_target", ""),
            ("message", ""),
        ];
        for (name, value) in filled {
            fields
                .iter_mut()
                .find(|(field, _)| field == name)
                .unwrap()
                .1 = value;
        }
        self.post(id, "state", &fields).await
    }

    /// Moves the report to `to` and expects to be sent back to it.
    pub async fn moves(&mut self, id: &str, to: &str, filled: &[(&str, &str)]) {
        let page = self.change_state(id, to, filled).await;
        page.assert_redirect(&format!("/staff/security/reports/{id}"));
    }

    /// Writes on the thread: to the researcher, or an internal note.
    pub async fn write(&mut self, id: &str, body: &str, internal: bool) {
        let mut fields = vec![("body", body)];
        if internal {
            fields.push(("internal", "true"));
        }
        self.post(id, "messages", &fields)
            .await
            .assert_redirect(&format!("/staff/security/reports/{id}"));
    }

    /// Takes a new report through triage and acceptance (high) to `fixed`.
    pub async fn fix(&mut self, id: &str) {
        self.moves(id, "triaging", &[]).await;
        self.moves(id, "accepted", &[("severity", "high")]).await;
        self.moves(id, "fix_planned", &[("fix_target", "Rampart 2.3.1")])
            .await;
        self.moves(id, "fixed", &[]).await;
    }
}

/// Today's date in UTC, `days` from now, as the embargo form takes it (`YYYY-MM-DD`).
pub fn date_in_days(days: i64) -> String {
    let now = platform::clock::Timestamp::from_millis(now_secs() as i64 * 1000);
    platform::clock::Date::of(now).plus_days(days).to_string()
}

/// One audit entry about a report.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub action: String,
    pub actor_kind: String,
    pub details: Option<String>,
    /// Every text column, to search for what must never be there.
    pub text: String,
}

/// The audit entries naming `resource_id` (a report's id), oldest first.
pub async fn audit_entries_of(app: &TestApp, resource_id: &str) -> Vec<AuditEntry> {
    let db = &app.running.as_ref().unwrap().state.db;
    let rows: Vec<(String, String, String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT action, actor_kind, actor_id, resource_kind, resource_ids, details \
         FROM audit_entries ORDER BY idx",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    rows.into_iter()
        .filter(|row| {
            serde_json::from_str::<Vec<String>>(&row.4)
                .unwrap()
                .iter()
                .any(|id| id == resource_id)
        })
        .map(
            |(action, actor_kind, actor_id, kind, ids, details)| AuditEntry {
                text: [&action, &actor_kind, &actor_id, &kind, &ids]
                    .into_iter()
                    .chain(details.as_ref())
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(" | "),
                action,
                actor_kind,
                details,
            },
        )
        .collect()
}

/// How many reports the database holds.
pub async fn stored_reports(app: &TestApp) -> i64 {
    let db = &app.running.as_ref().unwrap().state.db;
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM disclosure_reports")
        .fetch_one(db.pool())
        .await
        .unwrap();
    count
}

/// The texts of the messages on a page's thread, in order.
pub fn thread(page: &Page) -> Vec<String> {
    let start = page
        .body
        .find("id=\"thread\"")
        .expect("the page has a thread");
    page.body[start..]
        .split("<p class=\"body\">")
        .skip(1)
        .map(|rest| rest.split("</p>").next().unwrap().to_owned())
        .collect()
}

/// Whether `body` shows `text` as text: HTML-escaped, with named or numeric references.
pub fn shows_as_text(body: &str, text: &str) -> bool {
    let escape = |named: bool| {
        text.chars()
            .map(|c| match (c, named) {
                ('&', true) => "&amp;".to_owned(),
                ('<', true) => "&lt;".to_owned(),
                ('>', true) => "&gt;".to_owned(),
                ('"', true) => "&quot;".to_owned(),
                ('&' | '<' | '>' | '"' | '\'', _) => format!("&#{};", u32::from(c)),
                _ => c.to_string(),
            })
            .collect::<String>()
    };
    body.contains(&escape(true)) || body.contains(&escape(false))
}

/// Moves a report's submission and the start of its waits on the researcher `days` into the
/// past, as if that much time had gone by (the server reads the real clock).
pub async fn age_report(app: &TestApp, id: &str, days: i64) {
    let db = &app.running.as_ref().unwrap().state.db;
    let shift = days * 86_400_000;
    for statement in [
        "UPDATE disclosure_reports SET submitted_at = submitted_at - $1 WHERE id = $2",
        "UPDATE disclosure_pauses SET started_at = started_at - $1 WHERE report_id = $2",
    ] {
        sqlx::query(statement)
            .bind(shift)
            .bind(id)
            .execute(db.pool())
            .await
            .unwrap();
    }
}

/// Runs the disclosure jobs once, as the lease holder does every minute; (closed, published).
pub async fn run_jobs(app: &TestApp) -> (usize, usize) {
    let running = app.running.as_ref().unwrap();
    running.state.disclosure.tick().await.unwrap()
}

/// The `multipart/form-data` body of the attach form: one `file` field named `filename`
/// (its quotes backslash-escaped, as curl sends them); the content type and the body. Built
/// by hand: the test client is built without reqwest's multipart support.
pub fn multipart_file(filename: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "rampart-test-boundary-5f1c0a9e";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n",
        filename.replace('"', "\\\"")
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Where the attach form of a tracking or report page posts: its action, which carries the
/// page's CSRF token in its query string.
pub fn attach_action(page: &Page) -> String {
    let form = page
        .body
        .find("id=\"attach-form\"")
        .and_then(|end| page.body[..end].rfind("<form"))
        .unwrap_or_else(|| panic!("the page has an attach form:\n{}", page.body));
    let start = form + page.body[form..].find("action=\"").unwrap() + "action=\"".len();
    let action = &page.body[start..start + page.body[start..].find('"').unwrap()];
    action.replace("&amp;", "&")
}

/// Sends `bytes` as the file `filename` to `url` from `visitor`'s browser: its cookies and
/// `Origin`, and whatever token `url`'s query carries.
pub async fn post_file(
    app: &TestApp,
    visitor: &Visitor,
    url: &str,
    filename: &str,
    bytes: &[u8],
) -> Page {
    let (content_type, body) = multipart_file(filename, bytes);
    let response = app
        .client
        .post(url)
        .header("cookie", visitor.cookie_header())
        .header("user-agent", &visitor.user_agent)
        .header("origin", &visitor.origin)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.text().await.unwrap();
    Page {
        status,
        headers,
        body,
    }
}

/// A download as received: its status, headers and exact bytes.
pub struct Fetched {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub bytes: Vec<u8>,
}

impl Fetched {
    /// A header's value, or `""` when it is missing.
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

/// `GET url` with `visitor`'s cookies, keeping the body as bytes.
pub async fn fetch(app: &TestApp, visitor: &Visitor, url: &str) -> Fetched {
    let response = app
        .client
        .get(url)
        .header("cookie", visitor.cookie_header())
        .header("user-agent", &visitor.user_agent)
        .send()
        .await
        .unwrap();
    Fetched {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        bytes: response.bytes().await.unwrap().to_vec(),
    }
}

/// An attachment as a tracking or report page lists it.
#[derive(Debug, Clone)]
pub struct Listed {
    pub id: String,
    pub filename: String,
    /// The whole list item: name, size and who attached it.
    pub item: String,
}

/// The attachments a page lists, oldest first.
pub fn attachments_on(page: &Page) -> Vec<Listed> {
    let Some(start) = page.body.find("<ul id=\"attachments\">") else {
        return Vec::new();
    };
    let list = &page.body[start..start + page.body[start..].find("</ul>").unwrap()];
    list.split("<li>")
        .skip(1)
        .map(|item| {
            let href = item.split("href=\"").nth(1).unwrap().split('"').next();
            let name = item.split("download>").nth(1).unwrap().split("</a>").next();
            Listed {
                id: href.unwrap().rsplit('/').next().unwrap().to_owned(),
                filename: name.unwrap().to_owned(),
                item: item.split("</li>").next().unwrap().to_owned(),
            }
        })
        .collect()
}

impl Researcher {
    /// Attaches a file with the tracking page's form, as a browser would after opening it.
    pub async fn attach(&mut self, app: &IdentityApp, filename: &str, bytes: &[u8]) -> Page {
        let action = attach_action(&self.page().await);
        post_file(
            &app.app,
            &self.visitor,
            &app.app.url(&action),
            filename,
            bytes,
        )
        .await
    }

    /// Downloads one of the report's attachments through the tracking link.
    pub async fn download(&self, app: &IdentityApp, attachment_id: &str) -> Fetched {
        let path = format!("{}/attachments/{attachment_id}", self.tracking);
        fetch(&app.app, &self.visitor, &app.app.url(&path)).await
    }
}

impl Team {
    /// Attaches a file with the report page's form, as a browser would after opening it.
    pub async fn attach(
        &mut self,
        app: &IdentityApp,
        id: &str,
        filename: &str,
        bytes: &[u8],
    ) -> Page {
        let page = self.open(id).await;
        page.assert_status(200);
        let action = attach_action(&page);
        let url = app.app.staff_url(&action);
        post_file(&app.app, &self.visitor, &url, filename, bytes).await
    }

    /// Downloads one of a report's attachments from the console.
    pub async fn download(&self, app: &IdentityApp, id: &str, attachment_id: &str) -> Fetched {
        let path = format!("/staff/security/reports/{id}/attachments/{attachment_id}");
        fetch(&app.app, &self.visitor, &app.app.staff_url(&path)).await
    }
}

/// The sealed contents of every attachment the database holds.
pub async fn sealed_attachments(app: &TestApp) -> Vec<Vec<u8>> {
    let db = &app.running.as_ref().unwrap().state.db;
    let rows: Vec<(Vec<u8>,)> = sqlx::query_as("SELECT sealed FROM disclosure_attachments")
        .fetch_all(db.pool())
        .await
        .unwrap();
    rows.into_iter().map(|(sealed,)| sealed).collect()
}
