//! The transparency API: the public key, checkpoints, proofs, and the access log.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD as B64, URL_SAFE_NO_PAD};
use platform::clock::Timestamp;
use platform::web::{ApiError, ProblemKind};
use serde::{Deserialize, Serialize};

use super::LogReader;
use super::errors::problem;
use crate::AuditLog;
use crate::model::bundle::{EntryJson, ProofBundle, rfc3339_millis};
use crate::model::entry::ActorKind;
use crate::service::{AuditError, CheckpointView};
use crate::store::entries::Filter;

#[derive(Serialize)]
struct PublicKey {
    origin: String,
    algorithm: &'static str,
    key_id: String,
    /// The raw 32-byte Ed25519 key, base64.
    public_key: String,
    /// The signed-note verifier key: `origin+keyid+base64(0x01 ‖ key)`.
    verifier_key: String,
    /// The key as a PEM SubjectPublicKeyInfo, for OpenSSL.
    pem: String,
}

/// The key that checks checkpoints; public, so anyone can check what they are given.
pub(super) async fn public_key(State(audit): State<AuditLog>) -> Json<serde_json::Value> {
    let key = audit.verifier_key();
    let body = PublicKey {
        origin: key.name.clone(),
        algorithm: "Ed25519",
        key_id: hex::encode(key.key_id()),
        public_key: B64.encode(key.public_key),
        verifier_key: key.to_line(),
        pem: key.to_pem(),
    };
    Json(serde_json::to_value(body).unwrap_or_default())
}

#[derive(Serialize)]
pub(super) struct CheckpointBody {
    tree_size: u64,
    root_hash: String,
    signed_at: String,
    note: String,
}

impl From<CheckpointView> for CheckpointBody {
    fn from(view: CheckpointView) -> Self {
        Self {
            tree_size: view.tree_size,
            root_hash: B64.encode(view.root_hash),
            signed_at: rfc3339_millis(view.signed_at),
            note: view.note,
        }
    }
}

pub(super) async fn checkpoint<R: LogReader>(
    _reader: R,
    State(audit): State<AuditLog>,
) -> Response {
    match audit.latest_checkpoint().await {
        Ok(Some(view)) => Json(CheckpointBody::from(view)).into_response(),
        Ok(None) => ApiError::new(
            ProblemKind::NotFound,
            "the log has no checkpoint yet; one is signed within a second of the first entry",
        )
        .into_response(),
        Err(err) => problem(&err),
    }
}

#[derive(Deserialize)]
pub(super) struct ProofQuery {
    tree_size: Option<u64>,
}

/// An entry of the caller's tenant with its inclusion proof and checkpoint: the same
/// bundle `rampart audit check-proof` checks.
pub(super) async fn proof<R: LogReader>(
    reader: R,
    State(audit): State<AuditLog>,
    Path(index): Path<u64>,
    Query(query): Query<ProofQuery>,
) -> Response {
    match audit
        .inclusion_proof(&reader.actor(), reader.tenant_id(), index, query.tree_size)
        .await
    {
        Ok(proof) => Json(ProofBundle::new(
            &proof.entry,
            proof.tree_size,
            &proof.proof,
            proof.checkpoint,
        ))
        .into_response(),
        Err(err) => problem(&err),
    }
}

#[derive(Deserialize)]
pub(super) struct ConsistencyQuery {
    from: u64,
    to: u64,
}

#[derive(Serialize)]
struct ConsistencyBody {
    from: u64,
    to: u64,
    proof: Vec<String>,
}

pub(super) async fn consistency<R: LogReader>(
    _reader: R,
    State(audit): State<AuditLog>,
    Query(query): Query<ConsistencyQuery>,
) -> Response {
    match audit.consistency_proof(query.from, query.to).await {
        Ok(proof) => Json(ConsistencyBody {
            from: proof.from,
            to: proof.to,
            proof: proof.proof.iter().map(|h| B64.encode(h)).collect(),
        })
        .into_response(),
        Err(err) => problem(&err),
    }
}

#[derive(Deserialize)]
pub(super) struct AccessLogQuery {
    actor_kind: Option<String>,
    action: Option<String>,
    since: Option<String>,
    until: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

#[derive(Serialize)]
struct AccessLogBody {
    items: Vec<EntryJson>,
    next_cursor: Option<String>,
}

pub(super) async fn access_log<R: LogReader>(
    reader: R,
    State(audit): State<AuditLog>,
    Query(query): Query<AccessLogQuery>,
) -> Response {
    let (filter, limit) = match parse_query(query) {
        Ok(parsed) => parsed,
        Err(err) => return problem(&err),
    };
    match audit
        .access_log(&reader.actor(), reader.tenant_id(), &filter, limit)
        .await
    {
        Ok(page) => Json(AccessLogBody {
            items: page.entries.iter().map(EntryJson::from).collect(),
            next_cursor: page.next_before.map(encode_cursor),
        })
        .into_response(),
        Err(err) => problem(&err),
    }
}

/// Page sizes the API accepts, and the default.
const LIMITS: std::ops::RangeInclusive<u32> = 1..=200;
const DEFAULT_LIMIT: u32 = 50;

fn parse_query(query: AccessLogQuery) -> Result<(Filter, u32), AuditError> {
    let bad = |text: String| AuditError::BadRequest(text);
    let actor_kind = match query.actor_kind.as_deref() {
        None | Some("") => None,
        Some(text) => Some(ActorKind::parse(text).ok_or_else(|| {
            bad(format!(
                "actor_kind `{text}` is not one of user, token, staff, system, anonymous"
            ))
        })?),
    };
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !LIMITS.contains(&limit) {
        return Err(bad("limit must be between 1 and 200".into()));
    }
    let time = |name: &str, text: Option<String>| -> Result<Option<Timestamp>, AuditError> {
        text.filter(|t| !t.is_empty())
            .map(|t| {
                Timestamp::parse_rfc3339(&t).ok_or_else(|| {
                    bad(format!(
                        "{name} must be an RFC 3339 time such as 2026-01-31T00:00:00Z"
                    ))
                })
            })
            .transpose()
    };
    let action = query.action.filter(|a| !a.is_empty());
    if action.as_deref().is_some_and(|a| !is_action_name(a)) {
        return Err(bad(
            "action must be an action's name, such as vault.contact.read".into(),
        ));
    }
    let filter = Filter {
        actor_kind,
        action,
        since: time("since", query.since)?,
        until: time("until", query.until)?,
        before: query
            .cursor
            .filter(|c| !c.is_empty())
            .map(|c| {
                decode_cursor(&c).ok_or_else(|| bad("the cursor is not one this API gave".into()))
            })
            .transpose()?,
    };
    Ok((filter, limit))
}

/// Actions are dotted lower-case names such as `vault.contact.read`; anything else names no
/// entry, and some bytes (NUL) PostgreSQL refuses outright.
fn is_action_name(text: &str) -> bool {
    text.len() <= 100
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_')
}

pub(super) fn encode_cursor(before: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("before:{before}"))
}

pub(super) fn decode_cursor(cursor: &str) -> Option<u64> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("before:")?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_action_filter_must_look_like_an_action() {
        let query = |action: &str| AccessLogQuery {
            actor_kind: None,
            action: Some(action.to_owned()),
            since: None,
            until: None,
            limit: None,
            cursor: None,
        };
        assert!(parse_query(query("vault.contact.read")).is_ok());
        assert!(parse_query(query("audit.access_log.list")).is_ok());
        for bad in [
            "\0vault",
            "Vault.Contact",
            "a b",
            "x'; --",
            &"a".repeat(101),
        ] {
            assert!(
                matches!(parse_query(query(bad)), Err(AuditError::BadRequest(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn cursors_round_trip_and_foreign_ones_are_refused() {
        assert_eq!(decode_cursor(&encode_cursor(42)), Some(42));
        assert_eq!(decode_cursor("42"), None);
    }
}
