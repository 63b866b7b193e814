//! Turning a queued row into an RFC 5322 message with lettre.

use std::time::{Duration, UNIX_EPOCH};

use lettre::Message;
use lettre::message::{Mailbox, SinglePart};

use crate::clock::Timestamp;

/// A claimed row of the outbox, ready to be built and sent.
#[derive(Debug, Clone)]
pub(crate) struct QueuedMail {
    pub id: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub attempts: u32,
}

/// The recipient as stored: a bare address such as `ada@example.com`, checked by lettre.
pub(crate) fn parse_recipient(to: &str) -> Option<lettre::Address> {
    to.parse::<lettre::Address>().ok()
}

/// The message as it goes out: `From`, `To`, `Subject`, `Date` (from Rampart's clock), a
/// `Message-ID` made from the mail id so a resent message keeps its id, and a UTF-8
/// `text/plain` body that lettre encodes as 7bit when it can, else quoted-printable or base64.
pub(crate) fn build(
    from: &Mailbox,
    mail: &QueuedMail,
    now: Timestamp,
) -> Result<Message, lettre::error::Error> {
    let to = parse_recipient(&mail.to).ok_or(lettre::error::Error::MissingTo)?;
    let millis = u64::try_from(now.as_millis()).unwrap_or_default();
    Message::builder()
        .from(from.clone())
        .to(Mailbox::new(None, to))
        .subject(one_line(&mail.subject))
        .date(UNIX_EPOCH + Duration::from_millis(millis))
        .message_id(Some(message_id(&mail.id, from)))
        .singlepart(SinglePart::plain(mail.text.clone()))
}

fn message_id(id: &str, from: &Mailbox) -> String {
    format!("<{id}@{}>", from.email.domain())
}

/// A subject is one line: control characters (a newline could start a new header) become
/// spaces.
fn one_line(subject: &str) -> String {
    subject
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}
