//! Identity's part of the OpenAPI document served at `/api/v1/openapi.json`: who a token is,
//! and its tenant's tokens by id (the routes of `api`).
//!
//! Problem answers refer to `#/components/responses/<Kind>` and bodies to
//! `#/components/schemas/<Name>`; the binary merges every feature's part and adds the shared
//! components (`Problem`, the responses, the `bearer` scheme).

use serde_json::{Value, json};

use crate::model::scope::Scope;

/// Identity's paths, keyed by path template.
pub fn openapi_paths() -> Value {
    json!({
        "/api/v1/me": {
            "get": {
                "operationId": "me",
                "tags": ["identity"],
                "summary": "The token that makes the request: its id, tenant, user and scopes",
                "description": "Any valid token may ask, whatever its scopes.",
                "security": [{"bearer": []}],
                "responses": {
                    "200": json_body("Who the token is", "Me"),
                    "401": problem("Unauthorized"),
                },
            },
        },
        "/api/v1/tokens": {
            "post": {
                "operationId": "createToken",
                "tags": ["identity"],
                "summary": "Refused: tokens cannot create tokens",
                "description": "A leaked token must not be able to outlive its revocation, so tokens are created on `/account/security` by a signed-in person only. This route always answers 403 to a valid token; it reads no body.",
                "security": [{"bearer": []}],
                "responses": {
                    "401": problem("Unauthorized"),
                    "403": problem("Forbidden"),
                },
            },
        },
        "/api/v1/tokens/{id}": {
            "parameters": [{
                "name": "id",
                "in": "path",
                "required": true,
                "description": "A token's id (`tok_…`)",
                "schema": {"type": "string"},
            }],
            "get": {
                "operationId": "readToken",
                "tags": ["identity"],
                "summary": "A token of the caller's organisation (never its secret)",
                "description": "Another organisation's token is not found, exactly like one that does not exist. The read is recorded in the access log before anything is sent.",
                "security": [{"bearer": []}],
                "responses": {
                    "200": json_body("The token", "Token"),
                    "400": problem("BadRequest"),
                    "401": problem("Unauthorized"),
                    "404": problem("NotFound"),
                    "503": problem("Unavailable"),
                },
            },
        },
    })
}

/// Identity's schemas, keyed by name.
pub fn openapi_schemas() -> Value {
    let scopes: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
    let scope_list = json!({
        "type": "array",
        "items": {"type": "string", "enum": scopes},
    });
    json!({
        "Me": {
            "type": "object",
            "additionalProperties": false,
            "required": ["token_id", "tenant_id", "user_id", "scopes"],
            "properties": {
                "token_id": {"type": "string", "pattern": "^tok_"},
                "tenant_id": {"type": "string", "pattern": "^ten_"},
                "user_id": {"type": "string", "pattern": "^usr_"},
                "scopes": scope_list,
            },
        },
        "Token": {
            "type": "object",
            "additionalProperties": false,
            "required": [
                "id", "name", "scopes", "created_at", "expires_at", "last_used_at", "revoked",
            ],
            "properties": {
                "id": {"type": "string", "pattern": "^tok_"},
                "name": {"type": "string"},
                "scopes": scope_list,
                "created_at": {"type": "string", "format": "date-time"},
                "expires_at": {"type": "string", "format": "date-time"},
                "last_used_at": {"type": ["string", "null"], "format": "date-time"},
                "revoked": {"type": "boolean"},
            },
        },
    })
}

fn json_body(description: &str, schema: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}},
    })
}

fn problem(kind: &str) -> Value {
    json!({"$ref": format!("#/components/responses/{kind}")})
}
