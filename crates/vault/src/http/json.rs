//! The API's JSON shapes of contacts, custom fields and imports.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::Contact;
use crate::model::contact::Channel;
use crate::service::ImportStatus;

#[derive(Debug, Serialize)]
pub struct ContactJson {
    pub id: String,
    pub name: String,
    pub phones: Vec<String>,
    pub emails: Vec<String>,
    pub tags: Vec<String>,
    pub notes: String,
    pub custom_fields: BTreeMap<String, serde_json::Value>,
    pub channels: BTreeMap<&'static str, FlagsJson>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Serialize)]
pub struct FlagsJson {
    pub consent: bool,
    pub opted_out: bool,
}

impl ContactJson {
    pub fn new(contact: &Contact) -> Self {
        let state = &contact.state;
        let personal = &state.personal;
        Self {
            id: contact.id.clone(),
            name: personal.name.clone(),
            phones: personal
                .phones
                .iter()
                .map(|p| p.as_str().to_owned())
                .collect(),
            emails: personal
                .emails
                .iter()
                .map(|e| e.as_str().to_owned())
                .collect(),
            tags: state.tags.iter().map(|t| t.as_str().to_owned()).collect(),
            notes: personal.notes.clone(),
            custom_fields: personal
                .custom
                .iter()
                .map(|(name, value)| (name.as_str().to_owned(), value.to_json()))
                .collect(),
            channels: Channel::ALL
                .into_iter()
                .map(|channel| {
                    let flags = state.channels.get(channel);
                    (
                        channel.as_str(),
                        FlagsJson {
                            consent: flags.consent,
                            opted_out: flags.opted_out,
                        },
                    )
                })
                .collect(),
            created_at: contact.created_at.rfc3339(),
            updated_at: contact.updated_at.rfc3339(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ImportJson {
    pub id: String,
    pub state: String,
    pub merge: String,
    pub rows_read: i64,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub rejected: i64,
    pub failure: Option<String>,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub rejections: Vec<RejectionJson>,
    pub rejections_url: String,
}

#[derive(Debug, Serialize)]
pub struct RejectionJson {
    pub line: i64,
    pub reason: String,
}

impl ImportJson {
    pub fn new(status: &ImportStatus, rejections: Vec<(i64, String)>) -> Self {
        let counts = status.counts;
        Self {
            id: status.id.clone(),
            state: status.state.clone(),
            merge: status.merge_policy.clone(),
            rows_read: counts.rows_read,
            created: counts.created,
            updated: counts.updated,
            unchanged: counts.unchanged,
            rejected: counts.rejected,
            failure: status.failure.clone(),
            started_at: status.started_at.rfc3339(),
            finished_at: status.finished_at.map(|t| t.rfc3339()),
            rejections: rejections
                .into_iter()
                .map(|(line, reason)| RejectionJson { line, reason })
                .collect(),
            rejections_url: format!("/api/v1/imports/{}/rejections", status.id),
        }
    }
}
