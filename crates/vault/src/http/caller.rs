//! Where a request becomes a [`Caller`]: the one place the vault learns its tenant, always
//! from the authenticated principal (a token's tenant, a signed-in member's tenant), never
//! from anything the request names.

use audit::{Actor, Event, Outcome};
use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use identity::http::{ApiCaller, SignedIn};
use identity::model::scope::Scope;
use platform::web::{ApiError, ProblemKind};

use crate::{Caller, Vault};

/// An API token with `contacts:read`.
pub struct Reader(pub Caller);

/// An API token with `contacts:write`.
pub struct Writer(pub Caller);

/// A fully signed-in member of a tenant, on the pages.
pub struct Member(pub Caller);

async fn token_with<S>(parts: &mut Parts, state: &S, scope: Scope) -> Result<Caller, Response>
where
    S: Send + Sync,
    Vault: FromRef<S>,
    identity::Identity: FromRef<S>,
{
    let ApiCaller(token) = ApiCaller::from_request_parts(parts, state).await?;
    let caller = Caller {
        tenant_id: token.tenant_id.clone(),
        actor: Actor::token(&token.token_id),
    };
    if token.require(scope).is_ok() {
        return Ok(caller);
    }
    let vault = Vault::from_ref(state);
    let denial = Event::new(caller.actor.clone(), "vault.contact.access")
        .tenant(&caller.tenant_id)
        .outcome(Outcome::Denied)
        .details(format!("missing scope {}", scope.as_str()));
    if vault.record_denial(denial).await.is_err() {
        return Err(ApiError::new(
            ProblemKind::Unavailable,
            "the audit log cannot record this request right now; try again shortly",
        )
        .retry_after(1)
        .into_response());
    }
    Err(ApiError::new(
        ProblemKind::Forbidden,
        format!(
            "this token lacks the {} scope; create one with it on /account/security",
            scope.as_str()
        ),
    )
    .into_response())
}

impl<S> FromRequestParts<S> for Reader
where
    S: Send + Sync,
    Vault: FromRef<S>,
    identity::Identity: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        token_with(parts, state, Scope::ContactsRead)
            .await
            .map(Self)
    }
}

impl<S> FromRequestParts<S> for Writer
where
    S: Send + Sync,
    Vault: FromRef<S>,
    identity::Identity: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        token_with(parts, state, Scope::ContactsWrite)
            .await
            .map(Self)
    }
}

impl<S> FromRequestParts<S> for Member
where
    S: Send + Sync,
    identity::Identity: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let SignedIn(principal) = SignedIn::from_request_parts(parts, state).await?;
        let Some(tenant_id) = principal.tenant_id.clone() else {
            return Err(Redirect::to("/login").into_response());
        };
        Ok(Self(Caller {
            tenant_id,
            actor: Actor::user(&principal.subject_id),
        }))
    }
}
