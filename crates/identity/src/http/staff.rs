//! The staff console's entrance, on the staff listener only: set-up from the one-time
//! link, mandatory 2FA enrolment, log-in with password and code, log-out.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;

use super::cookies::{self, STAFF_COOKIE};
use super::extract::{Client, StaffAnySession, StaffSignedIn};
use super::pages::{CodePage, EnrolPage, Notice};
use super::respond::{FormState, failure, page, refused, see_other};
use crate::Identity;
use crate::model::SecretText;
use crate::model::session::Stage;
use crate::service::{Principal, StartedSession};

#[derive(Template)]
#[template(path = "staff_login.html")]
struct LoginPage {
    csrf: String,
    form: FormState,
    email: String,
}

#[derive(Template)]
#[template(path = "staff_setup.html")]
struct SetupPage {
    csrf: String,
    form: FormState,
    email: String,
    token: String,
    min_chars: usize,
}

#[derive(Template)]
#[template(path = "staff_home.html")]
struct HomePage {
    csrf: String,
    principal: Principal,
}

fn signed_in(next: &str, session: &StartedSession) -> Response {
    let mut response = see_other(next);
    cookies::set(&mut response, STAFF_COOKIE, session.cookie_value.expose());
    response
}

pub(super) async fn home(StaffSignedIn(principal): StaffSignedIn, client: Client) -> Response {
    page(&HomePage {
        csrf: client.csrf,
        principal,
    })
}

pub(super) async fn login_form(client: Client) -> Response {
    page(&LoginPage {
        csrf: client.csrf,
        form: FormState::default(),
        email: String::new(),
    })
}

#[derive(Deserialize)]
pub(super) struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

pub(super) async fn login_submit(
    State(identity): State<Identity>,
    client: Client,
    Form(input): Form<LoginForm>,
) -> Response {
    let password = SecretText::new(input.password);
    match identity
        .staff_login(&input.email, password, client.ip, &client.user_agent)
        .await
    {
        Ok(session) if session.stage == Stage::MustEnrol => signed_in("/staff/2fa", &session),
        Ok(session) => signed_in("/staff/login/2fa", &session),
        Err(err) => refused(failure(err), |form| LoginPage {
            csrf: client.csrf,
            form,
            email: input.email,
        }),
    }
}

#[derive(Deserialize)]
pub(super) struct CodeForm {
    #[serde(default)]
    code: String,
}

pub(super) async fn code_form(
    StaffAnySession(principal): StaffAnySession,
    client: Client,
) -> Response {
    if principal.stage != Stage::SecondFactor {
        return see_other("/staff/");
    }
    page(&CodePage {
        csrf: client.csrf,
        form: FormState::default(),
        action: "/staff/login/2fa",
        recovery_allowed: false,
    })
}

pub(super) async fn code_submit(
    State(identity): State<Identity>,
    StaffAnySession(principal): StaffAnySession,
    client: Client,
    Form(input): Form<CodeForm>,
) -> Response {
    match identity
        .staff_second_factor(&principal, &input.code, client.ip, &client.user_agent)
        .await
    {
        Ok(session) => signed_in("/staff/", &session),
        Err(err) => refused(failure(err), |form| CodePage {
            csrf: client.csrf,
            form,
            action: "/staff/login/2fa",
            recovery_allowed: false,
        }),
    }
}

fn setup_gone(message: String) -> Notice {
    Notice {
        title: "This set-up link does not work".into(),
        message: message + " Ask a security officer to create a new one.",
        link: None,
    }
}

pub(super) async fn setup_form(
    State(identity): State<Identity>,
    client: Client,
    Path(token): Path<String>,
) -> Response {
    match identity.staff_setup_email(&token).await {
        Ok(email) => page(&SetupPage {
            csrf: client.csrf,
            form: FormState::default(),
            email,
            token,
            min_chars: identity.settings().password.min_chars,
        }),
        Err(err) => refused(failure(err), |form| {
            setup_gone(form.message.unwrap_or_default())
        }),
    }
}

#[derive(Deserialize)]
pub(super) struct SetupForm {
    #[serde(default)]
    password: String,
}

pub(super) async fn setup_submit(
    State(identity): State<Identity>,
    client: Client,
    Path(token): Path<String>,
    Form(input): Form<SetupForm>,
) -> Response {
    let password = SecretText::new(input.password);
    match identity
        .staff_setup(&token, password, client.ip, &client.user_agent)
        .await
    {
        Ok(session) => signed_in("/staff/2fa", &session),
        Err(err) => match identity.staff_setup_email(&token).await {
            Ok(email) => refused(failure(err), |form| SetupPage {
                csrf: client.csrf,
                form,
                email,
                token,
                min_chars: identity.settings().password.min_chars,
            }),
            Err(gone) => refused(failure(gone), |form| {
                setup_gone(form.message.unwrap_or_default())
            }),
        },
    }
}

pub(super) async fn enrol_form(
    State(identity): State<Identity>,
    StaffAnySession(principal): StaffAnySession,
    client: Client,
) -> Response {
    if principal.stage != Stage::MustEnrol {
        return see_other("/staff/");
    }
    match identity.staff_start_enrolment(&principal).await {
        Ok(enrolment) => page(&EnrolPage::new(
            client.csrf,
            FormState::default(),
            "/staff/2fa",
            Some(enrolment),
            true,
        )),
        Err(err) => refused(failure(err), |form| {
            setup_gone(form.message.unwrap_or_default())
        }),
    }
}

pub(super) async fn enrol_submit(
    State(identity): State<Identity>,
    StaffAnySession(principal): StaffAnySession,
    client: Client,
    Form(input): Form<CodeForm>,
) -> Response {
    if principal.stage != Stage::MustEnrol {
        return see_other("/staff/");
    }
    match identity
        .staff_confirm_enrolment(&principal, &input.code, client.ip, &client.user_agent)
        .await
    {
        Ok(session) => signed_in("/staff/", &session),
        Err(err) => {
            let enrolment = identity.staff_start_enrolment(&principal).await.ok();
            refused(failure(err), |form| {
                EnrolPage::new(client.csrf, form, "/staff/2fa", enrolment, true)
            })
        }
    }
}

pub(super) async fn logout(
    State(identity): State<Identity>,
    session: Option<StaffAnySession>,
) -> Response {
    if let Some(StaffAnySession(principal)) = session {
        if let Err(err) = identity.end_session(&principal).await {
            tracing::warn!(error = %err, "could not end a staff session at log-out");
        }
    }
    let mut response = see_other("/staff/login");
    cookies::clear(&mut response, STAFF_COOKIE);
    response
}
