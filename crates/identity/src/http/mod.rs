//! Identity on the web: the customer pages and API on the public listener, the staff pages
//! on the staff listener. Handlers are thin: extract, call one `Identity` operation, render.

mod account;
mod api;
mod audit_readers;
mod cookies;
mod extract;
mod login;
mod members;
pub mod openapi;
mod pages;
mod password;
mod respond;
mod signup;
mod staff;
mod tokens;

use axum::Router;
use axum::routing::{get, post};

use crate::Identity;

pub use audit_readers::{AccessLogToken, AccessLogViewer};
pub use cookies::{SESSION_COOKIE, STAFF_COOKIE};
pub use extract::{ApiCaller, Client, SignedIn, StaffSignedIn};

/// The customer pages and the identity API, for the public listener.
pub fn public_router<S: Clone + Send + Sync + 'static>(identity: Identity) -> Router<S> {
    Router::new()
        .route("/signup", get(signup::form).post(signup::submit))
        .route("/verify-email/{token}", get(signup::verify))
        .route("/verify-email", post(signup::resend))
        .route("/login", get(login::form).post(login::submit))
        .route("/login/2fa", get(login::code_form).post(login::code_submit))
        .route("/logout", post(login::logout))
        .route(
            "/password/forgot",
            get(password::forgot_form).post(password::forgot_submit),
        )
        .route(
            "/password/reset/{token}",
            get(password::reset_form).post(password::reset_submit),
        )
        .route("/account/security", get(account::security))
        .route("/account/password", post(account::change_password))
        .route(
            "/account/2fa/enrol",
            get(account::enrol_form).post(account::enrol_submit),
        )
        .route("/account/2fa/disable", post(account::disable_2fa))
        .route("/account/recovery-codes", post(account::regenerate_codes))
        .route("/account/sessions/{id}/end", post(account::end_session))
        .route(
            "/account/sessions/end-others",
            post(account::end_other_sessions),
        )
        .route("/account/tokens", post(tokens::create))
        .route("/account/tokens/{id}/revoke", post(tokens::revoke))
        .route("/account/members", get(members::page_view))
        .route("/account/members/invite", post(members::invite))
        .route("/account/members/{id}/remove", post(members::remove))
        .route("/account/members/require-2fa", post(members::require_2fa))
        .route(
            "/account/invitations/{id}/revoke",
            post(members::revoke_invitation),
        )
        .route(
            "/invitations/{token}",
            get(members::invitation).post(members::accept),
        )
        .route("/api/v1/me", get(api::me))
        .route("/api/v1/tokens", post(api::create_token))
        .route("/api/v1/tokens/{id}", get(api::token))
        .with_state(identity)
}

/// The staff pages, for the staff listener only.
pub fn staff_router<S: Clone + Send + Sync + 'static>(identity: Identity) -> Router<S> {
    Router::new()
        .route("/staff", get(staff::home))
        .route("/staff/", get(staff::home))
        .route(
            "/staff/login",
            get(staff::login_form).post(staff::login_submit),
        )
        .route(
            "/staff/login/2fa",
            get(staff::code_form).post(staff::code_submit),
        )
        .route(
            "/staff/setup/{token}",
            get(staff::setup_form).post(staff::setup_submit),
        )
        .route(
            "/staff/2fa",
            get(staff::enrol_form).post(staff::enrol_submit),
        )
        .route("/staff/logout", post(staff::logout))
        .with_state(identity)
}
