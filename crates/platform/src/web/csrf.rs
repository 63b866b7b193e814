//! CSRF protection for every state-changing form, in one middleware.
//!
//! Each browser gets a random `__Host-rampart-csrf` cookie; forms carry a token that is an
//! HMAC of that cookie under a key derived from the master key, so another site can
//! neither read nor forge it, and every node accepts it. A form POST must also come from
//! Rampart's own origin (`Origin`, or `Referer` when a browser sends no `Origin`). The JSON
//! API and webhooks are exempt: they take no cookies at all.
//!
//! The token of a URL-encoded form is in its body. A `multipart/form-data` form (a file
//! upload) carries it in the query string of its action instead, so that its body, which
//! may be large, is streamed to the handler rather than read here.

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chacha20poly1305::aead::OsRng;
use chacha20poly1305::aead::rand_core::RngCore;

use crate::crypto::MasterKey;
use crate::crypto::mac::{hmac_sha256, verify_hmac_sha256};

pub const COOKIE: &str = "__Host-rampart-csrf";
/// The form field that carries the token.
pub const FIELD: &str = "csrf_token";
/// Forms larger than this are not forms Rampart renders.
const FORM_LIMIT: usize = 1024 * 1024;

/// The token the current page's forms must carry; handlers put it in a hidden field.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

/// A handler takes the token as an argument; it is empty on a route the middleware does
/// not guard, whose pages have no forms to post.
impl<S: Send + Sync> FromRequestParts<S> for CsrfToken {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(parts
            .extensions
            .get::<CsrfToken>()
            .cloned()
            .unwrap_or_else(|| CsrfToken(String::new())))
    }
}

#[derive(Clone)]
pub struct CsrfGuard {
    key: Arc<[u8; 32]>,
    origin: Arc<str>,
}

impl CsrfGuard {
    /// A guard accepting form posts from `origin` (such as `https://rampart.example.com`).
    pub fn new(master_key: &MasterKey, origin: &str) -> Self {
        Self {
            key: Arc::new(master_key.derive_key("csrf tokens")),
            origin: origin.trim_end_matches('/').into(),
        }
    }

    fn token_for(&self, cookie: &str) -> String {
        hex::encode(hmac_sha256(&self.key, cookie.as_bytes()))
    }

    fn token_matches(&self, cookie: &str, token: &str) -> bool {
        hex::decode(token).is_ok_and(|tag| verify_hmac_sha256(&self.key, cookie.as_bytes(), &tag))
    }

    fn same_origin(&self, headers: &HeaderMap) -> bool {
        if let Some(origin) = headers.get(header::ORIGIN) {
            return origin.as_bytes() == self.origin.as_bytes();
        }
        headers
            .get(header::REFERER)
            .and_then(|r| r.to_str().ok())
            .is_some_and(|referer| {
                referer
                    .strip_prefix(&*self.origin)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
            })
    }
}

/// The middleware: issues the cookie on page views, checks origin and token on form posts.
pub async fn csrf_protect(
    State(guard): State<CsrfGuard>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    if path.starts_with("/api/") || path.starts_with("/webhooks/") || path.starts_with("/static/") {
        return next.run(request).await;
    }
    let existing = cookie_value(request.headers(), COOKIE)
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_owned);
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if safe {
        let (cookie, fresh) = match existing {
            Some(cookie) => (cookie, false),
            None => (new_cookie_value(), true),
        };
        let mut request = request;
        request
            .extensions_mut()
            .insert(CsrfToken(guard.token_for(&cookie)));
        let mut response = next.run(request).await;
        if fresh {
            // Lax, not Strict: a link opened from a mail client is a cross-site navigation, and a
            // Strict cookie would be missing there, so a fresh one would replace it and break
            // the forms of other open tabs. The token, not SameSite, is the protection.
            let set = format!("{COOKIE}={cookie}; Path=/; Secure; HttpOnly; SameSite=Lax");
            if let Ok(value) = HeaderValue::from_str(&set) {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
        }
        return response;
    }
    if !guard.same_origin(request.headers()) {
        return refuse("This form was sent from another site, so it was refused");
    }
    let Some(cookie) = existing else {
        return refuse(EXPIRED);
    };
    let (mut request, token) = match read_token(request).await {
        Ok(read) => read,
        Err(response) => return response,
    };
    if !token.is_some_and(|t| guard.token_matches(&cookie, &t)) {
        return refuse(EXPIRED);
    }
    request
        .extensions_mut()
        .insert(CsrfToken(guard.token_for(&cookie)));
    next.run(request).await
}

/// The token a form post carries, and the request to pass on.
async fn read_token(request: Request) -> Result<(Request, Option<String>), Response> {
    if is_multipart(request.headers()) {
        // An upload may be far larger than any form, and is streamed to its handler: the
        // token travels in the query string of the form's action instead of the body.
        let token = request.uri().query().and_then(|q| field(q.as_bytes()));
        return Ok((request, token));
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, FORM_LIMIT).await else {
        return Err((StatusCode::PAYLOAD_TOO_LARGE, "The form is too large").into_response());
    };
    let token = field(&bytes);
    Ok((Request::from_parts(parts, Body::from(bytes)), token))
}

/// The token among URL-encoded `name=value` pairs (a form body or a query string).
fn field(encoded: &[u8]) -> Option<String> {
    url::form_urlencoded::parse(encoded)
        .find(|(name, _)| name == FIELD)
        .map(|(_, value)| value.into_owned())
}

fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("multipart/form-data"))
}

const EXPIRED: &str = "This form has expired or did not come from Rampart. Go back, reload the \
    page and send it again";

fn refuse(message: &'static str) -> Response {
    (StatusCode::FORBIDDEN, message).into_response()
}

fn new_cookie_value() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .find_map(|pair| {
            let (key, value) = pair.trim().split_once('=')?;
            (key == name).then_some(value)
        })
}

#[cfg(test)]
mod tests;
