//! Sign-up and email verification.

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
use crate::service::SignUp;

#[derive(Template)]
#[template(path = "signup.html")]
struct SignupPage {
    csrf: String,
    form: FormState,
    name: String,
    organisation: String,
    email: String,
    min_chars: usize,
}

#[derive(Deserialize)]
pub(super) struct SignupForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

pub(super) async fn form(State(identity): State<Identity>, client: Client) -> Response {
    page(&SignupPage {
        csrf: client.csrf,
        form: FormState::default(),
        name: String::new(),
        organisation: String::new(),
        email: String::new(),
        min_chars: identity.settings().password.min_chars,
    })
}

pub(super) async fn submit(
    State(identity): State<Identity>,
    client: Client,
    Form(input): Form<SignupForm>,
) -> Response {
    let sign_up = SignUp {
        name: input.name.clone(),
        organisation: input.organisation.clone(),
        email: input.email.clone(),
        password: SecretText::new(input.password),
    };
    match identity.sign_up(sign_up, client.ip).await {
        Ok(email) => page(&Notice {
            title: "Check your inbox".into(),
            message: format!(
                "We sent a link to {email}. Open it within 24 hours to confirm your address, \
                 then log in."
            ),
            link: Some(("/login".into(), "Go to the log-in page".into())),
        }),
        Err(err) => refused(failure(err), |form| SignupPage {
            csrf: client.csrf,
            form,
            name: input.name,
            organisation: input.organisation,
            email: input.email,
            min_chars: identity.settings().password.min_chars,
        }),
    }
}

pub(super) async fn verify(
    State(identity): State<Identity>,
    Path(token): Path<String>,
) -> Response {
    match identity.verify_email(&token).await {
        Ok(()) => page(&Notice {
            title: "Email address confirmed".into(),
            message: "Thank you. You can now log in.".into(),
            link: Some(("/login".into(), "Log in".into())),
        }),
        Err(err) => {
            let failure = failure(err);
            refused(failure, |form| Notice {
                title: "This link does not work".into(),
                message: form.message.unwrap_or_default()
                    + " Log in to have a new link sent to you.",
                link: Some(("/login".into(), "Go to the log-in page".into())),
            })
        }
    }
}

#[derive(Deserialize)]
pub(super) struct ResendForm {
    #[serde(default)]
    email: String,
}

pub(super) async fn resend(
    State(identity): State<Identity>,
    client: Client,
    Form(input): Form<ResendForm>,
) -> Response {
    match identity.resend_verification(&input.email, client.ip).await {
        Ok(()) => page(&Notice {
            title: "Check your inbox".into(),
            message: "If this address has an account waiting for confirmation, a new link is \
                      on its way."
                .into(),
            link: Some(("/login".into(), "Go to the log-in page".into())),
        }),
        Err(err) => refused(failure(err), |form| Notice {
            title: "The link was not sent".into(),
            message: form.message.unwrap_or_default(),
            link: Some(("/login".into(), "Go to the log-in page".into())),
        }),
    }
}
