//! The `[audit]` section: checkpoints, the signing key and retention of the audit log.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::KeyError;

/// The shortest retention Rampart accepts: compliance frameworks ask for a year of logs.
const MIN_RETENTION_DAYS: u32 = 365;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditConfig {
    /// How often the node holding the jobs lease signs a checkpoint when the log grew.
    pub checkpoint_interval_ms: u64,
    /// The Ed25519 signing key (64 hex characters). Without it, one is generated at first
    /// start into `<data_dir>/audit-signing.key`. Every node needs the same key.
    pub signing_key_file: Option<PathBuf>,
    /// The log's name in its checkpoints. When absent: `<host of server.public_url>/audit`.
    pub origin: Option<String>,
    /// How long entries are kept, in days; at least 365. Nothing in Rampart deletes entries.
    pub retention_days: u32,
    /// Whether reads of customer data are recorded. Turning it off breaks the promise that
    /// every access is logged; it exists to measure what auditing costs, and is warned about.
    pub record_reads: bool,
    /// Whether writes and security events are recorded. Like `record_reads`, it exists only
    /// to measure what auditing costs; turning it off is warned about at every start.
    pub record_writes: bool,
}

impl Default for AuditConfig {
    fn default() -> Self {
        Self {
            checkpoint_interval_ms: 1_000,
            signing_key_file: None,
            origin: None,
            retention_days: MIN_RETENTION_DAYS,
            record_reads: true,
            record_writes: true,
        }
    }
}

impl AuditConfig {
    pub(super) fn validate(&self, fail: &mut dyn FnMut(KeyError)) {
        if !(10..=3_600_000).contains(&self.checkpoint_interval_ms) {
            fail(KeyError::new(
                "audit.checkpoint_interval_ms",
                "must be between 10 and 3600000 (one hour)".to_owned(),
            ));
        }
        if self.retention_days < MIN_RETENTION_DAYS {
            fail(KeyError::new(
                "audit.retention_days",
                format!(
                    "must be at least {MIN_RETENTION_DAYS}: audit entries are kept a year or more"
                ),
            ));
        }
        if let Some(origin) = &self.origin
            && (origin.is_empty()
                || origin.contains(['\n', ' ', '+'])
                || !origin.chars().all(|c| c.is_ascii_graphic()))
        {
            fail(KeyError::new(
                "audit.origin",
                "must be printable ASCII without spaces or `+`, such as rampart.example.com/audit"
                    .to_owned(),
            ));
        }
    }
}
