//! Attachments: files sealed at rest under the program's attachments key (itself sealed by
//! the master key, so a master-key rotation re-seals one key and no file), given to the
//! researcher and the team only, and only as downloads.

use audit::{Actor, Event};
use platform::crypto::MasterKey;
use platform::ids::new_id;

use super::team::TeamMember;
use super::{Disclosure, DisclosureError};
use crate::store::Conn;
use crate::store::attachments::{self, AttachmentInfo};
use crate::store::reports;

/// What the master key seals the attachments key with, as associated data.
const KEY_CONTEXT: &[u8] = b"rampart disclosure attachments key v1";

/// Who adds or fetches an attachment.
pub enum Holder<'a> {
    /// Through the report's private tracking link.
    Researcher { secret: &'a str },
    Team {
        member: &'a TeamMember,
        report_id: &'a str,
    },
    /// Through the API, with the token (or another token of the account) that sent it.
    Token {
        token_id: &'a str,
        user_id: &'a str,
        report_id: &'a str,
    },
}

/// A downloaded attachment: its name and its contents, opened.
pub struct Download {
    pub filename: String,
    pub bytes: Vec<u8>,
}

impl Disclosure {
    /// Seals and stores a file on a report.
    pub async fn attach(
        &self,
        holder: Holder<'_>,
        filename: &str,
        bytes: &[u8],
    ) -> Result<AttachmentInfo, DisclosureError> {
        // Who may attach is settled first: the limits are no one else's business.
        let (report_id, actor, by) = self.holder(&holder).await?;
        let config = &self.inner.config;
        if bytes.is_empty() {
            return Err(super::team::invalid(
                "file",
                "choose a file that is not empty",
            ));
        }
        if bytes.len() > config.attachment_max_bytes as usize {
            return Err(super::team::invalid(
                "file",
                &format!(
                    "a file may hold at most {} bytes",
                    config.attachment_max_bytes
                ),
            ));
        }
        let key = self.attachments_key().await?;
        let now = self.now();
        let info = AttachmentInfo {
            id: new_id("att"),
            report_id: report_id.clone(),
            filename: clean_filename(filename),
            size: bytes.len() as i64,
            uploaded_by: by.to_owned(),
            created_at: now.as_millis(),
        };
        let sealed = key.seal(bytes, &context(&report_id, &info.id));
        let mut tx = self.db().begin().await?;
        // Uploads at the same moment take turns, so none passes the limit with another.
        self.locked(&mut tx, &report_id).await?;
        let count = attachments::of_report(&mut tx, &report_id).await?.len();
        if count >= config.attachments_per_report as usize {
            return Err(super::team::invalid(
                "file",
                &format!(
                    "a report holds at most {} files",
                    config.attachments_per_report
                ),
            ));
        }
        attachments::insert(&mut tx, &info, &sealed).await?;
        self.record(
            &mut tx,
            Event::new(actor, "disclosure.attachment.add")
                .resource("report", [&report_id])
                .details(format!("{} ({} bytes)", info.id, info.size)),
        )
        .await?;
        tx.commit().await?;
        Ok(info)
    }

    /// An attachment of the report, opened; the download is recorded.
    pub async fn download(
        &self,
        holder: Holder<'_>,
        attachment_id: &str,
    ) -> Result<Download, DisclosureError> {
        let (report_id, actor, _) = self.holder(&holder).await?;
        if !platform::ids::is_well_formed("att", attachment_id) {
            return Err(DisclosureError::NotFound);
        }
        let key = self.attachments_key().await?;
        let mut tx = self.db().begin().await?;
        let (info, sealed) = attachments::get(&mut tx, &report_id, attachment_id)
            .await?
            .ok_or(DisclosureError::NotFound)?;
        let bytes = key
            .open(&sealed, &context(&report_id, &info.id))
            .map_err(|_| DisclosureError::BadInput("the attachment cannot be opened".into()))?;
        self.record(
            &mut tx,
            Event::new(actor, "disclosure.attachment.download")
                .resource("report", [&report_id])
                .details(info.id.clone()),
        )
        .await?;
        tx.commit().await?;
        Ok(Download {
            filename: info.filename,
            bytes,
        })
    }

    /// Checks files sent with a new report against the limits, before the report is stored,
    /// so a refused file refuses the whole submission.
    pub fn check_files(&self, files: &[(String, Vec<u8>)]) -> Result<(), DisclosureError> {
        let config = &self.inner.config;
        if files.len() > config.attachments_per_report as usize {
            return Err(super::team::invalid(
                "attachments",
                &format!(
                    "a report holds at most {} files",
                    config.attachments_per_report
                ),
            ));
        }
        for (_, bytes) in files {
            if bytes.is_empty() {
                return Err(super::team::invalid(
                    "attachments",
                    "a chosen file is empty",
                ));
            }
            if bytes.len() > config.attachment_max_bytes as usize {
                return Err(super::team::invalid(
                    "attachments",
                    &format!(
                        "a file may hold at most {} bytes",
                        config.attachment_max_bytes
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The report a holder reaches, who they are in the log, and how the attachment table
    /// names them.
    async fn holder(
        &self,
        holder: &Holder<'_>,
    ) -> Result<(String, Actor, &'static str), DisclosureError> {
        match holder {
            Holder::Researcher { secret } => Ok((
                self.report_of_link(secret).await?,
                Actor::anonymous(),
                "researcher",
            )),
            Holder::Token {
                token_id,
                user_id,
                report_id,
            } => {
                let sent_it = {
                    let mut conn = self.db().connection().await?;
                    platform::ids::is_well_formed("rpt", report_id)
                        && reports::get(&mut conn, report_id).await?.is_some_and(|r| {
                            r.reporter_user_id.as_deref() == Some(*user_id)
                                || r.reporter_token_id.as_deref() == Some(*token_id)
                        })
                };
                if !sent_it {
                    return Err(DisclosureError::NotFound);
                }
                Ok((
                    (*report_id).to_owned(),
                    Actor::token(token_id),
                    "researcher",
                ))
            }
            Holder::Team { member, report_id } => {
                if !platform::ids::is_well_formed("rpt", report_id) {
                    return Err(DisclosureError::NotFound);
                }
                let mut conn = self.db().connection().await?;
                reports::get(&mut conn, report_id)
                    .await?
                    .ok_or(DisclosureError::NotFound)?;
                Ok(((*report_id).to_owned(), self.staff_actor(member), "team"))
            }
        }
    }

    /// The attachments key, made at first use.
    async fn attachments_key(&self) -> Result<&MasterKey, DisclosureError> {
        self.inner
            .attachments_key
            .get_or_try_init(|| async {
                let mut conn = self.db().connection().await?;
                if attachments::wrapped_key(&mut conn).await?.is_none() {
                    let bytes = MasterKey::generate_bytes();
                    let wrapped = hex::encode(self.inner.master_key.seal(&bytes, KEY_CONTEXT));
                    attachments::put_key_if_absent(&mut conn, &wrapped).await?;
                }
                let wrapped = attachments::wrapped_key(&mut conn)
                    .await?
                    .ok_or(DisclosureError::NotFound)?;
                open_key(&self.inner.master_key, &wrapped)
            })
            .await
    }
}

fn open_key(master_key: &MasterKey, wrapped: &str) -> Result<MasterKey, DisclosureError> {
    let bytes = hex::decode(wrapped)
        .ok()
        .and_then(|sealed| master_key.open(&sealed, KEY_CONTEXT).ok())
        .and_then(|bytes| <[u8; 32]>::try_from(bytes.as_slice()).ok())
        .ok_or_else(|| {
            DisclosureError::BadInput(
                "the attachments key does not open with this master key".into(),
            )
        })?;
    Ok(MasterKey::from_bytes(&bytes))
}

/// Re-seals the attachments key under a new master key (`rampart keys rotate`); returns
/// whether there was one.
pub async fn rewrap_attachments_key(
    conn: &mut Conn,
    old: &MasterKey,
    new: &MasterKey,
) -> Result<bool, DisclosureError> {
    let Some(wrapped) = attachments::wrapped_key(conn).await? else {
        return Ok(false);
    };
    let bytes = hex::decode(&wrapped)
        .ok()
        .and_then(|sealed| old.open(&sealed, KEY_CONTEXT).ok())
        .ok_or_else(|| {
            DisclosureError::BadInput(
                "the attachments key does not open with the current master key".into(),
            )
        })?;
    attachments::replace_key(conn, &hex::encode(new.seal(&bytes, KEY_CONTEXT))).await?;
    Ok(true)
}

fn context(report_id: &str, attachment_id: &str) -> Vec<u8> {
    format!("rampart disclosure attachment v1\0{report_id}\0{attachment_id}").into_bytes()
}

/// A file name safe to show and to put in `Content-Disposition`: letters, digits, `.`, `-`
/// and `_` kept, anything else `_`, at most 100 characters, never empty or dot-led.
pub fn clean_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    let cleaned = cleaned.trim_start_matches('.').to_owned();
    if cleaned.is_empty() {
        "attachment".to_owned()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::clean_filename;

    #[test]
    fn file_names_keep_only_safe_characters() {
        assert_eq!(clean_filename("poc.html"), "poc.html");
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(clean_filename("C:\\x\\evil\".svg"), "evil_.svg");
        // Line breaks are dropped, so a name cannot split the header it goes into.
        assert_eq!(clean_filename("a\r\nX-Evil: 1"), "aX-Evil__1");
        assert_eq!(clean_filename(".htaccess"), "htaccess");
        assert_eq!(clean_filename(""), "attachment");
        assert_eq!(clean_filename("résumé.pdf"), "r_sum_.pdf");
    }
}
