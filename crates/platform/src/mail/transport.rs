//! Where messages go: an SMTP server through lettre, or a mail-drop folder of `.eml` files
//! when no SMTP server is configured (development, or a host that relays files itself).

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::io::AsyncWriteExt;

use super::MailError;
use crate::config::MailConfig;

/// How long one SMTP command may take; a claim outlives several of them.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// The way out for messages. `Debug` never shows the SMTP URL, which may hold a password.
#[derive(Clone)]
pub enum Transport {
    Smtp(Box<AsyncSmtpTransport<Tokio1Executor>>),
    MailDrop(PathBuf),
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Smtp(_) => f.write_str("Smtp([redacted])"),
            Self::MailDrop(dir) => f.debug_tuple("MailDrop").field(dir).finish(),
        }
    }
}

impl Transport {
    /// SMTP when `mail.smtp_url` is set; otherwise the folder `<data_dir>/mail`, created
    /// readable by Rampart's user only, since messages carry one-time links.
    pub fn from_config(config: &MailConfig, data_dir: &Path) -> Result<Self, MailError> {
        match &config.smtp_url {
            Some(url) => {
                // lettre's error could quote the URL; it is replaced, not passed on.
                let builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
                    .map_err(|_| MailError::InvalidSmtpUrl)?;
                Ok(Self::Smtp(Box::new(
                    builder.timeout(Some(SMTP_TIMEOUT)).build(),
                )))
            }
            None => {
                let dir = data_dir.join("mail");
                create_private_dir(&dir).map_err(|source| MailError::MailDrop {
                    path: dir.clone(),
                    source,
                })?;
                Ok(Self::MailDrop(dir))
            }
        }
    }

    /// Sends one message whose outbox id is `id`.
    pub(crate) async fn send(&self, id: &str, message: Message) -> Result<(), SendError> {
        match self {
            Self::Smtp(smtp) => smtp.send(message).await.map(drop).map_err(SendError::Smtp),
            Self::MailDrop(dir) => write_eml(dir, id, &message.formatted())
                .await
                .map_err(SendError::MailDrop),
        }
    }
}

/// Why one attempt failed.
#[derive(Debug)]
pub(crate) enum SendError {
    Build(lettre::error::Error),
    Smtp(lettre::transport::smtp::Error),
    MailDrop(std::io::Error),
}

impl SendError {
    /// Whether trying again cannot help.
    pub(crate) fn is_final(&self) -> bool {
        matches!(self, Self::Build(_))
    }

    /// A short description for the outbox row and the log: the kind of failure and the
    /// SMTP reply code, never the server's text, the URL or the message.
    pub(crate) fn describe(&self) -> String {
        match self {
            Self::Build(err) => format!("the message cannot be built: {err}"),
            Self::MailDrop(err) => format!("cannot write to the mail-drop folder: {}", err.kind()),
            Self::Smtp(err) => match err.status() {
                Some(code) if err.is_permanent() => format!("smtp server refused ({code})"),
                Some(code) => format!("smtp server deferred ({code})"),
                None if err.is_timeout() => "smtp server timed out".to_owned(),
                None if err.is_tls() => "smtp tls handshake failed".to_owned(),
                None if err.is_response() => "smtp server sent an unreadable reply".to_owned(),
                None if err.is_client() => "smtp client error".to_owned(),
                None => "cannot connect to the smtp server".to_owned(),
            },
        }
    }
}

/// Writes `<dir>/<id>.eml` atomically: a private temporary file, flushed, then renamed.
async fn write_eml(dir: &Path, id: &str, message: &[u8]) -> std::io::Result<()> {
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "mail id is not a file name",
        ));
    }
    let temporary = dir.join(format!(".{id}.eml.tmp"));
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(&temporary).await?;
    file.write_all(message).await?;
    file.sync_all().await?;
    drop(file);
    tokio::fs::rename(&temporary, dir.join(format!("{id}.eml"))).await
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}
