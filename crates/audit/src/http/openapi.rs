//! The audit log's part of the OpenAPI document served at `/api/v1/openapi.json`: the
//! transparency API of [`super::api_router`] and the shapes of `api` and `model::bundle`.
//!
//! Who may read is decided by the extractor the binary instantiates the router with, which
//! this crate does not know; so the binary passes the security requirement of the routes that
//! need a reader. Problem answers refer to `#/components/responses/<Kind>` and bodies to
//! `#/components/schemas/<Name>`; the binary adds the shared components.

use serde_json::{Value, json};

use crate::model::bundle::BUNDLE_FORMAT;
use crate::model::entry::{ActorKind, Outcome};

/// Page sizes of the access log (as `api` checks them).
const MAX_LIMIT: u32 = 200;

/// The audit log's paths, keyed by path template. `reader` is the `security` of the routes
/// that need a [`super::LogReader`], such as `[{"bearer": ["access-log:read"]}]`.
pub fn openapi_paths(reader: &Value) -> Value {
    json!({
        "/api/v1/audit/public-key": {
            "get": {
                "operationId": "auditPublicKey",
                "tags": ["audit"],
                "summary": "The key that signs the log's checkpoints; public",
                "security": [],
                "responses": {"200": json_body("The public key", "AuditPublicKey")},
            },
        },
        "/api/v1/audit/checkpoint": {
            "get": {
                "operationId": "auditCheckpoint",
                "tags": ["audit"],
                "summary": "The latest signed checkpoint of the whole log",
                "security": reader,
                "responses": {
                    "200": json_body("The checkpoint", "AuditCheckpoint"),
                    "401": problem("Unauthorized"),
                    "403": problem("Forbidden"),
                    "404": problem("NotFound"),
                    "503": problem("Unavailable"),
                },
            },
        },
        "/api/v1/audit/proof/{index}": {
            "get": {
                "operationId": "auditProof",
                "tags": ["audit"],
                "summary": "An entry of the caller's organisation with its inclusion proof and checkpoint",
                "description": "The same bundle `rampart audit check-proof` checks with the public key alone. Another organisation's entry is not found, exactly like one that does not exist. An entry newer than the latest checkpoint is a conflict (409, with `Retry-After`): checkpoints are signed every second.",
                "security": reader,
                "parameters": [
                    {
                        "name": "index",
                        "in": "path",
                        "required": true,
                        "description": "The entry's index in the log",
                        "schema": {"type": "integer", "minimum": 0},
                    },
                    {
                        "name": "tree_size",
                        "in": "query",
                        "description": "Prove against the checkpoint of this size (larger than `index`); by default the first checkpoint that covers the entry",
                        "schema": {"type": "integer", "minimum": 1},
                    },
                ],
                "responses": {
                    "200": json_body("The proof bundle", "AuditProofBundle"),
                    "400": problem("BadRequest"),
                    "401": problem("Unauthorized"),
                    "403": problem("Forbidden"),
                    "404": problem("NotFound"),
                    "409": problem("Conflict"),
                    "503": problem("Unavailable"),
                },
            },
        },
        "/api/v1/audit/consistency": {
            "get": {
                "operationId": "auditConsistency",
                "tags": ["audit"],
                "summary": "The RFC 9162 consistency proof between two checkpointed sizes of the log",
                "security": reader,
                "parameters": [
                    size_parameter("from", "The older checkpoint's tree size"),
                    size_parameter("to", "The newer checkpoint's tree size, at least `from`"),
                ],
                "responses": {
                    "200": json_body("The proof", "AuditConsistencyProof"),
                    "400": problem("BadRequest"),
                    "401": problem("Unauthorized"),
                    "403": problem("Forbidden"),
                    "503": problem("Unavailable"),
                },
            },
        },
        "/api/v1/access-log": {
            "get": {
                "operationId": "accessLog",
                "tags": ["audit"],
                "summary": "The caller's organisation's entries, newest first",
                "description": "Each read of the log is itself recorded before the page is sent.",
                "security": reader,
                "parameters": access_log_parameters(),
                "responses": {
                    "200": with_links(
                        json_body("A page of entries", "AuditEntryList"),
                        json!({"ProveNewestEntry": {
                            "operationId": "auditProof",
                            "parameters": {"index": "$response.body#/items/0/index"},
                        }}),
                    ),
                    "400": problem("BadRequest"),
                    "401": problem("Unauthorized"),
                    "403": problem("Forbidden"),
                    "503": problem("Unavailable"),
                },
            },
        },
    })
}

fn size_parameter(name: &str, description: &str) -> Value {
    json!({
        "name": name,
        "in": "query",
        "required": true,
        "description": description,
        "schema": {"type": "integer", "minimum": 1},
    })
}

fn access_log_parameters() -> Vec<Value> {
    let kinds: Vec<&str> = ActorKind::ALL.iter().map(|k| k.as_str()).collect();
    let query = |name: &str, description: &str, schema: Value| json!({"name": name, "in": "query", "description": description, "schema": schema});
    vec![
        query(
            "actor_kind",
            "Only entries of this kind of actor",
            json!({"type": "string", "enum": kinds}),
        ),
        query(
            "action",
            "Only entries of this action, such as `vault.contact.read`",
            json!({"type": "string"}),
        ),
        query(
            "since",
            "Only entries at or after this time",
            json!({"type": "string", "format": "date-time"}),
        ),
        query(
            "until",
            "Only entries before this time",
            json!({"type": "string", "format": "date-time"}),
        ),
        query(
            "limit",
            "Entries per page",
            json!({"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 50}),
        ),
        query(
            "cursor",
            "The `next_cursor` of the previous page",
            json!({"type": "string"}),
        ),
    ]
}

/// The audit log's schemas, keyed by name.
pub fn openapi_schemas() -> Value {
    let base64 = json!({"type": "string", "contentEncoding": "base64"});
    json!({
        "AuditPublicKey": {
            "type": "object",
            "additionalProperties": false,
            "required": ["origin", "algorithm", "key_id", "public_key", "verifier_key", "pem"],
            "properties": {
                "origin": {"type": "string"},
                "algorithm": {"const": "Ed25519"},
                "key_id": {"type": "string", "pattern": "^[0-9a-f]{8}$"},
                "public_key": {"type": "string", "contentEncoding": "base64", "description": "The raw 32-byte Ed25519 key"},
                "verifier_key": {"type": "string", "description": "The signed-note verifier key: `origin+keyid+base64(0x01 ‖ key)`"},
                "pem": {"type": "string", "description": "The key as a PEM SubjectPublicKeyInfo"},
            },
        },
        "AuditCheckpoint": {
            "type": "object",
            "additionalProperties": false,
            "required": ["tree_size", "root_hash", "signed_at", "note"],
            "properties": {
                "tree_size": {"type": "integer", "minimum": 0},
                "root_hash": base64,
                "signed_at": {"type": "string", "format": "date-time"},
                "note": {"type": "string", "description": "The checkpoint as a signed note"},
            },
        },
        "AuditEntry": entry_schema(),
        "AuditEntryList": {
            "type": "object",
            "additionalProperties": false,
            "required": ["items", "next_cursor"],
            "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/AuditEntry"}},
                "next_cursor": {"type": ["string", "null"]},
            },
        },
        "AuditProofBundle": {
            "type": "object",
            "additionalProperties": false,
            "required": ["format", "entry", "leaf_hash", "tree_size", "inclusion_proof", "checkpoint"],
            "properties": {
                "format": {"const": BUNDLE_FORMAT},
                "entry": {"$ref": "#/components/schemas/AuditEntry"},
                "leaf_hash": base64,
                "tree_size": {"type": "integer", "minimum": 1},
                "inclusion_proof": {"type": "array", "items": base64},
                "checkpoint": {"type": "string", "description": "The signed note of a tree of `tree_size` entries"},
            },
        },
        "AuditConsistencyProof": {
            "type": "object",
            "additionalProperties": false,
            "required": ["from", "to", "proof"],
            "properties": {
                "from": {"type": "integer", "minimum": 1},
                "to": {"type": "integer", "minimum": 1},
                "proof": {"type": "array", "items": base64},
            },
        },
    })
}

fn entry_schema() -> Value {
    let kinds: Vec<&str> = ActorKind::ALL.iter().map(|k| k.as_str()).collect();
    let outcomes: Vec<&str> = [Outcome::Allowed, Outcome::Denied, Outcome::Failed]
        .iter()
        .map(|o| o.as_str())
        .collect();
    let optional = json!({"type": ["string", "null"]});
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": [
            "index", "time", "time_ms", "actor_kind", "actor_id", "tenant_id", "action",
            "resource_kind", "resource_ids", "ticket_id", "grant_id", "outcome", "request_id",
            "client_ip",
        ],
        "properties": {
            "index": {"type": "integer", "minimum": 0},
            "time": {"type": "string", "format": "date-time"},
            "time_ms": {"type": "integer", "description": "The exact time that is hashed, in milliseconds since 1970"},
            "actor_kind": {"type": "string", "enum": kinds},
            "actor_id": {"type": "string"},
            "tenant_id": optional,
            "action": {"type": "string"},
            "resource_kind": {"type": "string"},
            "resource_ids": {"type": "array", "items": {"type": "string"}},
            "ticket_id": optional,
            "grant_id": optional,
            "outcome": {"type": "string", "enum": outcomes},
            "request_id": optional,
            "client_ip": optional,
            "details": {"type": "string", "description": "Absent from entries without details"},
        },
    })
}

fn json_body(description: &str, schema: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}},
    })
}

/// `response` with `links`: which operation a value of the answer leads to.
fn with_links(mut response: Value, links: Value) -> Value {
    response["links"] = links;
    response
}

fn problem(kind: &str) -> Value {
    json!({"$ref": format!("#/components/responses/{kind}")})
}
