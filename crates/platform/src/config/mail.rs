//! The `[mail]` section: how Rampart sends mail.

use serde::{Deserialize, Serialize};

use super::{KeyError, Secret};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailConfig {
    /// `smtps://user:password@host:465`, or `smtp://host:587?tls=required` for STARTTLS, or
    /// `smtp://host:25` for a local relay without TLS. Without it, each message is written
    /// as an `.eml` file under `<data_dir>/mail/`.
    pub smtp_url: Option<Secret>,
    /// The sender of every message.
    pub from: String,
    /// Attempts before a message is given up (kept in the outbox, marked failed).
    pub max_attempts: u32,
    /// How often the outbox is checked for messages to send, in milliseconds.
    pub poll_interval_ms: u64,
}

impl Default for MailConfig {
    fn default() -> Self {
        Self {
            smtp_url: None,
            from: "Rampart <rampart@localhost>".to_owned(),
            max_attempts: 10,
            poll_interval_ms: 1_000,
        }
    }
}

impl MailConfig {
    pub(super) fn validate(&self, fail: &mut dyn FnMut(KeyError)) {
        if let Some(url) = &self.smtp_url {
            let scheme = url.expose().split(':').next().unwrap_or_default();
            if !matches!(scheme, "smtp" | "smtps") {
                fail(KeyError::new(
                    "mail.smtp_url",
                    "must start with smtp:// or smtps://".to_owned(),
                ));
            }
        }
        if !self.from.contains('@') {
            fail(KeyError::new(
                "mail.from",
                format!(
                    "`{}` is not a mail address such as Rampart <rampart@example.com>",
                    self.from
                ),
            ));
        }
        if self.max_attempts == 0 {
            fail(KeyError::new(
                "mail.max_attempts",
                "must be at least 1".to_owned(),
            ));
        }
        if self.poll_interval_ms < 10 {
            fail(KeyError::new(
                "mail.poll_interval_ms",
                "must be at least 10".to_owned(),
            ));
        }
    }
}
