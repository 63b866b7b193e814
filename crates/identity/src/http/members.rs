//! The members page (people, roles, invitations, 2FA for everyone) and accepting an
//! invitation.

use askama::Template;
use axum::Form;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use serde::Deserialize;

use super::account::prove;
use super::extract::{Client, SignedIn};
use super::pages::Notice;
use super::respond::{Failure, FormState, failure, page, refused, see_other};
use crate::model::SecretText;
use crate::model::role::Role;
use crate::service::{MembersView, Principal};
use crate::{Identity, IdentityError};

#[derive(Template)]
#[template(path = "members.html")]
struct MembersPage {
    csrf: String,
    form: FormState,
    notice: Option<&'static str>,
    principal: Principal,
    view: MembersView,
    roles: Vec<Role>,
    invite_email: String,
}

#[derive(Template)]
#[template(path = "invitation.html")]
struct InvitationPage {
    csrf: String,
    form: FormState,
    token: String,
    tenant_name: String,
    email: String,
    role: Role,
    name: String,
}

async fn render(
    identity: &Identity,
    principal: Principal,
    csrf: String,
    failed: Option<Failure>,
    notice: Option<&'static str>,
    invite_email: String,
) -> Response {
    let view = match identity.members(&principal).await {
        Ok(view) => view,
        Err(err) => {
            return refused(failure(err), |_| Notice {
                title: "Members".into(),
                message: "The members of your organisation cannot be shown right now.".into(),
                link: None,
            });
        }
    };
    let roles = Role::ALL
        .into_iter()
        .filter(|r| view.your_role.may_manage(*r))
        .collect();
    let build = |form| MembersPage {
        csrf,
        form,
        notice,
        principal,
        view,
        roles,
        invite_email,
    };
    match failed {
        Some(failure) => refused(failure, build),
        None => page(&build(FormState::default())),
    }
}

/// The members page again, saying why an action was refused.
async fn refused_here(
    identity: &Identity,
    principal: Principal,
    csrf: String,
    err: IdentityError,
) -> Response {
    render(
        identity,
        principal,
        csrf,
        Some(failure(err)),
        None,
        String::new(),
    )
    .await
}

pub(super) async fn page_view(
    State(identity): State<Identity>,
    SignedIn(principal): SignedIn,
    client: Client,
    RawQuery(query): RawQuery,
) -> Response {
    let notice = match query.as_deref() {
        Some("invited") => Some("The invitation is on its way. It works once, for 7 days."),
        Some("removed") => {
            Some("The person was removed; their sessions ended and their tokens were revoked.")
        }
        Some("revoked") => Some("The invitation was withdrawn."),
        Some("2fa-required") => Some(
            "Everyone must now use two-factor authentication; people without it enrol at their next log-in.",
        ),
        Some("2fa-optional") => Some("Two-factor authentication is now optional."),
        _ => None,
    };
    render(
        &identity,
        principal,
        client.csrf,
        None,
        notice,
        String::new(),
    )
    .await
}

#[derive(Deserialize)]
pub(super) struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

pub(super) async fn invite(
    State(identity): State<Identity>,
    SignedIn(principal): SignedIn,
    client: Client,
    Form(input): Form<InviteForm>,
) -> Response {
    match identity.invite(&principal, &input.email, &input.role).await {
        Ok(()) => see_other("/account/members?invited"),
        Err(err) => {
            let failed = Some(failure(err));
            render(&identity, principal, client.csrf, failed, None, input.email).await
        }
    }
}

#[derive(Deserialize)]
pub(super) struct ConfirmForm {
    #[serde(default)]
    confirm_password: String,
}

pub(super) async fn remove(
    State(identity): State<Identity>,
    SignedIn(principal): SignedIn,
    client: Client,
    Path(id): Path<String>,
    Form(input): Form<ConfirmForm>,
) -> Response {
    let result = async {
        let principal = prove(&identity, principal.clone(), &input.confirm_password).await?;
        identity.remove_member(&principal, &id).await
    };
    match result.await {
        Ok(()) => see_other("/account/members?removed"),
        Err(err) => refused_here(&identity, principal, client.csrf, err).await,
    }
}

pub(super) async fn revoke_invitation(
    State(identity): State<Identity>,
    SignedIn(principal): SignedIn,
    client: Client,
    Path(id): Path<String>,
) -> Response {
    match identity.revoke_invitation(&principal, &id).await {
        Ok(()) => see_other("/account/members?revoked"),
        Err(err) => refused_here(&identity, principal, client.csrf, err).await,
    }
}

#[derive(Deserialize)]
pub(super) struct RequireForm {
    #[serde(default)]
    required: String,
}

pub(super) async fn require_2fa(
    State(identity): State<Identity>,
    SignedIn(principal): SignedIn,
    client: Client,
    Form(input): Form<RequireForm>,
) -> Response {
    let required = input.required == "on";
    match identity.set_tenant_requires_2fa(&principal, required).await {
        Ok(()) if required => see_other("/account/members?2fa-required"),
        Ok(()) => see_other("/account/members?2fa-optional"),
        Err(err) => refused_here(&identity, principal, client.csrf, err).await,
    }
}

fn invitation_gone(err: IdentityError) -> Response {
    refused(failure(err), |form| Notice {
        title: "This invitation does not work".into(),
        message: form.message.unwrap_or_default()
            + " Ask the person who invited you for a new invitation.",
        link: None,
    })
}

pub(super) async fn invitation(
    State(identity): State<Identity>,
    client: Client,
    Path(token): Path<String>,
) -> Response {
    match identity.invitation(&token).await {
        Ok(details) => page(&InvitationPage {
            csrf: client.csrf,
            form: FormState::default(),
            token,
            tenant_name: details.tenant_name,
            email: details.email,
            role: details.role,
            name: String::new(),
        }),
        Err(err) => invitation_gone(err),
    }
}

#[derive(Deserialize)]
pub(super) struct AcceptForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
}

pub(super) async fn accept(
    State(identity): State<Identity>,
    client: Client,
    Path(token): Path<String>,
    Form(input): Form<AcceptForm>,
) -> Response {
    let password = SecretText::new(input.password);
    match identity
        .accept_invitation(&token, &input.name, password)
        .await
    {
        Ok(()) => page(&Notice {
            title: "Welcome aboard".into(),
            message: "Your account is ready. Log in with your email address and the password \
                      you chose."
                .into(),
            link: Some(("/login".into(), "Log in".into())),
        }),
        Err(err @ IdentityError::LinkInvalid) => invitation_gone(err),
        Err(err) => match identity.invitation(&token).await {
            Ok(details) => refused(failure(err), |form| InvitationPage {
                csrf: client.csrf,
                form,
                token,
                tenant_name: details.tenant_name,
                email: details.email,
                role: details.role,
                name: input.name,
            }),
            Err(gone) => invitation_gone(gone),
        },
    }
}
