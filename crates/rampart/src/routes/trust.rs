//! `/security`: the trust page, the controls in force on this server in a customer's words.

use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use platform::web::{ApiError, TrustSection};

use crate::app::AppState;

#[derive(Template)]
#[template(path = "trust.html")]
struct TrustPage {
    sections: Vec<TrustSection>,
    fingerprint: String,
}

pub(super) async fn page(State(state): State<AppState>) -> Response {
    let page = TrustPage {
        sections: crate::trust::sections(&state.config, &state.audit),
        fingerprint: state.certificates.fingerprint(),
    };
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(err) => ApiError::internal(&err).into_response(),
    }
}
