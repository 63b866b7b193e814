//! The vault's schemas: the bodies its API reads and writes, with the checks of `model`
//! (lengths, patterns, enums) written out so that a client, or a fuzzer, knows what the
//! server accepts.

use serde_json::{Value, json};

use super::schema_ref;
use crate::model::contact::{MAX_EMAILS, MAX_NAME, MAX_NOTES, MAX_PHONES, MAX_TAG, MAX_TAGS};
use crate::model::custom::{FieldKind, RESERVED};

/// The vault's schemas, keyed by name.
pub fn openapi_schemas() -> Value {
    let kinds: Vec<&str> = FieldKind::ALL.iter().map(|k| k.as_str()).collect();
    json!({
        "Contact": contact_schema(),
        "ContactCreate": contact_input(true),
        "ContactPatch": contact_input(false),
        "ChannelsInput": {
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "call": nullable_ref("FlagsInput"),
                "sms": nullable_ref("FlagsInput"),
                "email": nullable_ref("FlagsInput"),
            },
        },
        "FlagsInput": {
            "type": "object",
            "description": "Only the flags given change. An opt-out overrides consent.",
            "additionalProperties": false,
            "properties": {
                "consent": {"type": ["boolean", "null"]},
                "opted_out": {"type": ["boolean", "null"]},
            },
        },
        "ChannelFlags": {
            "type": "object",
            "additionalProperties": false,
            "required": ["consent", "opted_out"],
            "properties": {
                "consent": {"type": "boolean"},
                "opted_out": {"type": "boolean"},
            },
        },
        "ContactList": {
            "type": "object",
            "additionalProperties": false,
            "required": ["items", "next_cursor"],
            "properties": {
                "items": {"type": "array", "items": schema_ref("Contact")},
                "next_cursor": {
                    "type": ["string", "null"],
                    "description": "Give as `cursor` for the next page; null on the last page",
                },
            },
        },
        "ContactField": {
            "type": "object",
            "required": ["name", "kind"],
            "properties": {
                "name": field_name_schema(),
                "kind": {"type": "string", "enum": kinds},
            },
        },
        "ContactFieldList": {
            "type": "object",
            "additionalProperties": false,
            "required": ["items", "next_cursor"],
            "properties": {
                "items": {"type": "array", "items": schema_ref("ContactField")},
                "next_cursor": {"type": "null", "description": "Always null: every field is on one page"},
            },
        },
        "Import": import_schema(),
    })
}

fn contact_schema() -> Value {
    let flags = schema_ref("ChannelFlags");
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": [
            "id", "name", "phones", "emails", "tags", "notes", "custom_fields", "channels",
            "created_at", "updated_at",
        ],
        "properties": {
            "id": {"type": "string", "pattern": "^ctc_[0-9a-f]{32}$"},
            "name": {"type": "string"},
            "phones": {
                "type": "array",
                "description": "E.164",
                "items": {"type": "string", "pattern": "^\\+[1-9][0-9]{6,14}$"},
            },
            "emails": {"type": "array", "items": {"type": "string"}},
            "tags": {"type": "array", "items": {"type": "string"}},
            "notes": {"type": "string"},
            "custom_fields": {
                "type": "object",
                "additionalProperties": {"type": ["string", "number", "boolean"]},
            },
            "channels": {
                "type": "object",
                "additionalProperties": false,
                "required": ["call", "sms", "email"],
                "properties": {"call": flags, "sms": flags, "email": flags},
            },
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
        },
    })
}

/// Text that trims to nothing: list items that are blank are dropped, and a blank filter is
/// no filter.
const BLANK: &str = r"^\s*$";
/// A phone number with its country code, as `PhoneE164::parse` reads it.
const PHONE: &str = r"^\s*(\+|00)[ .()\-]*[1-9]([ .()\-]*[0-9]){6,14}[ .()\-]*\s*$";
/// Control characters, as `char::is_control` sees them (a regex character-class body).
const CONTROL: &str = r"\u0000-\u001f\u007f-\u009f";

/// Text of 1 to `max` characters once trimmed, with no control character and none of
/// `refused`: how names and tags are checked.
fn trimmed(max: usize, refused: &str) -> String {
    let inner = format!("[^{refused}{CONTROL}]");
    let edge = format!(r"[^{refused}\s{CONTROL}]");
    let between = max.saturating_sub(2);
    format!(r"^\s*{edge}({inner}{{0,{between}}}{edge})?\s*$")
}

pub(super) fn phone_schema() -> Value {
    json!({
        "type": "string",
        "description": "With its country code: `+44 20 7946 0958`, `0044 20 7946 0958`",
        "pattern": format!("{BLANK}|{PHONE}"),
    })
}

pub(super) fn email_schema() -> Value {
    json!({"type": "string", "anyOf": [{"pattern": BLANK}, {"format": "email"}]})
}

pub(super) fn tag_schema() -> Value {
    json!({
        "type": "string",
        "description": "Trimmed and lower-cased",
        "pattern": format!("{BLANK}|{}", trimmed(MAX_TAG, ",;")),
    })
}

/// What a caller writes: the same shape creates (where `name` is required) and patches
/// (where an absent or null field stays as it was). Unknown members are refused; blank
/// items of the lists are dropped.
fn contact_input(create: bool) -> Value {
    let text_list = |max_items: usize, item: Value| json!({"type": ["array", "null"], "maxItems": max_items, "items": item});
    let name_type = if create {
        json!("string")
    } else {
        json!(["string", "null"])
    };
    let name = json!({"type": name_type, "pattern": trimmed(MAX_NAME, "")});
    let mut schema = json!({
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "name": name,
            "phones": text_list(MAX_PHONES, phone_schema()),
            "emails": text_list(MAX_EMAILS, email_schema()),
            "tags": text_list(MAX_TAGS, tag_schema()),
            "notes": {"type": ["string", "null"], "maxLength": MAX_NOTES},
            "custom_fields": {
                "type": ["object", "null"],
                "description": "A defined field's name → its value (text, number, `YYYY-MM-DD` date or boolean); null removes the value",
                "propertyNames": field_name_schema(),
                "additionalProperties": {"type": ["string", "number", "boolean", "null"]},
            },
            "channels": nullable_ref("ChannelsInput"),
        },
    });
    if create && let Some(object) = schema.as_object_mut() {
        object.insert("required".into(), json!(["name"]));
    }
    schema
}

fn import_schema() -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": [
            "id", "state", "merge", "rows_read", "created", "updated", "unchanged", "rejected",
            "failure", "started_at", "finished_at", "rejections", "rejections_url",
        ],
        "properties": {
            "id": {"type": "string", "pattern": "^imp_[0-9a-f]{32}$"},
            "state": {"type": "string", "enum": ["running", "done", "failed", "interrupted"]},
            "merge": {"type": "string", "enum": ["skip", "update"]},
            "rows_read": {"type": "integer", "minimum": 0},
            "created": {"type": "integer", "minimum": 0},
            "updated": {"type": "integer", "minimum": 0},
            "unchanged": {"type": "integer", "minimum": 0},
            "rejected": {"type": "integer", "minimum": 0},
            "failure": {"type": ["string", "null"]},
            "started_at": {"type": "string", "format": "date-time"},
            "finished_at": {"type": ["string", "null"], "format": "date-time"},
            "rejections": {
                "type": "array",
                "description": "The first rejected rows; `rejections_url` has them all",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["line", "reason"],
                    "properties": {
                        "line": {"type": "integer"},
                        "reason": {"type": "string"},
                    },
                },
            },
            "rejections_url": {"type": "string"},
        },
    })
}

fn field_name_schema() -> Value {
    json!({
        "type": "string",
        "description": "Lower-case letters, digits and `_`, starting with a letter; not a built-in column's name",
        "pattern": "^[a-z][a-z0-9_]{0,39}$",
        "not": {"enum": RESERVED},
    })
}

fn nullable_ref(name: &str) -> Value {
    json!({"oneOf": [schema_ref(name), {"type": "null"}]})
}
