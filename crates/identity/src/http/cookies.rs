//! The session cookies: `__Host-` prefixed (so only this host over HTTPS can set them),
//! Secure, HttpOnly, SameSite=Lax, one per realm.

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;

pub const SESSION_COOKIE: &str = "__Host-rampart-session";
pub const STAFF_COOKIE: &str = "__Host-rampart-staff";

pub(super) fn read<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    platform::web::csrf::cookie_value(headers, name)
}

/// Sets the cookie `name` to `value` on `response`; the browser keeps it until it closes,
/// and the server ends the session on its own timeouts.
pub(super) fn set(response: &mut Response, name: &str, value: &str) {
    let cookie = format!("{name}={value}; Path=/; Secure; HttpOnly; SameSite=Lax");
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

pub(super) fn clear(response: &mut Response, name: &str) {
    let cookie = format!("{name}=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0");
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}
