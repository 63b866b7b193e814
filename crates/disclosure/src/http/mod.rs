//! The disclosure program over HTTP: the public pages (policy, security.txt, the report
//! form, the researcher's private tracking pages, the Hall of Fame, advisories), the intake
//! API, and the security team's console on the staff listener.

mod api;
mod files;
pub mod openapi;
mod public;
mod researchers;
mod respond;
mod staff;
mod track;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::{get, post};
use identity::Identity;

use crate::Disclosure;

/// Pages and forms of the public listener (they go behind the CSRF layer).
pub fn public_router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Disclosure: FromRef<S>,
{
    Router::new()
        .route("/.well-known/security.txt", get(public::security_txt))
        .route("/security/policy", get(public::policy))
        .route(
            "/security/report",
            get(public::report_form).post(public::submit),
        )
        .route("/security/hall-of-fame", get(public::hall_of_fame))
        .route(
            "/security/researchers/sign-in",
            get(researchers::sign_in_form).post(researchers::request_link),
        )
        .route(
            "/security/researchers/sign-in/{link}",
            get(researchers::confirm).post(researchers::complete),
        )
        .route("/security/researchers/reports", get(researchers::account))
        .route(
            "/security/researchers/sign-out",
            post(researchers::sign_out),
        )
        .route("/security/metrics", get(public::metrics))
        .route("/security/advisories", get(public::advisories))
        .route("/security/advisories/{id}", get(public::advisory))
        .route("/security/reports/track/{secret}", get(track::show))
        .route(
            "/security/reports/track/{secret}/messages",
            post(track::reply),
        )
        .route(
            "/security/reports/track/{secret}/credit",
            post(track::credit),
        )
        .route(
            "/security/reports/track/{secret}/link",
            post(track::replace_link),
        )
        .route(
            "/security/reports/track/{secret}/revoke",
            post(track::revoke),
        )
        .route(
            "/security/reports/track/{secret}/withdraw",
            post(track::withdraw),
        )
        .route(
            "/security/reports/track/{secret}/ask-disclosure",
            post(track::ask_disclosure),
        )
        .route(
            "/security/reports/track/{secret}/attachments",
            post(track::attach),
        )
        .route(
            "/security/reports/track/{secret}/attachments/{attachment}",
            get(track::attachment),
        )
}

/// The intake API: `POST /api/v1/reports` (anonymous or a `reports:write` token) and
/// `GET /api/v1/reports/{id}` for the token that sent it.
pub fn api_router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Disclosure: FromRef<S>,
    Identity: FromRef<S>,
    platform::web::Idempotency: FromRef<S>,
{
    Router::new()
        .route("/api/v1/reports", post(api::submit))
        .route("/api/v1/reports/{id}", get(api::get))
        .route("/api/v1/reports/{id}/attachments", post(api::attach))
}

/// The security team's console, on the staff listener, for staff with the `security` role.
pub fn staff_router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Disclosure: FromRef<S>,
    Identity: FromRef<S>,
{
    Router::new()
        .route("/staff/security/reports", get(staff::queue))
        .route("/staff/security/metrics", get(staff::metrics))
        .route("/staff/security/reports/{id}", get(staff::show))
        .route(
            "/staff/security/reports/{id}/state",
            post(staff::change_state),
        )
        .route(
            "/staff/security/reports/{id}/messages",
            post(staff::message),
        )
        .route(
            "/staff/security/reports/{id}/severity",
            post(staff::change_severity),
        )
        .route("/staff/security/reports/{id}/embargo", post(staff::embargo))
        .route(
            "/staff/security/reports/{id}/attachments",
            post(staff::attach),
        )
        .route(
            "/staff/security/reports/{id}/attachments/{attachment}",
            get(staff::attachment),
        )
        .route(
            "/staff/security/policy",
            get(staff::policy_form).post(staff::save_policy),
        )
}
