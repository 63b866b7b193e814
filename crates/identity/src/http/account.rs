//! The account security page: password, two-factor authentication, recovery codes,
//! sessions and API tokens, with the re-authentication sensitive actions need.

use askama::Template;
use axum::Form;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use serde::Deserialize;

use super::cookies::{self, SESSION_COOKIE};
use super::extract::{AnySession, Client, SignedIn};
use super::pages::EnrolPage;
use super::respond::{Failure, FormState, failure, page, refused, see_other};
use crate::model::SecretText;
use crate::model::scope::Scope;
use crate::model::session::Stage;
use crate::service::{Principal, SessionView, TokenView, TwoFactorStatus};
use crate::{Identity, IdentityError};

/// Something shown once, right after it was made.
pub(super) enum ShownOnce {
    Token { name: String, secret: SecretText },
    RecoveryCodes(Vec<SecretText>),
}

#[derive(Template)]
#[template(path = "account_security.html")]
struct SecurityPage {
    csrf: String,
    form: FormState,
    notice: Option<&'static str>,
    principal: Principal,
    two_factor: TwoFactorStatus,
    sessions: Vec<SessionView>,
    tokens: Vec<TokenView>,
    scopes: Vec<Scope>,
    token_default_days: u32,
    token_max_days: u32,
    shown: Option<ShownOnce>,
}

#[derive(Template)]
#[template(path = "recovery_codes.html")]
struct RecoveryCodesPage {
    codes: Vec<SecretText>,
}

/// Renders the security page, with a refusal or something to show once.
pub(super) async fn render(
    identity: &Identity,
    principal: Principal,
    csrf: String,
    outcome: Result<Option<ShownOnce>, Failure>,
    notice: Option<&'static str>,
) -> Response {
    let loaded = async {
        Ok::<_, IdentityError>((
            identity.two_factor_status(&principal).await?,
            identity.list_sessions(&principal).await?,
            identity.list_tokens(&principal).await?,
        ))
    };
    let (two_factor, sessions, tokens) = match loaded.await {
        Ok(parts) => parts,
        Err(err) => return refused(failure(err), |_| NoPage),
    };
    let (status_failure, shown) = match outcome {
        Ok(shown) => (None, shown),
        Err(failure) => (Some(failure), None),
    };
    let settings = identity.settings();
    let build = |form| SecurityPage {
        csrf,
        form,
        notice,
        principal,
        two_factor,
        sessions,
        tokens,
        scopes: Scope::ALL.to_vec(),
        token_default_days: settings.token_default_days,
        token_max_days: settings.token_max_days,
        shown,
    };
    match status_failure {
        Some(failure) => refused(failure, build),
        None => page(&build(FormState::default())),
    }
}

/// Stands in for a page when loading its parts failed; the error page middleware shows the
/// status instead.
#[derive(Template)]
#[template(source = "", ext = "html")]
struct NoPage;

pub(super) async fn page_view(
    identity: &Identity,
    principal: Principal,
    client: Client,
    query: Option<String>,
) -> Response {
    let notice = match query.as_deref() {
        Some("recovery-code-used") => Some(
            "You logged in with a recovery code, which now no longer works. If you lost your \
             authenticator, turn two-factor authentication off and on again to enrol a new one.",
        ),
        Some("password-changed") => {
            Some("Your password was changed and every other session ended.")
        }
        Some("2fa-off") => Some("Two-factor authentication is off."),
        Some("session-ended") => Some("The session was ended."),
        Some("sessions-ended") => Some("Every other session was ended."),
        Some("token-revoked") => Some("The token was revoked; it no longer works."),
        _ => None,
    };
    render(identity, principal, client.csrf, Ok(None), notice).await
}

pub(super) async fn security(
    State(identity): State<Identity>,
    SignedIn(principal): SignedIn,
    client: Client,
    RawQuery(query): RawQuery,
) -> Response {
    page_view(&identity, principal, client, query).await
}

/// Proves identity again for a sensitive action when the last proof is too old: the form
/// then carries a `confirm_password` field.
pub(super) async fn prove(
    identity: &Identity,
    mut principal: Principal,
    confirm_password: &str,
) -> Result<Principal, IdentityError> {
    if principal.needs_reauth {
        if confirm_password.is_empty() {
            return Err(IdentityError::field(
                "confirm_password",
                "enter your password to confirm this change",
            ));
        }
        identity
            .reauthenticate(&principal, SecretText::new(confirm_password))
            .await
            .map_err(|err| match err {
                IdentityError::Invalid(_) => {
                    IdentityError::field("confirm_password", "the password is incorrect")
                }
                other => other,
            })?;
        principal.needs_reauth = false;
    }
    Ok(principal)
}

#[derive(Deserialize)]
pub(super) struct ChangePasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

pub(super) async fn change_password(
    State(identity): State<Identity>,
    SignedIn(principal): SignedIn,
    client: Client,
    Form(input): Form<ChangePasswordForm>,
) -> Response {
    let current = SecretText::new(input.current_password);
    let new = SecretText::new(input.new_password);
    match identity.change_password(&principal, current, new).await {
        Ok(()) => see_other("/account/security?password-changed"),
        Err(err) => render(&identity, principal, client.csrf, Err(failure(err)), None).await,
    }
}

pub(super) async fn enrol_form(
    State(identity): State<Identity>,
    AnySession(principal): AnySession,
    client: Client,
) -> Response {
    if principal.stage == Stage::SecondFactor {
        return see_other("/login/2fa");
    }
    match identity.start_enrolment(&principal).await {
        Ok(enrolment) => page(&EnrolPage::new(
            client.csrf,
            FormState::default(),
            "/account/2fa/enrol",
            Some(enrolment),
            principal.stage == Stage::MustEnrol,
        )),
        Err(IdentityError::Forbidden(_)) => see_other("/account/security"),
        Err(err) => refused(failure(err), |_| NoPage),
    }
}

#[derive(Deserialize)]
pub(super) struct CodeForm {
    #[serde(default)]
    code: String,
}

pub(super) async fn enrol_submit(
    State(identity): State<Identity>,
    AnySession(principal): AnySession,
    client: Client,
    Form(input): Form<CodeForm>,
) -> Response {
    if principal.stage == Stage::SecondFactor {
        return see_other("/login/2fa");
    }
    let result = identity
        .confirm_enrolment(&principal, &input.code, client.ip, &client.user_agent)
        .await;
    match result {
        Ok((codes, session)) => {
            let mut response = page(&RecoveryCodesPage { codes });
            cookies::set(&mut response, SESSION_COOKIE, session.cookie_value.expose());
            response
        }
        Err(err) => {
            let enrolment = identity.start_enrolment(&principal).await.ok();
            let required = principal.stage == Stage::MustEnrol;
            refused(failure(err), |form| {
                EnrolPage::new(client.csrf, form, "/account/2fa/enrol", enrolment, required)
            })
        }
    }
}

#[derive(Deserialize)]
pub(super) struct ConfirmForm {
    #[serde(default)]
    confirm_password: String,
}

pub(super) async fn disable_2fa(
    State(identity): State<Identity>,
    SignedIn(principal): SignedIn,
    client: Client,
    Form(input): Form<ConfirmForm>,
) -> Response {
    let result = async {
        let principal = prove(&identity, principal.clone(), &input.confirm_password).await?;
        identity.disable_two_factor(&principal).await
    };
    match result.await {
        Ok(()) => see_other("/account/security?2fa-off"),
        Err(err) => render(&identity, principal, client.csrf, Err(failure(err)), None).await,
    }
}

pub(super) async fn regenerate_codes(
    State(identity): State<Identity>,
    SignedIn(principal): SignedIn,
    client: Client,
    Form(input): Form<ConfirmForm>,
) -> Response {
    let result = async {
        let principal = prove(&identity, principal.clone(), &input.confirm_password).await?;
        identity.regenerate_recovery_codes(&principal).await
    };
    let outcome = result
        .await
        .map(|codes| Some(ShownOnce::RecoveryCodes(codes)));
    render(
        &identity,
        principal,
        client.csrf,
        outcome.map_err(failure),
        None,
    )
    .await
}

pub(super) async fn end_session(
    State(identity): State<Identity>,
    SignedIn(principal): SignedIn,
    client: Client,
    Path(id): Path<String>,
) -> Response {
    match identity.end_session_by_id(&principal, &id).await {
        Ok(()) if id == principal.session_public_id => {
            let mut response = see_other("/login?logged-out");
            cookies::clear(&mut response, SESSION_COOKIE);
            response
        }
        Ok(()) => see_other("/account/security?session-ended"),
        Err(err) => render(&identity, principal, client.csrf, Err(failure(err)), None).await,
    }
}

pub(super) async fn end_other_sessions(
    State(identity): State<Identity>,
    SignedIn(principal): SignedIn,
    client: Client,
) -> Response {
    match identity.end_other_sessions(&principal).await {
        Ok(_) => see_other("/account/security?sessions-ended"),
        Err(err) => render(&identity, principal, client.csrf, Err(failure(err)), None).await,
    }
}
