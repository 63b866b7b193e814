//! Forgotten passwords: ask for a link, then choose a new password with it.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;

use super::extract::Client;
use super::pages::Notice;
use super::respond::{FormState, failure, page, refused};
use crate::Identity;
use crate::model::SecretText;

#[derive(Template)]
#[template(path = "forgot.html")]
struct ForgotPage {
    csrf: String,
    form: FormState,
    email: String,
}

#[derive(Template)]
#[template(path = "reset.html")]
struct ResetPage {
    csrf: String,
    form: FormState,
    email: String,
    token: String,
    min_chars: usize,
}

#[derive(Deserialize)]
pub(super) struct ForgotForm {
    #[serde(default)]
    email: String,
}

#[derive(Deserialize)]
pub(super) struct ResetForm {
    #[serde(default)]
    password: String,
}

pub(super) async fn forgot_form(client: Client) -> Response {
    page(&ForgotPage {
        csrf: client.csrf,
        form: FormState::default(),
        email: String::new(),
    })
}

pub(super) async fn forgot_submit(
    State(identity): State<Identity>,
    client: Client,
    Form(input): Form<ForgotForm>,
) -> Response {
    match identity
        .request_password_reset(&input.email, client.ip)
        .await
    {
        Ok(()) => page(&Notice {
            title: "Check your inbox".into(),
            message: "If this address has a Rampart account, a link to choose a new password \
                      is on its way. It works once, for 30 minutes."
                .into(),
            link: Some(("/login".into(), "Back to the log-in page".into())),
        }),
        Err(err) => refused(failure(err), |form| ForgotPage {
            csrf: client.csrf,
            form,
            email: input.email,
        }),
    }
}

fn link_gone(message: String) -> Notice {
    Notice {
        title: "This link does not work".into(),
        message,
        link: Some(("/password/forgot".into(), "Ask for a new link".into())),
    }
}

pub(super) async fn reset_form(
    State(identity): State<Identity>,
    client: Client,
    Path(token): Path<String>,
) -> Response {
    match identity.reset_link_email(&token).await {
        Ok(email) => page(&ResetPage {
            csrf: client.csrf,
            form: FormState::default(),
            email,
            token,
            min_chars: identity.settings().password.min_chars,
        }),
        Err(err) => refused(failure(err), |form| {
            link_gone(form.message.unwrap_or_default())
        }),
    }
}

pub(super) async fn reset_submit(
    State(identity): State<Identity>,
    client: Client,
    Path(token): Path<String>,
    Form(input): Form<ResetForm>,
) -> Response {
    let password = SecretText::new(input.password);
    match identity.reset_password(&token, password).await {
        Ok(()) => page(&Notice {
            title: "Your password was changed".into(),
            message: "Every session of your account has ended. Log in with your new password."
                .into(),
            link: Some(("/login".into(), "Log in".into())),
        }),
        Err(crate::IdentityError::LinkInvalid) => {
            refused(failure(crate::IdentityError::LinkInvalid), |form| {
                link_gone(form.message.unwrap_or_default())
            })
        }
        Err(err) => {
            let email = identity.reset_link_email(&token).await.unwrap_or_default();
            refused(failure(err), |form| ResetPage {
                csrf: client.csrf,
                form,
                email,
                token,
                min_chars: identity.settings().password.min_chars,
            })
        }
    }
}
