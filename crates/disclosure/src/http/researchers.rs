//! Researcher accounts over HTTP: the sign-in form, the mailed link (opened, then confirmed
//! with a button, so a mail scanner that follows links cannot spend it), the account page,
//! and signing out. The session is a `__Host-` cookie: Secure, HttpOnly, SameSite=Lax.

use platform::web::{CsrfToken, FormState};
use std::net::SocketAddr;

use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, FromRef, OptionalFromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::respond::{failure, page};
use crate::service::{OwnReport, Researcher, SESSION_LIFETIME};
use crate::{Disclosure, DisclosureError};

pub(super) const COOKIE: &str = "__Host-rampart-researcher";

/// The session cookie's secret, if the request has one.
fn session_secret(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
}

/// A signed-in researcher, when there is one: the one place a cookie becomes an account.
pub(super) struct SignedInResearcher(pub Researcher);

impl<S> OptionalFromRequestParts<S> for SignedInResearcher
where
    S: Send + Sync,
    Disclosure: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Option<Self>, Response> {
        let Some(secret) = session_secret(&parts.headers) else {
            return Ok(None);
        };
        Disclosure::from_ref(state)
            .researcher_of(&secret)
            .await
            .map(|found| found.map(Self))
            .map_err(failure)
    }
}

#[derive(Template)]
#[template(path = "researcher_sign_in.html")]
struct SignInPage {
    csrf: String,
    form: FormState,
    email: String,
    name: String,
    sent: bool,
}

pub(super) async fn sign_in_form(CsrfToken(csrf): CsrfToken) -> Response {
    page(
        StatusCode::OK,
        &SignInPage {
            csrf,
            form: FormState::default(),
            email: String::new(),
            name: String::new(),
            sent: false,
        },
    )
}

#[derive(Deserialize)]
pub(super) struct SignInRequest {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
}

pub(super) async fn request_link(
    State(disclosure): State<Disclosure>,
    CsrfToken(csrf): CsrfToken,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Form(request): Form<SignInRequest>,
) -> Response {
    let name = Some(request.name.as_str()).filter(|n| !n.trim().is_empty());
    match disclosure
        .request_sign_in(&request.email, name, Some(peer.ip()))
        .await
    {
        Ok(()) => page(
            StatusCode::OK,
            &SignInPage {
                csrf,
                form: FormState::default(),
                email: request.email,
                name: request.name,
                sent: true,
            },
        ),
        Err(DisclosureError::Invalid(errors)) => page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &SignInPage {
                csrf,
                form: FormState::refused(errors.into_inner()),
                email: request.email,
                name: request.name,
                sent: false,
            },
        ),
        Err(err) => failure(err),
    }
}

#[derive(Template)]
#[template(path = "researcher_confirm.html")]
struct ConfirmPage {
    csrf: String,
    action: String,
}

/// The mailed link: a page with the button that spends it.
pub(super) async fn confirm(Path(link): Path<String>, CsrfToken(csrf): CsrfToken) -> Response {
    let mut response = page(
        StatusCode::OK,
        &ConfirmPage {
            csrf,
            action: format!("/security/researchers/sign-in/{link}"),
        },
    );
    let headers = response.headers_mut();
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

pub(super) async fn complete(
    State(disclosure): State<Disclosure>,
    Path(link): Path<String>,
) -> Response {
    match disclosure.complete_sign_in(&link).await {
        Ok((_, session)) => {
            let cookie = format!(
                "{COOKIE}={session}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age={}",
                SESSION_LIFETIME.as_secs()
            );
            let mut response = Redirect::to("/security/researchers/reports").into_response();
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                response.headers_mut().insert(header::SET_COOKIE, value);
            }
            response
        }
        Err(DisclosureError::NotFound) => (
            StatusCode::NOT_FOUND,
            "This sign-in link was used already, has expired, or is not one we sent; ask for a new one",
        )
            .into_response(),
        Err(err) => failure(err),
    }
}

#[derive(Template)]
#[template(path = "researcher_reports.html")]
struct AccountPage {
    csrf: String,
    researcher: Researcher,
    reports: Vec<OwnReport>,
}

pub(super) async fn account(
    State(disclosure): State<Disclosure>,
    CsrfToken(csrf): CsrfToken,
    researcher: Option<SignedInResearcher>,
) -> Response {
    let Some(SignedInResearcher(researcher)) = researcher else {
        return Redirect::to("/security/researchers/sign-in").into_response();
    };
    match disclosure.own_reports(&researcher).await {
        Ok(reports) => {
            let mut response = page(
                StatusCode::OK,
                &AccountPage {
                    csrf,
                    researcher,
                    reports,
                },
            );
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(err) => failure(err),
    }
}

pub(super) async fn sign_out(State(disclosure): State<Disclosure>, headers: HeaderMap) -> Response {
    if let Some(secret) = session_secret(&headers)
        && let Err(err) = disclosure.sign_out(&secret).await
    {
        return failure(err);
    }
    let mut response = Redirect::to("/security/policy").into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static(
            "__Host-rampart-researcher=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0",
        ),
    );
    response
}
