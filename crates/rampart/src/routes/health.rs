//! `/healthz` (the process answers) and `/readyz` (it can serve: database reachable, every
//! migration applied), with reasons when not ready.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use platform::db::migrate;
use platform::web::Rendered;
use serde_json::json;

use crate::app::AppState;

pub(super) async fn healthz() -> Response {
    Json(json!({ "status": "ok" })).into_response()
}

pub(super) async fn readyz(State(state): State<AppState>) -> Response {
    let mut problems = Vec::new();
    let database = match state.db.ping().await {
        Ok(()) => "ok".to_owned(),
        Err(err) => {
            tracing::warn!(error = %err, "readiness: database unreachable");
            problems.push("database unreachable");
            "unreachable".to_owned()
        }
    };
    let migrations = match migrate::pending(&state.db, &state.migrations).await {
        Ok(pending) if pending.is_empty() => "ok".to_owned(),
        Ok(pending) => {
            problems.push("migrations pending");
            format!("pending: {}", pending.join(", "))
        }
        Err(_) => {
            problems.push("migrations unknown");
            "cannot read the migration ledger".to_owned()
        }
    };
    let ready = problems.is_empty();
    let body = json!({
        "status": if ready { "ready" } else { "unavailable" },
        "reasons": problems,
        "checks": { "database": database, "migrations": migrations },
        "node": &*state.node_id,
        "jobs_lease_held": state.leadership.is_leader(),
    });
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let mut response = (status, Json(body)).into_response();
    response.extensions_mut().insert(Rendered);
    response
}
