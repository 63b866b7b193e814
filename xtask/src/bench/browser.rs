//! A browser-like client for setting up the bench account through the real pages: it keeps
//! cookies, sends the CSRF token of the last page it saw, and the `Origin` a browser would.

use std::collections::BTreeMap;

use anyhow::{Context, bail};
use reqwest::header::{COOKIE, ORIGIN, SET_COOKIE};

pub(super) const CSRF_COOKIE: &str = "__Host-rampart-csrf";
pub(super) const SESSION_COOKIE: &str = "__Host-rampart-session";

pub(super) struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
}

impl Page {
    /// The value of the first hidden `csrf_token` field.
    fn csrf_token(&self) -> Option<String> {
        let marker = "name=\"csrf_token\" value=\"";
        let start = self.body.find(marker)? + marker.len();
        let end = start + self.body[start..].find('"')?;
        Some(self.body[start..end].to_owned())
    }

    /// The text of the element with `id` (no nested elements).
    pub fn text_of(&self, id: &str) -> Option<String> {
        let start = self.body.find(&format!("id=\"{id}\""))?;
        let open_end = start + self.body[start..].find('>')? + 1;
        let close = open_end + self.body[open_end..].find('<')?;
        Some(self.body[open_end..close].trim().to_owned())
    }

    pub fn expect(self, status: u16, what: &str) -> anyhow::Result<Self> {
        if self.status != status {
            bail!(
                "{what}: expected {status}, got {}; body:\n{}",
                self.status,
                self.body
            );
        }
        Ok(self)
    }
}

pub(super) struct Browser {
    client: reqwest::Client,
    base: String,
    pub origin: String,
    pub cookies: BTreeMap<String, String>,
    pub csrf: Option<String>,
}

impl Browser {
    /// Talks to `127.0.0.1:port` while presenting the server's default public origin,
    /// `https://localhost:port`, which its CSRF check compares `Origin` with.
    pub fn new(port: u16) -> anyhow::Result<Self> {
        Ok(Self {
            client: super::client()?,
            base: format!("https://127.0.0.1:{port}"),
            origin: format!("https://localhost:{port}"),
            cookies: BTreeMap::new(),
            csrf: None,
        })
    }

    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn get(&mut self, path: &str) -> anyhow::Result<Page> {
        let request = self.client.get(format!("{}{path}", self.base));
        self.send(request).await
    }

    /// Posts a form with the CSRF token of the last page seen.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> anyhow::Result<Page> {
        let csrf = self
            .csrf
            .clone()
            .context("no page with a csrf token seen yet")?;
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf_token", &csrf));
        let request = self
            .client
            .post(format!("{}{path}", self.base))
            .header(ORIGIN, &self.origin)
            .form(&form);
        self.send(request).await
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> anyhow::Result<Page> {
        let request = if self.cookies.is_empty() {
            request
        } else {
            request.header(COOKIE, self.cookie_header())
        };
        let response = request.send().await?;
        for set in response.headers().get_all(SET_COOKIE) {
            let pair = set.to_str()?.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                self.cookies.insert(name.trim().into(), value.trim().into());
            }
        }
        let page = Page {
            status: response.status().as_u16(),
            location: response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            body: response.text().await?,
        };
        if let Some(token) = page.csrf_token() {
            self.csrf = Some(token);
        }
        Ok(page)
    }
}
