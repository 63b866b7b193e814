//! The custom fields page: the organisation's own typed fields, defined and removed.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use platform::web::{CsrfToken, FormState};
use serde::Deserialize;

use super::{failure, page, see_other};
use crate::http::caller::Member;
use crate::model::custom::FieldKind;
use crate::{Vault, VaultError};

#[derive(Template)]
#[template(path = "fields.html")]
struct FieldsPage {
    csrf: String,
    form: FormState,
    notice: Option<&'static str>,
    fields: Vec<(String, &'static str)>,
    kinds: Vec<&'static str>,
    typed_name: String,
    typed_kind: String,
}

#[derive(Debug, Deserialize)]
pub(super) struct NoticeQuery {
    notice: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct DefineForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
}

async fn render(
    vault: &Vault,
    caller: &crate::Caller,
    csrf: String,
    form: FormState,
    notice: Option<&'static str>,
    typed: (String, String),
) -> Response {
    let fields = match vault.list_fields(caller).await {
        Ok(fields) => fields,
        Err(err) => return failure(err),
    };
    let status = if form.message.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let template = FieldsPage {
        csrf,
        form,
        notice,
        fields: fields
            .into_iter()
            .map(|(name, kind)| (name.as_str().to_owned(), kind.as_str()))
            .collect(),
        kinds: FieldKind::ALL.iter().map(|k| k.as_str()).collect(),
        typed_name: typed.0,
        typed_kind: typed.1,
    };
    page(status, &template)
}

pub(super) async fn list(
    State(vault): State<Vault>,
    Member(caller): Member,
    CsrfToken(csrf): CsrfToken,
    Query(query): Query<NoticeQuery>,
) -> Response {
    let notice = match query.notice.as_deref() {
        Some("defined") => Some("The field is defined: it shows on every contact's form."),
        Some("removed") => {
            Some("The field is removed; values already stored stay in their contacts.")
        }
        _ => None,
    };
    let typed = (String::new(), "text".to_owned());
    render(&vault, &caller, csrf, FormState::default(), notice, typed).await
}

pub(super) async fn define(
    State(vault): State<Vault>,
    Member(caller): Member,
    CsrfToken(csrf): CsrfToken,
    Form(form): Form<DefineForm>,
) -> Response {
    match vault
        .define_field(&caller, form.name.trim(), &form.kind)
        .await
    {
        Ok(_) => see_other("/app/contacts/fields?notice=defined"),
        Err(VaultError::Invalid(errors)) => {
            let state = FormState::refused(errors.into_map());
            render(&vault, &caller, csrf, state, None, (form.name, form.kind)).await
        }
        Err(VaultError::Conflict(message)) => {
            let mut errors = crate::model::FieldErrors::new();
            errors.insert("name", message);
            let state = FormState::refused(errors.into_map());
            render(&vault, &caller, csrf, state, None, (form.name, form.kind)).await
        }
        Err(err) => failure(err),
    }
}

pub(super) async fn remove(
    State(vault): State<Vault>,
    Member(caller): Member,
    Path(name): Path<String>,
) -> Response {
    match vault.delete_field(&caller, &name).await {
        Ok(()) => see_other("/app/contacts/fields?notice=removed"),
        Err(err) => failure(err),
    }
}
