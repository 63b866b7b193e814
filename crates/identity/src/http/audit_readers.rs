//! Who may read a tenant's part of the audit log: identity's answer to the audit crate's
//! [`LogReader`]. A token needs the `access-log:read` scope; a person must be an owner or an
//! admin. A refusal is itself recorded, as a denial.

use audit::http::LogReader;
use audit::{Actor, Event, Outcome};
use axum::extract::{FromRef, FromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use platform::web::{ApiError, ProblemKind};

use super::extract::{ApiCaller, SignedIn};
use super::pages::Notice;
use super::respond::page_with_status;
use crate::Identity;
use crate::model::role::Role;
use crate::model::scope::Scope;
use crate::service::{Principal, TokenPrincipal};

/// An API token with the `access-log:read` scope.
#[derive(Debug, Clone)]
pub struct AccessLogToken(pub TokenPrincipal);

impl<S: Send + Sync> FromRequestParts<S> for AccessLogToken
where
    Identity: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let ApiCaller(caller) = ApiCaller::from_request_parts(parts, state).await?;
        if caller.require(Scope::AccessLogRead).is_ok() {
            return Ok(Self(caller));
        }
        let identity = Identity::from_ref(state);
        let denial = Event::new(Actor::token(&caller.token_id), "audit.access_log.read")
            .tenant(&caller.tenant_id)
            .outcome(Outcome::Denied);
        if identity.audit().record_read(denial).await.is_err() {
            return Err(ApiError::new(
                ProblemKind::Unavailable,
                "the audit log cannot record this request right now; try again shortly",
            )
            .retry_after(1)
            .into_response());
        }
        Err(ApiError::new(
            ProblemKind::Forbidden,
            "this token lacks the access-log:read scope; create one with it on /account/security",
        )
        .into_response())
    }
}

impl LogReader for AccessLogToken {
    fn actor(&self) -> Actor {
        Actor::token(&self.0.token_id)
    }

    fn tenant_id(&self) -> &str {
        &self.0.tenant_id
    }
}

/// A signed-in owner or admin of a tenant.
#[derive(Debug, Clone)]
pub struct AccessLogViewer {
    principal: Principal,
    tenant_id: String,
}

impl<S: Send + Sync> FromRequestParts<S> for AccessLogViewer
where
    Identity: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let SignedIn(principal) = SignedIn::from_request_parts(parts, state).await?;
        let allowed = Role::parse(&principal.role).is_some_and(Role::manages_members);
        match (&principal.tenant_id, allowed) {
            (Some(tenant_id), true) => Ok(Self {
                tenant_id: tenant_id.clone(),
                principal,
            }),
            _ => Err(page_with_status(
                StatusCode::FORBIDDEN,
                &Notice {
                    title: "Access log".into(),
                    message:
                        "Only the owner and admins of your organisation can see its access log."
                            .into(),
                    link: Some(("/account/security".into(), "Back to your account".into())),
                },
            )),
        }
    }
}

impl LogReader for AccessLogViewer {
    fn actor(&self) -> Actor {
        Actor::user(&self.principal.subject_id)
    }

    fn tenant_id(&self) -> &str {
        &self.tenant_id
    }
}
