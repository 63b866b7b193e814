//! The identity part of the JSON API: who a token is, and its tenant's tokens by id.

use audit::{Actor, Event, Outcome};
use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use platform::web::{ApiError, ProblemKind};
use serde::Serialize;

use super::extract::ApiCaller;
use super::respond::identity_problem;
use crate::service::TokenView;
use crate::{Identity, IdentityError};

#[derive(Serialize)]
struct Me {
    token_id: String,
    tenant_id: String,
    user_id: String,
    scopes: Vec<&'static str>,
}

pub(super) async fn me(ApiCaller(caller): ApiCaller) -> Json<serde_json::Value> {
    let me = Me {
        scopes: caller.scopes.iter().map(|s| s.as_str()).collect(),
        token_id: caller.token_id,
        tenant_id: caller.tenant_id,
        user_id: caller.user_id,
    };
    Json(serde_json::to_value(me).unwrap_or_default())
}

#[derive(Serialize)]
struct TokenBody {
    id: String,
    name: String,
    scopes: Vec<String>,
    created_at: String,
    expires_at: String,
    last_used_at: Option<String>,
    revoked: bool,
}

impl From<TokenView> for TokenBody {
    fn from(t: TokenView) -> Self {
        Self {
            scopes: t.scopes.split(' ').map(str::to_owned).collect(),
            id: t.id,
            name: t.name,
            created_at: t.created_at.rfc3339(),
            expires_at: t.expires_at.rfc3339(),
            last_used_at: t.last_used_at.map(|at| at.rfc3339()),
            revoked: t.revoked,
        }
    }
}

/// A token of the caller's tenant; another tenant's token is not found, exactly like one
/// that does not exist, and is recorded as a denial. The read is recorded before the token's
/// details are sent.
pub(super) async fn token(
    State(identity): State<Identity>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Response {
    let result = identity.token_in_tenant(&caller, &id).await;
    let outcome = match &result {
        Ok(_) => Outcome::Allowed,
        Err(IdentityError::NotFound) => Outcome::Denied,
        Err(err) => return identity_problem(err).into_response(),
    };
    // An id of the wrong shape is not recorded as given: it could hold anything.
    let ids = platform::ids::is_well_formed("tok", &id)
        .then_some(id)
        .into_iter();
    let read = Event::new(Actor::token(&caller.token_id), "identity.token.read")
        .tenant(&caller.tenant_id)
        .resource("token", ids)
        .outcome(outcome);
    if identity.audit().record_read(read).await.is_err() {
        return ApiError::new(
            ProblemKind::Unavailable,
            "the audit log cannot record this read right now, so nothing is served; try again shortly",
        )
        .retry_after(1)
        .into_response();
    }
    match result {
        Ok(view) => Json(TokenBody::from(view)).into_response(),
        Err(err) => identity_problem(&err).into_response(),
    }
}

/// Tokens cannot make tokens: a leaked token must not be able to outlive its revocation.
pub(super) async fn create_token(ApiCaller(_): ApiCaller) -> ApiError {
    ApiError::new(
        ProblemKind::Forbidden,
        "API tokens cannot create tokens; create one on /account/security while signed in",
    )
}
