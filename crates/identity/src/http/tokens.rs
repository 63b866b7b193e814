//! API tokens on the account security page: create (shown once) and revoke.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;

use super::account::{ShownOnce, prove, render};
use super::extract::{Client, SignedIn};
use super::respond::{failure, see_other};
use crate::{Identity, IdentityError};

/// The create form, read by hand because its scope checkboxes repeat one name.
struct CreateForm {
    name: String,
    scopes: Vec<String>,
    expires_in_days: Option<String>,
    confirm_password: String,
}

impl CreateForm {
    fn parse(body: &[u8]) -> Self {
        let mut form = Self {
            name: String::new(),
            scopes: Vec::new(),
            expires_in_days: None,
            confirm_password: String::new(),
        };
        for (key, value) in url::form_urlencoded::parse(body) {
            match &*key {
                "name" => form.name = value.into_owned(),
                "scopes" => form.scopes.push(value.into_owned()),
                "expires_in_days" => form.expires_in_days = Some(value.into_owned()),
                "confirm_password" => form.confirm_password = value.into_owned(),
                _ => {}
            }
        }
        form
    }
}

pub(super) async fn create(
    State(identity): State<Identity>,
    SignedIn(principal): SignedIn,
    client: Client,
    body: Bytes,
) -> Response {
    let input = CreateForm::parse(&body);
    let result = async {
        let days =
            match input.expires_in_days.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(text) => Some(text.parse::<u32>().map_err(|_| {
                    IdentityError::field("expires_in_days", "enter a number of days")
                })?),
            };
        let principal = prove(&identity, principal.clone(), &input.confirm_password).await?;
        identity
            .create_token(&principal, &input.name, &input.scopes, days)
            .await
    };
    let outcome = result.await.map(|created| {
        Some(ShownOnce::Token {
            name: input.name.trim().to_owned(),
            secret: created.secret,
        })
    });
    render(
        &identity,
        principal,
        client.csrf,
        outcome.map_err(failure),
        None,
    )
    .await
}

pub(super) async fn revoke(
    State(identity): State<Identity>,
    SignedIn(principal): SignedIn,
    client: Client,
    Path(id): Path<String>,
) -> Response {
    match identity.revoke_token(&principal, &id).await {
        Ok(()) => see_other("/account/security?token-revoked"),
        Err(err) => render(&identity, principal, client.csrf, Err(failure(err)), None).await,
    }
}
