//! The vault's part of the OpenAPI document served at `/api/v1/openapi.json`: the paths of
//! [`super::api_router`] and the schemas of their bodies, written from the handlers in `api`
//! and `imports_api`, the shapes in `json`, and the checks of `model`.
//!
//! Problem answers refer to `#/components/responses/<Kind>` and bodies to
//! `#/components/schemas/<Name>`; the binary merges every feature's part and adds the shared
//! components (`Problem`, the responses, the `bearer` scheme).

mod schemas;

use identity::model::scope::Scope;
use serde_json::{Value, json};

pub use schemas::openapi_schemas;
use schemas::{email_schema, phone_schema, tag_schema};

use crate::model::search::MAX_LIMIT;

/// The vault's paths, keyed by path template.
pub fn openapi_paths() -> Value {
    json!({
        "/api/v1/contacts": {
            "get": {
                "operationId": "listContacts",
                "tags": ["contacts"],
                "summary": "List and search the organisation's contacts",
                "description": "Every filter given must match: `phone` and `email` exactly (after normalising), `tag` exactly, and each word of `q` as a whole word of the name. Newest first.",
                "security": scopes(Scope::ContactsRead),
                "parameters": list_parameters(),
                "responses": {
                    "200": json_body("A page of contacts", "ContactList"),
                    "400": problem("BadRequest"),
                    "401": problem("Unauthorized"),
                    "403": problem("Forbidden"),
                    "422": problem("ValidationFailed"),
                    "503": problem("Unavailable"),
                },
            },
            "post": {
                "operationId": "createContact",
                "tags": ["contacts"],
                "summary": "Create a contact",
                "description": "With an `Idempotency-Key`, a retry of the same request within 24 hours gets the first answer again (marked `Idempotent-Replayed: true`) instead of creating a second contact; the same key on a different request is refused with 422, and while the first is still running with 409.",
                "security": scopes(Scope::ContactsWrite),
                "parameters": [idempotency_key()],
                "requestBody": json_request("ContactCreate", json!({
                    "name": "Ada Lovelace",
                    "phones": ["+44 20 7946 0958"],
                    "emails": ["ada@example.com"],
                    "tags": ["vip"],
                    "channels": {"email": {"consent": true}},
                })),
                "responses": {
                    "201": {
                        "description": "The contact, created",
                        "headers": {
                            "Location": location("/api/v1/contacts/{id}"),
                            "Idempotent-Replayed": {
                                "description": "`true` when this is the kept answer of an earlier request with the same Idempotency-Key",
                                "schema": {"type": "string", "enum": ["true"]},
                            },
                        },
                        "content": {"application/json": {"schema": schema_ref("Contact")}},
                        "links": contact_links(),
                    },
                    "400": problem("BadRequest"),
                    "401": problem("Unauthorized"),
                    "403": problem("Forbidden"),
                    "409": problem("Conflict"),
                    "413": problem("PayloadTooLarge"),
                    "415": problem("UnsupportedMediaType"),
                    "422": problem("ValidationFailed"),
                    "503": problem("Unavailable"),
                },
            },
        },
        "/api/v1/contacts/{id}": {
            "parameters": [path_parameter("id", "A contact's id (`ctc_…`)")],
            "get": {
                "operationId": "readContact",
                "tags": ["contacts"],
                "summary": "Read a contact",
                "security": scopes(Scope::ContactsRead),
                "responses": read_responses("200", json_body("The contact", "Contact")),
            },
            "patch": {
                "operationId": "updateContact",
                "tags": ["contacts"],
                "summary": "Change a contact: only the fields given change",
                "security": scopes(Scope::ContactsWrite),
                "requestBody": json_request("ContactPatch", json!({"tags": ["vip", "press"]})),
                "responses": {
                    "200": json_body("The contact, changed", "Contact"),
                    "400": problem("BadRequest"),
                    "401": problem("Unauthorized"),
                    "403": problem("Forbidden"),
                    "404": problem("NotFound"),
                    "413": problem("PayloadTooLarge"),
                    "415": problem("UnsupportedMediaType"),
                    "422": problem("ValidationFailed"),
                    "503": problem("Unavailable"),
                },
            },
            "delete": {
                "operationId": "deleteContact",
                "tags": ["contacts"],
                "summary": "Delete a contact",
                "security": scopes(Scope::ContactsWrite),
                "responses": read_responses("204", json!({"description": "Deleted"})),
            },
        },
        "/api/v1/contacts/export": {
            "get": {
                "operationId": "exportContacts",
                "tags": ["contacts"],
                "summary": "Every contact matching the filters, as a streamed CSV file",
                "description": "Columns: id, name, phones, emails, tags, notes, created_at, updated_at, consent_<channel> and opt_out_<channel> for call, sms and email, then each custom field. Lists are joined with `; `; a cell that a spreadsheet would run as a formula starts with `'`.",
                "security": scopes(Scope::ContactsRead),
                "parameters": filter_parameters(),
                "responses": {
                    "200": csv_body("The contacts as CSV"),
                    "400": problem("BadRequest"),
                    "401": problem("Unauthorized"),
                    "403": problem("Forbidden"),
                    "422": problem("ValidationFailed"),
                    "503": problem("Unavailable"),
                },
            },
        },
        "/api/v1/contacts/import": {
            "post": import_operation(),
        },
        "/api/v1/imports/{id}": {
            "parameters": [path_parameter("id", "An import's id (`imp_…`)")],
            "get": {
                "operationId": "readImport",
                "tags": ["imports"],
                "summary": "An import's progress, counts and first rejected rows",
                "security": scopes(Scope::ContactsRead),
                "responses": read_responses("200", json_body("The import", "Import")),
            },
        },
        "/api/v1/imports/{id}/rejections": {
            "parameters": [path_parameter("id", "An import's id (`imp_…`)")],
            "get": {
                "operationId": "importRejections",
                "tags": ["imports"],
                "summary": "Every row an import refused, as CSV with the columns line and reason",
                "security": scopes(Scope::ContactsRead),
                "responses": read_responses("200", csv_body("The rejected rows as CSV")),
            },
        },
        "/api/v1/contact-fields": {
            "get": {
                "operationId": "listContactFields",
                "tags": ["contact-fields"],
                "summary": "The organisation's custom fields",
                "security": scopes(Scope::ContactsRead),
                "responses": {
                    "200": json_body("Every custom field (one page)", "ContactFieldList"),
                    "401": problem("Unauthorized"),
                    "403": problem("Forbidden"),
                    "503": problem("Unavailable"),
                },
            },
            "post": {
                "operationId": "defineContactField",
                "tags": ["contact-fields"],
                "summary": "Define a custom field",
                "description": "Accepts an `Idempotency-Key`, as contact creation does.",
                "security": scopes(Scope::ContactsWrite),
                "parameters": [idempotency_key()],
                "requestBody": json_request("ContactField", json!({"name": "tier", "kind": "text"})),
                "responses": {
                    "201": json_body("The field, defined", "ContactField"),
                    "400": problem("BadRequest"),
                    "401": problem("Unauthorized"),
                    "403": problem("Forbidden"),
                    "409": problem("Conflict"),
                    "413": problem("PayloadTooLarge"),
                    "415": problem("UnsupportedMediaType"),
                    "422": problem("ValidationFailed"),
                    "503": problem("Unavailable"),
                },
            },
        },
        "/api/v1/contact-fields/{name}": {
            "parameters": [path_parameter("name", "A custom field's name")],
            "delete": {
                "operationId": "deleteContactField",
                "tags": ["contact-fields"],
                "summary": "Remove a custom field's definition (values stay in their contacts until edited)",
                "security": scopes(Scope::ContactsWrite),
                "responses": read_responses("204", json!({"description": "Removed"})),
            },
        },
    })
}

fn import_operation() -> Value {
    json!({
        "operationId": "importContacts",
        "tags": ["imports"],
        "summary": "Import a CSV file of contacts as a background job",
        "description": "The body is the file itself. Each header names the field its column feeds (`name`, `phones`, `emails`, `tags`, `notes`, `consent_<channel>`, `opt_out_<channel>`, a custom field, or common spellings such as `Phone number`); `column.<header>=<field>` overrides that for one header, and `ignore` drops a column. A file without a name column, or whose columns cannot be mapped, is refused with 422 and starts no job. Rows that fail their checks are counted and listed, not imported. With an `Idempotency-Key`, the same file with the same options sent again within 24 hours gets the first job back instead of starting a second.",
        "security": scopes(Scope::ContactsWrite),
        "parameters": [
            idempotency_key(),
            {
                "name": "merge",
                "in": "query",
                "description": "What a row does to a contact that already has its phone or email: `skip` leaves it, `update` adds what the row brings.",
                "schema": {"type": "string", "enum": ["skip", "update"], "default": "skip"},
            },
            {
                "name": "columns",
                "in": "query",
                "description": "`column.<header>=<field>` for each header whose name does not say which field it feeds.",
                "style": "form",
                "explode": true,
                "schema": {
                    "type": "object",
                    "propertyNames": {"pattern": "^column\\..+$"},
                    "additionalProperties": {"type": "string"},
                },
            },
        ],
        "requestBody": {
            "required": true,
            "content": {"text/csv": {
                "schema": {"type": "string", "minLength": 1},
                "example": "name,phones,emails,tags\nAda Lovelace,+44 20 7946 0958,ada@example.com,vip\n",
            }},
        },
        "responses": {
            "202": {
                "description": "The file is spooled and its import started",
                "headers": {"Location": location("/api/v1/imports/{id}")},
                "content": {"application/json": {"schema": schema_ref("Import")}},
                "links": {
                    "ReadImport": {
                        "operationId": "readImport",
                        "parameters": {"id": "$response.body#/id"},
                    },
                    "ImportRejections": {
                        "operationId": "importRejections",
                        "parameters": {"id": "$response.body#/id"},
                    },
                },
            },
            "400": problem("BadRequest"),
            "401": problem("Unauthorized"),
            "403": problem("Forbidden"),
            "413": problem("PayloadTooLarge"),
            "415": problem("UnsupportedMediaType"),
            "422": problem("ValidationFailed"),
            "503": problem("Unavailable"),
        },
    })
}

/// The search filters of the list and the export.
fn filter_parameters() -> Vec<Value> {
    let query = |name: &str, description: &str, schema: Value| json!({"name": name, "in": "query", "description": description, "schema": schema});
    vec![
        query("phone", "A phone number", phone_schema()),
        query("email", "An email address", email_schema()),
        query("tag", "A tag", tag_schema()),
        query(
            "q",
            "Words of the name, all of which must match",
            json!({"type": "string"}),
        ),
        query(
            "opted_out",
            "Whether any channel is opted out",
            json!({"type": "boolean"}),
        ),
    ]
}

fn list_parameters() -> Vec<Value> {
    let mut parameters = filter_parameters();
    parameters.push(json!({
        "name": "limit",
        "in": "query",
        "description": "Contacts per page",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 50},
    }));
    parameters.push(json!({
        "name": "cursor",
        "in": "query",
        "description": "The `next_cursor` of the previous page",
        "schema": {"type": "string"},
    }));
    parameters
}

/// The answers of an operation on one resource by id: `ok` with `status`, or a problem.
fn read_responses(status: &str, ok: Value) -> Value {
    json!({
        status: ok,
        "400": problem("BadRequest"),
        "401": problem("Unauthorized"),
        "403": problem("Forbidden"),
        "404": problem("NotFound"),
        "503": problem("Unavailable"),
    })
}

fn contact_links() -> Value {
    let link = |operation: &str| json!({"operationId": operation, "parameters": {"id": "$response.body#/id"}});
    json!({
        "ReadContact": link("readContact"),
        "UpdateContact": link("updateContact"),
        "DeleteContact": link("deleteContact"),
    })
}

/// `Idempotency-Key` (`platform::web::Idempotency`): 1 to 255 visible ASCII characters.
fn idempotency_key() -> Value {
    json!({
        "name": "Idempotency-Key",
        "in": "header",
        "description": "A key of the client's choosing, new for each new request; answers are kept 24 hours",
        "schema": {"type": "string", "maxLength": 255, "pattern": "^[!-~]([ -~]*[!-~])?$"},
    })
}

/// The `security` of a route that needs a token with `scope`.
fn scopes(scope: Scope) -> Value {
    json!([{"bearer": [scope.as_str()]}])
}

fn path_parameter(name: &str, description: &str) -> Value {
    json!({
        "name": name,
        "in": "path",
        "required": true,
        "description": description,
        "schema": {"type": "string"},
    })
}

fn location(template: &str) -> Value {
    json!({"description": template, "schema": {"type": "string"}})
}

fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn json_request(schema: &str, example: Value) -> Value {
    json!({
        "required": true,
        "content": {"application/json": {"schema": schema_ref(schema), "example": example}},
    })
}

fn json_body(description: &str, schema: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": schema_ref(schema)}}})
}

fn csv_body(description: &str) -> Value {
    json!({
        "description": description,
        "headers": {"Content-Disposition": {"schema": {"type": "string"}}},
        "content": {"text/csv": {"schema": {"type": "string"}}},
    })
}

fn problem(kind: &str) -> Value {
    json!({"$ref": format!("#/components/responses/{kind}")})
}
