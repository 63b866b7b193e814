//! The contacts API: `/api/v1/contacts` and `/api/v1/contact-fields`.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use platform::web::{ApiError, ApiJson, Idempotency};
use serde::{Deserialize, Serialize};

use super::caller::{Reader, Writer};
use super::errors::problem;
use super::json::ContactJson;
use crate::Vault;
use crate::model::ContactInput;
use crate::model::search::SearchInput;

#[derive(Debug, Serialize)]
struct ContactList {
    items: Vec<ContactJson>,
    next_cursor: Option<String>,
}

pub async fn list(
    State(vault): State<Vault>,
    Reader(caller): Reader,
    Query(input): Query<SearchInput>,
) -> Result<Response, ApiError> {
    let (search, page) = input.check().map_err(|e| problem(e.into()))?;
    let page = vault
        .list_contacts(&caller, &search, &page)
        .await
        .map_err(problem)?;
    Ok(axum::Json(ContactList {
        items: page.items.iter().map(ContactJson::new).collect(),
        next_cursor: page.next_cursor,
    })
    .into_response())
}

pub async fn create(
    State(vault): State<Vault>,
    State(idempotency): State<Idempotency>,
    Writer(caller): Writer,
    headers: HeaderMap,
    ApiJson(input): ApiJson<ContactInput>,
) -> Response {
    // The request as the server understood it: the same contact retried is the same request.
    let request = serde_json::to_vec(&input).unwrap_or_default();
    let scope = format!("contacts:{}:{}", caller.tenant_id, caller.actor.id);
    idempotency
        .run(&scope, &headers, &request, async {
            match vault.create_contact(&caller, &input).await {
                Ok(contact) => {
                    let location = format!("/api/v1/contacts/{}", contact.id);
                    (
                        StatusCode::CREATED,
                        [(header::LOCATION, location)],
                        axum::Json(ContactJson::new(&contact)),
                    )
                        .into_response()
                }
                Err(err) => problem(err).into_response(),
            }
        })
        .await
}

pub async fn read(
    State(vault): State<Vault>,
    Reader(caller): Reader,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let contact = vault.get_contact(&caller, &id).await.map_err(problem)?;
    Ok(axum::Json(ContactJson::new(&contact)).into_response())
}

pub async fn update(
    State(vault): State<Vault>,
    Writer(caller): Writer,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ContactInput>,
) -> Result<Response, ApiError> {
    let contact = vault
        .update_contact(&caller, &id, &input)
        .await
        .map_err(problem)?;
    Ok(axum::Json(ContactJson::new(&contact)).into_response())
}

pub async fn delete(
    State(vault): State<Vault>,
    Writer(caller): Writer,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    vault.delete_contact(&caller, &id).await.map_err(problem)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Serialize, Deserialize)]
pub struct FieldJson {
    name: String,
    kind: String,
}

/// Every field at once: a tenant defines a handful, so there is never a next page.
#[derive(Debug, Serialize)]
struct FieldList {
    items: Vec<FieldJson>,
    next_cursor: Option<String>,
}

pub async fn list_fields(
    State(vault): State<Vault>,
    Reader(caller): Reader,
) -> Result<Response, ApiError> {
    let fields = vault.list_fields(&caller).await.map_err(problem)?;
    let items = fields
        .into_iter()
        .map(|(name, kind)| FieldJson {
            name: name.as_str().to_owned(),
            kind: kind.as_str().to_owned(),
        })
        .collect();
    Ok(axum::Json(FieldList {
        items,
        next_cursor: None,
    })
    .into_response())
}

pub async fn define_field(
    State(vault): State<Vault>,
    State(idempotency): State<Idempotency>,
    Writer(caller): Writer,
    headers: HeaderMap,
    ApiJson(input): ApiJson<FieldJson>,
) -> Response {
    let request = serde_json::to_vec(&input).unwrap_or_default();
    let scope = format!("contact-fields:{}:{}", caller.tenant_id, caller.actor.id);
    idempotency
        .run(&scope, &headers, &request, async {
            match vault.define_field(&caller, &input.name, &input.kind).await {
                Ok((name, kind)) => {
                    let body = FieldJson {
                        name: name.as_str().to_owned(),
                        kind: kind.as_str().to_owned(),
                    };
                    (StatusCode::CREATED, axum::Json(body)).into_response()
                }
                Err(err) => problem(err).into_response(),
            }
        })
        .await
}

pub async fn delete_field(
    State(vault): State<Vault>,
    Writer(caller): Writer,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    vault.delete_field(&caller, &name).await.map_err(problem)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
