//! `GET /api/v1/openapi.json`: the API's OpenAPI 3.1 document. Each feature crate writes the
//! paths and schemas of its own routes (`<crate>::http::openapi`); they are merged here, with
//! what they share: the `Problem` schema, one response per kind of problem, and the bearer
//! scheme.

use std::sync::LazyLock;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use identity::model::scope::Scope;
use platform::web::ProblemKind;
use serde_json::{Map, Value, json};

/// The document, built once: it depends on nothing but the code.
static DOCUMENT: LazyLock<Vec<u8>> =
    LazyLock::new(|| serde_json::to_vec(&document()).unwrap_or_default());

pub(crate) async fn serve() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        DOCUMENT.as_slice(),
    )
        .into_response()
}

/// The kinds of problem the API's routes answer with, by the name their responses have in
/// `#/components/responses`.
const PROBLEMS: [(&str, ProblemKind); 10] = [
    ("BadRequest", ProblemKind::BadRequest),
    ("Unauthorized", ProblemKind::Unauthorized),
    ("Forbidden", ProblemKind::Forbidden),
    ("NotFound", ProblemKind::NotFound),
    ("Conflict", ProblemKind::Conflict),
    ("PayloadTooLarge", ProblemKind::PayloadTooLarge),
    ("UnsupportedMediaType", ProblemKind::UnsupportedMediaType),
    ("ValidationFailed", ProblemKind::ValidationFailed),
    ("RateLimited", ProblemKind::RateLimited),
    ("Unavailable", ProblemKind::Unavailable),
];

/// Every part of the document's paths, one per feature, and this file's own.
fn path_parts() -> Vec<Value> {
    let reader = json!([{"bearer": [Scope::AccessLogRead.as_str()]}]);
    vec![
        identity::http::openapi::openapi_paths(),
        audit::http::openapi::openapi_paths(&reader),
        vault::http::openapi::openapi_paths(),
        disclosure::http::openapi::openapi_paths(),
        own_paths(),
    ]
}

fn schema_parts() -> Vec<Value> {
    vec![
        identity::http::openapi::openapi_schemas(),
        audit::http::openapi::openapi_schemas(),
        vault::http::openapi::openapi_schemas(),
        disclosure::http::openapi::openapi_schemas(),
        json!({"Problem": problem_schema()}),
    ]
}

/// The whole document.
pub fn document() -> Value {
    let scopes: Vec<String> = Scope::ALL
        .iter()
        .map(|s| format!("`{}` ({})", s.as_str(), s.describe()))
        .collect();
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Rampart API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Ids are opaque strings with a type prefix (`ctc_`, `imp_`, `tok_`…). Lists take `limit` (1–200, default 50) and an opaque `cursor`, and answer `{\"items\": […], \"next_cursor\": \"…\" | null}`. Errors are `application/problem+json` (RFC 9457) whose `type` names the mistake, with `errors` (field → message) when fields are not valid. Times are RFC 3339 in UTC. 429 and 503 answers carry `Retry-After`.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "tags": [
            {"name": "contacts", "description": "The organisation's contacts, sealed at rest"},
            {"name": "imports", "description": "CSV imports of contacts, run as jobs"},
            {"name": "contact-fields", "description": "The organisation's custom fields"},
            {"name": "identity", "description": "API tokens"},
            {"name": "audit", "description": "The tamper-evident access log and its proofs"},
            {"name": "disclosure", "description": "Vulnerability reports from researchers"},
            {"name": "meta", "description": "This document"},
        ],
        "paths": merge(path_parts()).0,
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "rmp_…",
                    "description": format!(
                        "An API token, created on /account/security while signed in, sent as `Authorization: Bearer rmp_…`. A token holds the scopes chosen when it was made: {}. Each operation names the scope it needs; without it the answer is 403.",
                        scopes.join(", ")
                    ),
                },
            },
            "schemas": merge(schema_parts()).0,
            "responses": problem_responses(),
        },
    })
}

fn own_paths() -> Value {
    json!({
        "/api/v1/openapi.json": {
            "get": {
                "operationId": "openapi",
                "tags": ["meta"],
                "summary": "This document",
                "security": [],
                "responses": {
                    "200": {
                        "description": "The OpenAPI 3.1 document of every JSON API route",
                        "content": {"application/json": {"schema": {
                            "type": "object",
                            "required": ["openapi", "info", "paths"],
                        }}},
                    },
                },
            },
        },
    })
}

/// RFC 9457's problem details, as `platform::web::ApiError` writes them.
fn problem_schema() -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {
                "type": "string",
                "format": "uri-reference",
                "description": "Stable for the same mistake everywhere; `/problems/<slug>`, a page explaining it",
            },
            "title": {"type": "string"},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": {"type": "string"},
            "errors": {
                "type": "object",
                "description": "Each field that is not valid → what is wrong with it",
                "additionalProperties": {"type": "string"},
            },
        },
    })
}

/// One response per kind in [`PROBLEMS`]: a problem document with that status, and the
/// `type`s that status can have.
fn problem_responses() -> Value {
    let mut responses = Map::new();
    for (name, kind) in PROBLEMS {
        let (status, _, title) = kind.describe();
        let types: Vec<String> = ProblemKind::ALL
            .into_iter()
            .filter(|other| other.status() == status)
            .map(ProblemKind::type_uri)
            .collect();
        let mut response = json!({
            "description": title,
            "content": {"application/problem+json": {"schema": {"allOf": [
                {"$ref": "#/components/schemas/Problem"},
                {"properties": {
                    "status": {"const": status.as_u16()},
                    "type": {"enum": types},
                }},
            ]}}},
        });
        let header = match kind {
            ProblemKind::Unauthorized => Some((
                "WWW-Authenticate",
                "`Bearer realm=\"rampart\"`: the API takes bearer tokens only",
            )),
            ProblemKind::Unavailable | ProblemKind::RateLimited => {
                Some(("Retry-After", "Seconds to wait before retrying"))
            }
            _ => None,
        };
        if let (Some((header, description)), Some(object)) = (header, response.as_object_mut()) {
            object.insert(
                "headers".into(),
                json!({header: {"description": description, "schema": {"type": "string"}}}),
            );
        }
        responses.insert(name.to_owned(), response);
    }
    Value::Object(responses)
}

/// The members of every part in one object, and the names given by more than one part
/// (the first one given is kept).
fn merge(parts: Vec<Value>) -> (Value, Vec<String>) {
    let mut merged = Map::new();
    let mut duplicates = Vec::new();
    for part in parts {
        let Value::Object(members) = part else {
            continue;
        };
        for (name, value) in members {
            if merged.contains_key(&name) {
                duplicates.push(name);
            } else {
                merged.insert(name, value);
            }
        }
    }
    (Value::Object(merged), duplicates)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn no_two_features_name_the_same_path_or_schema() {
        assert_eq!(merge(path_parts()).1, Vec::<String>::new());
        assert_eq!(merge(schema_parts()).1, Vec::<String>::new());
    }

    fn refs<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
        match value {
            Value::Object(members) => {
                for (name, member) in members {
                    match (name.as_str(), member) {
                        ("$ref", Value::String(target)) => found.push(target),
                        _ => refs(member, found),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|item| refs(item, found)),
            _ => {}
        }
    }

    #[test]
    fn every_reference_leads_somewhere() {
        let document = document();
        let mut found = Vec::new();
        refs(&document, &mut found);
        assert!(!found.is_empty());
        for target in found {
            let pointer = target.strip_prefix('#').unwrap();
            assert!(
                document.pointer(pointer).is_some(),
                "{target} leads nowhere"
            );
        }
    }

    #[test]
    fn operation_ids_are_unique_and_every_operation_has_responses() {
        let document = document();
        let mut ids = BTreeSet::new();
        for (path, item) in document["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                if method == "parameters" {
                    continue;
                }
                let id = operation["operationId"].as_str().unwrap();
                assert!(ids.insert(id.to_owned()), "{id} is used twice");
                assert!(
                    operation["responses"]
                        .as_object()
                        .is_some_and(|r| !r.is_empty()),
                    "{method} {path} has no responses"
                );
            }
        }
    }

    #[test]
    fn the_document_is_valid_json_once_built() {
        let parsed: Value = serde_json::from_slice(&DOCUMENT).unwrap();
        assert_eq!(parsed["openapi"], "3.1.0");
    }
}
