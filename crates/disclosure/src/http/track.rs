//! The researcher's private tracking pages: the report and its thread, a reply, the credit
//! choices, replacing or revoking the link, withdrawing. The secret is in the path, which the
//! request log writes as its route template only.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use platform::web::{CsrfToken, FormState};
use serde::Deserialize;

use super::respond::{failure, page};
use crate::service::{CreditChoice, ReportView};
use crate::{Disclosure, DisclosureError};

#[derive(Template)]
#[template(path = "track.html")]
struct TrackPage {
    report: ReportView,
    base: String,
    csrf: String,
    form: FormState,
}

fn private(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

fn base(secret: &str) -> String {
    format!("/security/reports/track/{secret}")
}

pub(super) async fn show(
    State(disclosure): State<Disclosure>,
    Path(secret): Path<String>,
    CsrfToken(csrf): CsrfToken,
) -> Response {
    match disclosure.track(&secret).await {
        Ok(report) => private(page(
            StatusCode::OK,
            &TrackPage {
                report,
                base: base(&secret),
                csrf,
                form: FormState::default(),
            },
        )),
        Err(err) => failure(err),
    }
}

#[derive(Deserialize)]
pub(super) struct Reply {
    #[serde(default)]
    body: String,
}

pub(super) async fn reply(
    State(disclosure): State<Disclosure>,
    Path(secret): Path<String>,
    CsrfToken(csrf): CsrfToken,
    Form(reply): Form<Reply>,
) -> Response {
    match disclosure.researcher_reply(&secret, &reply.body).await {
        Ok(_) => Redirect::to(&base(&secret)).into_response(),
        Err(DisclosureError::Invalid(errors)) => match disclosure.track(&secret).await {
            Ok(report) => private(page(
                StatusCode::UNPROCESSABLE_ENTITY,
                &TrackPage {
                    report,
                    base: base(&secret),
                    csrf,
                    form: FormState::refused(errors.into_inner()),
                },
            )),
            Err(err) => failure(err),
        },
        Err(err) => failure(err),
    }
}

/// Checkboxes send `true` when ticked and nothing otherwise.
#[derive(Deserialize)]
pub(super) struct CreditForm {
    credit: Option<String>,
    name: Option<String>,
    organisation: Option<String>,
    link: Option<String>,
    show_email: Option<String>,
    show_organisation: Option<String>,
    show_link: Option<String>,
}

pub(super) async fn credit(
    State(disclosure): State<Disclosure>,
    Path(secret): Path<String>,
    Form(form): Form<CreditForm>,
) -> Response {
    let ticked = |value: &Option<String>| value.as_deref() == Some("true");
    let choice = CreditChoice {
        credit: ticked(&form.credit),
        show_email: ticked(&form.show_email),
        show_organisation: ticked(&form.show_organisation),
        show_link: ticked(&form.show_link),
        name: form.name,
        organisation: form.organisation,
        link: form.link,
    };
    match disclosure.set_credit(&secret, choice).await {
        Ok(_) => Redirect::to(&base(&secret)).into_response(),
        Err(err) => failure(err),
    }
}

#[derive(Template)]
#[template(path = "report_sent.html")]
struct NewLinkPage {
    report: ReportView,
    link: String,
}

pub(super) async fn replace_link(
    State(disclosure): State<Disclosure>,
    Path(secret): Path<String>,
) -> Response {
    let fresh = match disclosure.replace_link(&secret).await {
        Ok(fresh) => fresh,
        Err(err) => return failure(err),
    };
    match disclosure.track(&fresh).await {
        Ok(report) => private(page(
            StatusCode::OK,
            &NewLinkPage {
                report,
                link: disclosure.tracking_url(&fresh),
            },
        )),
        Err(err) => failure(err),
    }
}

pub(super) async fn revoke(
    State(disclosure): State<Disclosure>,
    Path(secret): Path<String>,
) -> Response {
    match disclosure.revoke_link(&secret).await {
        Ok(()) => (
            StatusCode::OK,
            "The link is revoked: it no longer opens the report.",
        )
            .into_response(),
        Err(err) => failure(err),
    }
}

pub(super) async fn withdraw(
    State(disclosure): State<Disclosure>,
    Path(secret): Path<String>,
) -> Response {
    match disclosure.withdraw(&secret).await {
        Ok(_) => Redirect::to(&base(&secret)).into_response(),
        Err(err) => failure(err),
    }
}

pub(super) async fn attach(
    State(disclosure): State<Disclosure>,
    Path(secret): Path<String>,
    multipart: axum::extract::Multipart,
) -> Response {
    let holder = crate::service::Holder::Researcher { secret: &secret };
    match super::files::upload(&disclosure, holder, multipart).await {
        Ok(()) => Redirect::to(&base(&secret)).into_response(),
        Err(response) => response,
    }
}

pub(super) async fn attachment(
    State(disclosure): State<Disclosure>,
    Path((secret, attachment_id)): Path<(String, String)>,
) -> Response {
    let holder = crate::service::Holder::Researcher { secret: &secret };
    super::files::download(&disclosure, holder, &attachment_id).await
}

pub(super) async fn ask_disclosure(
    State(disclosure): State<Disclosure>,
    Path(secret): Path<String>,
) -> Response {
    match disclosure.ask_disclosure(&secret).await {
        Ok(_) => Redirect::to(&base(&secret)).into_response(),
        Err(err) => failure(err),
    }
}
