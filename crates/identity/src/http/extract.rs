//! Who a request comes from: the client's address, a customer or staff session from its
//! cookie, or an API token from the `Authorization` header. Tenant scoping starts here:
//! the tenant of every customer operation is the one of the authenticated principal.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use platform::web::{ApiError, CsrfToken, ProblemKind};

use super::cookies::{self, SESSION_COOKIE, STAFF_COOKIE};
use super::respond::identity_problem;
use crate::Identity;
use crate::model::session::Stage;
use crate::service::{Principal, Realm, TokenPrincipal};

/// The address of the connection's peer (Rampart is the TLS endpoint, so no proxy header
/// is trusted).
fn peer_ip(parts: &Parts) -> IpAddr {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip())
}

/// The client's address and browser, for limits and the sessions page.
#[derive(Debug, Clone)]
pub struct Client {
    pub ip: IpAddr,
    pub user_agent: String,
    /// The current customer session cookie, if any (replaced at log-in).
    pub(super) session_cookie: Option<String>,
    pub(super) csrf: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let ip = peer_ip(parts);
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("unknown")
            .to_owned();
        let session_cookie = cookies::read(&parts.headers, SESSION_COOKIE).map(str::to_owned);
        let csrf = parts
            .extensions
            .get::<CsrfToken>()
            .map(|t| t.0.clone())
            .unwrap_or_default();
        Ok(Self {
            ip,
            user_agent,
            session_cookie,
            csrf,
        })
    }
}

/// A session of `realm` at any stage, or none.
async fn session(
    parts: &Parts,
    identity: &Identity,
    realm: Realm,
) -> Result<Option<Principal>, Response> {
    let name = match realm {
        Realm::Customer => SESSION_COOKIE,
        Realm::Staff => STAFF_COOKIE,
    };
    let Some(value) = cookies::read(&parts.headers, name) else {
        return Ok(None);
    };
    identity
        .authenticate_session(realm, value, peer_ip(parts))
        .await
        .map_err(|err| identity_problem(&err).into_response())
}

/// Where each realm sends a request that is not fully signed in.
struct Entrances {
    enrol: &'static str,
    code: &'static str,
    login: &'static str,
}

const CUSTOMER: Entrances = Entrances {
    enrol: "/account/2fa/enrol",
    code: "/login/2fa",
    login: "/login",
};

const STAFF: Entrances = Entrances {
    enrol: "/staff/2fa",
    code: "/staff/login/2fa",
    login: "/staff/login",
};

/// The principal of a fully signed-in session of `realm`, or a redirect to the step due.
async fn fully_signed_in(
    parts: &Parts,
    identity: &Identity,
    realm: Realm,
    entrances: &Entrances,
) -> Result<Principal, Response> {
    match session(parts, identity, realm).await? {
        Some(p) if p.stage == Stage::Full => Ok(p),
        Some(p) if p.stage == Stage::MustEnrol => {
            Err(Redirect::to(entrances.enrol).into_response())
        }
        Some(_) => Err(Redirect::to(entrances.code).into_response()),
        None => Err(Redirect::to(entrances.login).into_response()),
    }
}

/// A fully signed-in customer. Anyone else is sent where they can get there: the log-in
/// page, the code step, or 2FA enrolment when their tenant requires it.
#[derive(Debug, Clone)]
pub struct SignedIn(pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for SignedIn
where
    Identity: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let identity = Identity::from_ref(state);
        fully_signed_in(parts, &identity, Realm::Customer, &CUSTOMER)
            .await
            .map(Self)
    }
}

/// A customer session at any stage (the code step and forced enrolment need these).
#[derive(Debug, Clone)]
pub struct AnySession(pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for AnySession
where
    Identity: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let identity = Identity::from_ref(state);
        session(parts, &identity, Realm::Customer)
            .await?
            .map(Self)
            .ok_or_else(|| Redirect::to("/login").into_response())
    }
}

/// A member of staff, fully signed in with 2FA.
#[derive(Debug, Clone)]
pub struct StaffSignedIn(pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for StaffSignedIn
where
    Identity: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let identity = Identity::from_ref(state);
        fully_signed_in(parts, &identity, Realm::Staff, &STAFF)
            .await
            .map(Self)
    }
}

/// A staff session at any stage.
#[derive(Debug, Clone)]
pub struct StaffAnySession(pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for StaffAnySession
where
    Identity: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let identity = Identity::from_ref(state);
        session(parts, &identity, Realm::Staff)
            .await?
            .map(Self)
            .ok_or_else(|| Redirect::to("/staff/login").into_response())
    }
}

/// The caller of the JSON API: a bearer token, never a cookie.
#[derive(Debug, Clone)]
pub struct ApiCaller(pub TokenPrincipal);

impl<S: Send + Sync> FromRequestParts<S> for ApiCaller
where
    Identity: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let unauthorized = |detail: &str| {
            let mut response = ApiError::new(ProblemKind::Unauthorized, detail).into_response();
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer realm=\"rampart\""),
            );
            response
        };
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Err(unauthorized(
                "send an API token as `Authorization: Bearer rmp_…`; create one on /account/security",
            ));
        };
        let bearer = value
            .to_str()
            .ok()
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .ok_or_else(|| unauthorized("the Authorization header must be `Bearer rmp_…`"))?;
        let identity = Identity::from_ref(state);
        match identity.authenticate_token(bearer, peer_ip(parts)).await {
            Ok(principal) => Ok(Self(principal)),
            Err(crate::IdentityError::Unauthenticated(reason)) => Err(unauthorized(reason)),
            Err(other) => Err(identity_problem(&other).into_response()),
        }
    }
}

impl<S: Send + Sync> axum::extract::OptionalFromRequestParts<S> for AnySession
where
    Identity: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Option<Self>, Response> {
        let identity = Identity::from_ref(state);
        Ok(session(parts, &identity, Realm::Customer).await?.map(Self))
    }
}

impl<S: Send + Sync> axum::extract::OptionalFromRequestParts<S> for StaffAnySession
where
    Identity: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Option<Self>, Response> {
        let identity = Identity::from_ref(state);
        Ok(session(parts, &identity, Realm::Staff).await?.map(Self))
    }
}
