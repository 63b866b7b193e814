//! The platform mailer: an outbox in the database, delivered in the background.
//!
//! A capability queues mail with [`enqueue`] inside its own transaction, so a message exists
//! only if the operation that caused it committed, then calls [`Mailer::notify`]. Every node
//! runs [`Mailer::run`]; a node claims a few due rows at a time, so two nodes never send the
//! same message. Delivery goes over SMTP when `mail.smtp_url` is set and otherwise into
//! `<data_dir>/mail/` as one `.eml` file per message. A failed attempt is retried with a
//! growing delay and the row is marked failed after `mail.max_attempts`.
//!
//! Recorded errors and log lines name the mail id and the kind of failure, never the SMTP
//! URL (it may hold a password) nor the body (it may hold a one-time link).

mod message;
mod outbox;
mod transport;
mod worker;

#[cfg(test)]
mod tests;

pub use outbox::{DeliveryStatus, MailState, enqueue, state};
pub use transport::Transport;
pub use worker::Mailer;

use crate::db::DbError;

/// A message to queue: one recipient, a subject and a plain-text body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    pub to: String,
    pub subject: String,
    pub text: String,
}

/// Why a message could not be queued.
#[derive(Debug, thiserror::Error)]
pub enum EnqueueError {
    #[error("`{0}` is not a mail address")]
    InvalidRecipient(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Errors of setting up the mailer and of reading its outbox; the failures of single
/// deliveries are recorded on their rows instead.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("mail.from is not a mailbox such as Rampart <rampart@example.com>")]
    InvalidSender,
    #[error("mail.smtp_url is not a usable smtp:// or smtps:// URL")]
    InvalidSmtpUrl,
    #[error("cannot create the mail-drop folder {path}: {source}")]
    MailDrop {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Db(#[from] DbError),
}
