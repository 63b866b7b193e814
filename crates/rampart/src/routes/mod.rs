//! What each listener serves. Feature routers are merged here, in one place.

mod health;
mod metrics;
mod openapi;
mod redirect;
mod trust;

use std::sync::Arc;

use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::Redirect;
use axum::routing::get;
use identity::http::{AccessLogToken, AccessLogViewer};
use platform::web::{CsrfGuard, assets_router, csrf_protect, problem_pages_router};

use crate::app::AppState;

/// The public HTTPS listener: customers, the API, the disclosure program. Every feature
/// router with forms goes into `forms`, whose one layer checks the CSRF token and origin
/// of every state-changing request (the JSON API inside it is exempt: it takes no cookies).
pub(crate) fn public(state: AppState, csrf: CsrfGuard) -> Router {
    let forms = Router::new()
        .merge(identity::http::public_router(state.identity.clone()))
        .merge(vault::http::pages_router::<AppState>())
        .merge(disclosure::http::public_router::<AppState>())
        .route_layer(from_fn_with_state(csrf, csrf_protect));
    let api =
        vault::http::api_router::<AppState>().merge(disclosure::http::api_router::<AppState>());
    let transparency = Router::new()
        .merge(audit::http::api_router::<AppState, AccessLogToken>())
        .merge(audit::http::pages_router::<AppState, AccessLogViewer>());
    Router::new()
        .route("/", get(|| async { Redirect::to("/security") }))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/security", get(trust::page))
        .route("/api/v1/openapi.json", get(openapi::serve))
        .merge(forms)
        .merge(transparency)
        .merge(api)
        .merge(problem_pages_router())
        .merge(assets_router())
        .layer(from_fn(audit::context::capture))
        .with_state(state)
}

/// The staff listener. Staff pages are served here only, never on the public listener.
pub(crate) fn staff(state: AppState, csrf: CsrfGuard) -> Router {
    let forms = Router::new()
        .merge(identity::http::staff_router(state.identity.clone()))
        .merge(disclosure::http::staff_router::<AppState>())
        .route_layer(from_fn_with_state(csrf, csrf_protect));
    Router::new()
        .route("/", get(|| async { Redirect::to("/staff/") }))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .merge(forms)
        .merge(assets_router())
        .layer(from_fn(audit::context::capture))
        .with_state(state)
}

/// The metrics listener, for Prometheus.
pub(crate) fn metrics(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(metrics::render))
        .route("/healthz", get(health::healthz))
        .with_state(state)
}

/// The plain-HTTP listener: every request is sent to the same path over HTTPS.
pub(crate) fn redirect(public_url: Arc<str>) -> Router {
    Router::new()
        .fallback(redirect::to_https)
        .with_state(public_url)
}
