//! The intake API's part of the OpenAPI document (merged by the binary with the shared
//! `Problem` schema, the problem responses and the bearer scheme).

use serde_json::{Value, json};

use crate::model::report::VulnerabilityClass;

pub fn openapi_paths() -> Value {
    json!({
        "/api/v1/reports": {
            "post": {
                "operationId": "submitReport",
                "tags": ["disclosure"],
                "summary": "Report a vulnerability",
                "description": "Anonymously, or with a token that has `reports:write`. The report is acknowledged at once; the answer holds its private tracking link, shown only this once. At most `disclosure.reports_per_hour` reports an hour from one address (anonymous) or one token. With an `Idempotency-Key`, a retry within 24 hours gets the first answer again.",
                "security": [{}, {"bearer": ["reports:write"]}],
                "parameters": [{
                    "name": "Idempotency-Key",
                    "in": "header",
                    "description": "A key of the client's choosing, new for each new request; answers are kept 24 hours",
                    "schema": {"type": "string", "maxLength": 255, "pattern": "^[!-~]([ -~]*[!-~])?$"},
                }],
                "requestBody": {
                    "required": true,
                    "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/ReportSubmission"},
                        "example": {
                            "title": "SQL injection in the contact search",
                            "class": "sql_injection",
                            "affected": "https://rampart.example.com/api/v1/contacts?q=",
                            "impact": "Reads every tenant's contacts.",
                            "steps": "1. Sign in. 2. Search for `' OR 1=1 --`.",
                            "proof_of_concept": "curl …",
                            "cvss_v3": "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:N/A:N",
                            "accepted_rules": true,
                            "reporter_name": "Grace Hopper",
                            "reporter_email": "grace@example.com",
                        },
                    }},
                },
                "responses": {
                    "201": {
                        "description": "The report, received and acknowledged, with its private tracking link",
                        "headers": {"Location": {"description": "/api/v1/reports/{id}", "schema": {"type": "string"}}},
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Report"}}},
                    },
                    "400": {"$ref": "#/components/responses/BadRequest"},
                    "401": {"$ref": "#/components/responses/Unauthorized"},
                    "403": {"$ref": "#/components/responses/Forbidden"},
                    "409": {"$ref": "#/components/responses/Conflict"},
                    "413": {"$ref": "#/components/responses/PayloadTooLarge"},
                    "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
                    "422": {"$ref": "#/components/responses/ValidationFailed"},
                    "429": {"$ref": "#/components/responses/RateLimited"},
                    "503": {"$ref": "#/components/responses/Unavailable"},
                },
            },
        },
        "/api/v1/reports/{id}": {
            "parameters": [{
                "name": "id",
                "in": "path",
                "required": true,
                "description": "A report's id (`rpt_…`)",
                "schema": {"type": "string"},
            }],
            "get": {
                "operationId": "readReport",
                "tags": ["disclosure"],
                "summary": "Where a report sent with this token stands",
                "description": "Only for the token (or another token of the same account) that sent the report; any other report answers 404.",
                "security": [{"bearer": ["reports:write"]}],
                "responses": {
                    "200": {"description": "The report", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Report"}}}},
                    "400": {"$ref": "#/components/responses/BadRequest"},
                    "401": {"$ref": "#/components/responses/Unauthorized"},
                    "403": {"$ref": "#/components/responses/Forbidden"},
                    "404": {"$ref": "#/components/responses/NotFound"},
                    "503": {"$ref": "#/components/responses/Unavailable"},
                },
            },
        },
        "/api/v1/reports/{id}/attachments": {
            "parameters": [{
                "name": "id",
                "in": "path",
                "required": true,
                "description": "A report's id (`rpt_…`) sent with this token",
                "schema": {"type": "string"},
            }],
            "post": {
                "operationId": "attachToReport",
                "tags": ["disclosure"],
                "summary": "Attach a file to a report sent with this token",
                "description": "The body is the file itself. It is stored encrypted and only ever served as a download, to the researcher and the security team. At most `disclosure.attachments_per_report` files of `disclosure.attachment_max_bytes` bytes each.",
                "security": [{"bearer": ["reports:write"]}],
                "parameters": [{
                    "name": "filename",
                    "in": "query",
                    "description": "The file's name; kept to letters, digits, `.`, `-` and `_`",
                    "schema": {"type": "string", "maxLength": 255},
                }],
                "requestBody": {
                    "required": true,
                    "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
                },
                "responses": {
                    "201": {"description": "The file, attached", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Attachment"}}}},
                    "400": {"$ref": "#/components/responses/BadRequest"},
                    "401": {"$ref": "#/components/responses/Unauthorized"},
                    "403": {"$ref": "#/components/responses/Forbidden"},
                    "404": {"$ref": "#/components/responses/NotFound"},
                    "409": {"$ref": "#/components/responses/Conflict"},
                    "413": {"$ref": "#/components/responses/PayloadTooLarge"},
                    "422": {"$ref": "#/components/responses/ValidationFailed"},
                    "503": {"$ref": "#/components/responses/Unavailable"},
                },
            },
        },
    })
}

pub fn openapi_schemas() -> Value {
    let classes: Vec<&str> = VulnerabilityClass::ALL.iter().map(|c| c.as_str()).collect();
    let text = |max: u32| json!({"type": "string", "maxLength": max});
    json!({
        "ReportSubmission": {
            "type": "object",
            "required": ["title", "class", "affected", "impact", "steps", "accepted_rules"],
            "properties": {
                "title": {"type": "string", "minLength": 3, "maxLength": 200},
                "class": {"type": "string", "enum": classes},
                "affected": {"type": "string", "minLength": 1, "maxLength": 500, "description": "The product and version, or the URL, found vulnerable"},
                "impact": {"type": "string", "minLength": 1, "maxLength": 10000},
                "steps": {"type": "string", "minLength": 1, "maxLength": 20000},
                "proof_of_concept": text(50000),
                "cvss_v3": {"type": ["string", "null"], "maxLength": 200, "description": "A CVSS 3.1 vector such as CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
                "cvss_v4": {"type": ["string", "null"], "maxLength": 200, "description": "A CVSS 4.0 vector"},
                "accepted_rules": {"type": "boolean", "description": "Must be true: the researcher followed the policy's rules of conduct"},
                "reporter_name": {"type": ["string", "null"], "maxLength": 200, "description": "The name to credit in the Hall of Fame"},
                "reporter_email": {"type": ["string", "null"], "maxLength": 254, "description": "Where to send news of the report"},
            },
        },
        "Attachment": {
            "type": "object",
            "required": ["id", "filename", "size"],
            "properties": {
                "id": {"type": "string", "description": "`att_…`"},
                "filename": {"type": "string"},
                "size": {"type": "integer", "minimum": 1},
            },
        },
        "Report": {
            "type": "object",
            "required": ["id", "title", "class", "state", "submitted_at", "first_response_due", "triage_due"],
            "properties": {
                "id": {"type": "string", "description": "`rpt_…`"},
                "title": {"type": "string"},
                "class": {"type": "string"},
                "state": {"type": "string", "description": "acknowledged, triaging, needs_info, accepted, fix_planned, fixed, resolved, disclosed, or closed_<reason>"},
                "severity": {"type": ["string", "null"], "enum": ["critical", "high", "medium", "low", null]},
                "submitted_at": {"type": "string", "format": "date-time"},
                "first_response_due": {"type": "string", "format": "date-time"},
                "triage_due": {"type": "string", "format": "date-time"},
                "tracking_url": {"type": "string", "description": "The private tracking link, only in the answer to the submission"},
            },
        },
    })
}
