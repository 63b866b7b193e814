//! Log-in (password, then the code when 2FA is on) and log-out.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

use super::cookies::{self, SESSION_COOKIE};
use super::extract::{AnySession, Client};
use super::pages::CodePage;
use super::respond::{FormState, failure, page, refused, see_other};
use crate::model::SecretText;
use crate::model::session::Stage;
use crate::{Identity, IdentityError};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    csrf: String,
    form: FormState,
    email: String,
    unverified: bool,
}

#[derive(Deserialize)]
pub(super) struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

#[derive(Deserialize)]
pub(super) struct CodeForm {
    #[serde(default)]
    code: String,
}

pub(super) async fn form(client: Client) -> Response {
    page(&LoginPage {
        csrf: client.csrf,
        form: FormState::default(),
        email: String::new(),
        unverified: false,
    })
}

pub(super) async fn submit(
    State(identity): State<Identity>,
    client: Client,
    Form(input): Form<LoginForm>,
) -> Response {
    let password = SecretText::new(input.password);
    let result = identity
        .login(
            &input.email,
            password,
            client.ip,
            &client.user_agent,
            client.session_cookie.as_deref(),
        )
        .await;
    match result {
        Ok(session) => {
            let next = match session.stage {
                Stage::Full => "/account/security",
                Stage::SecondFactor => "/login/2fa",
                Stage::MustEnrol => "/account/2fa/enrol",
            };
            let mut response = see_other(next);
            cookies::set(&mut response, SESSION_COOKIE, session.cookie_value.expose());
            response
        }
        Err(err) => {
            let unverified = matches!(err, IdentityError::EmailNotVerified);
            refused(failure(err), |form| LoginPage {
                csrf: client.csrf,
                form,
                email: input.email,
                unverified,
            })
        }
    }
}

pub(super) async fn code_form(AnySession(principal): AnySession, client: Client) -> Response {
    if principal.stage != Stage::SecondFactor {
        return see_other("/account/security");
    }
    page(&CodePage {
        csrf: client.csrf,
        form: FormState::default(),
        action: "/login/2fa",
        recovery_allowed: true,
    })
}

pub(super) async fn code_submit(
    State(identity): State<Identity>,
    AnySession(principal): AnySession,
    client: Client,
    Form(input): Form<CodeForm>,
) -> Response {
    let result = identity
        .login_second_factor(&principal, &input.code, client.ip, &client.user_agent)
        .await;
    match result {
        Ok(outcome) => {
            let next = match outcome.recovery_codes_left {
                Some(_) => "/account/security?recovery-code-used",
                None => "/account/security",
            };
            let mut response = see_other(next);
            cookies::set(
                &mut response,
                SESSION_COOKIE,
                outcome.session.cookie_value.expose(),
            );
            response
        }
        Err(err) => refused(failure(err), |form| CodePage {
            csrf: client.csrf,
            form,
            action: "/login/2fa",
            recovery_allowed: true,
        }),
    }
}

pub(super) async fn logout(
    State(identity): State<Identity>,
    session: Option<AnySession>,
) -> Response {
    if let Some(AnySession(principal)) = session {
        if let Err(err) = identity.end_session(&principal).await {
            tracing::warn!(error = %err, "could not end a session at log-out");
        }
    }
    let mut response = see_other("/login?logged-out");
    cookies::clear(&mut response, SESSION_COOKIE);
    response
}
