//! Researcher accounts. A researcher signs in with a single-use link mailed to their address
//! (valid 30 minutes), which makes the account at first use: no password to guess, reuse or
//! leak. A signed-in researcher's reports are theirs: the account page lists them with their
//! private tracking links (kept sealed by the master key for the account), their hourly limit
//! is the account's, and their name and address fill the report form.

use std::net::IpAddr;
use std::time::Duration;

use audit::{Actor, Event};
use identity::model::email::Email;
use platform::clock::Timestamp;
use platform::crypto::MasterKey;
use platform::ids::new_id;
use platform::mail::OutgoingMail;

use super::intake::tracking_hash;
use super::team::invalid;
use super::{Disclosure, DisclosureError};
use crate::store::researchers::{self, ResearcherRecord};

/// How long a sign-in link works.
const LINK_LIFETIME: Duration = Duration::from_secs(30 * 60);
/// How long a researcher session lasts.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 3600);
/// Sign-in links mailed per hour from one address.
const LINKS_PER_HOUR: usize = 5;
/// What the master key seals an account's tracking secrets with.
const TRACKING_CONTEXT: &[u8] = b"rampart disclosure tracking secret v1";

/// A signed-in researcher.
#[derive(Debug, Clone)]
pub struct Researcher {
    pub id: String,
    pub email: String,
    pub name: Option<String>,
}

impl From<ResearcherRecord> for Researcher {
    fn from(record: ResearcherRecord) -> Self {
        Self {
            id: record.id,
            email: record.email,
            name: record.name,
        }
    }
}

/// One of an account's reports: where it stands and its tracking link.
#[derive(Debug, Clone)]
pub struct OwnReport {
    pub report: super::ReportView,
    /// `None` once the researcher revoked the link.
    pub tracking_url: Option<String>,
}

fn secret(prefix: &str) -> String {
    format!("{prefix}_{}", hex::encode(MasterKey::generate_bytes()))
}

fn well_formed(prefix: &str, secret: &str) -> bool {
    secret
        .strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('_'))
        .is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

impl Disclosure {
    /// Mails a sign-in link to `email`. The answer is the same whether or not an account
    /// exists, so the form tells no one who reports to the program.
    pub async fn request_sign_in(
        &self,
        email: &str,
        name: Option<&str>,
        ip: Option<IpAddr>,
    ) -> Result<(), DisclosureError> {
        let email = Email::parse(email.trim())
            .map_err(|_| invalid("email", "enter an email address such as ada@example.com"))?;
        let name = name.map(str::trim).filter(|n| !n.is_empty());
        if name.is_some_and(|n| n.chars().count() > 200 || n.chars().any(char::is_control)) {
            return Err(invalid(
                "name",
                "write your name in at most 200 characters, on one line",
            ));
        }
        let now = self.now();
        if let Some(ip) = ip {
            self.limit_links(ip, now)?;
        }
        let link = secret("rsl");
        let expires = now.plus(LINK_LIFETIME);
        let mut tx = self.db().begin().await?;
        researchers::insert_link(
            &mut tx,
            &tracking_hash(&link),
            email.as_str(),
            name,
            expires.as_millis(),
        )
        .await?;
        let mail = OutgoingMail {
            to: email.to_string(),
            subject: "Your sign-in link to the security program".into(),
            text: format!(
                "Open this link within 30 minutes to sign in to your researcher account; it works once:\n\
                 {}/security/researchers/sign-in/{link}\n\n\
                 If you did not ask for it, ignore this message.\n",
                self.inner.public_url
            ),
        };
        self.queue_mail(&mut tx, mail, now).await?;
        tx.commit().await?;
        self.inner.mailer.notify();
        Ok(())
    }

    fn limit_links(&self, ip: IpAddr, now: Timestamp) -> Result<(), DisclosureError> {
        let hour_ago = now.as_millis() - 3_600_000;
        let mut recent = self
            .inner
            .sign_in_requests
            .lock()
            .map_err(|_| DisclosureError::BadInput("try again".into()))?;
        recent.retain(|_, times| times.back().is_some_and(|t| t.as_millis() > hour_ago));
        let times = recent.entry(ip).or_default();
        while times.front().is_some_and(|t| t.as_millis() <= hour_ago) {
            times.pop_front();
        }
        if times.len() >= LINKS_PER_HOUR {
            return Err(DisclosureError::RateLimited {
                limit: LINKS_PER_HOUR as u32,
                retry_after_secs: 3600,
            });
        }
        times.push_back(now);
        Ok(())
    }

    /// Uses a sign-in link: the account (made now if new) and a new session's secret.
    pub async fn complete_sign_in(
        &self,
        link: &str,
    ) -> Result<(Researcher, String), DisclosureError> {
        if !well_formed("rsl", link) {
            return Err(DisclosureError::NotFound);
        }
        let now = self.now();
        let mut tx = self.db().begin().await?;
        let (email, name) = researchers::use_link(&mut tx, &tracking_hash(link), now.as_millis())
            .await?
            .ok_or(DisclosureError::NotFound)?;
        let researcher = match researchers::by_email(&mut tx, &email).await? {
            Some(found) => found,
            None => {
                let created = ResearcherRecord {
                    id: new_id("rsr"),
                    email,
                    name,
                };
                researchers::insert(&mut tx, &created, now.as_millis()).await?;
                created
            }
        };
        let session = secret("rss");
        researchers::insert_session(
            &mut tx,
            &tracking_hash(&session),
            &researcher.id,
            now.as_millis(),
            now.plus(SESSION_LIFETIME).as_millis(),
        )
        .await?;
        self.record(
            &mut tx,
            Event::new(Actor::anonymous(), "disclosure.researcher.sign_in")
                .resource("researcher", [&researcher.id]),
        )
        .await?;
        tx.commit().await?;
        Ok((researcher.into(), session))
    }

    /// The researcher of a session cookie's secret, if it is current.
    pub async fn researcher_of(
        &self,
        session: &str,
    ) -> Result<Option<Researcher>, DisclosureError> {
        if !well_formed("rss", session) {
            return Ok(None);
        }
        let mut conn = self.db().connection().await?;
        Ok(
            researchers::of_session(&mut conn, &tracking_hash(session), self.now().as_millis())
                .await?
                .map(Researcher::from),
        )
    }

    pub async fn sign_out(&self, session: &str) -> Result<(), DisclosureError> {
        let mut conn = self.db().connection().await?;
        researchers::end_session(&mut conn, &tracking_hash(session)).await?;
        Ok(())
    }

    /// The account's reports with their tracking links.
    pub async fn own_reports(
        &self,
        researcher: &Researcher,
    ) -> Result<Vec<OwnReport>, DisclosureError> {
        let owned = {
            let mut conn = self.db().connection().await?;
            researchers::reports_of(&mut conn, &researcher.id).await?
        };
        let mut reports = Vec::with_capacity(owned.len());
        for (id, sealed) in owned {
            let tracking_url = sealed
                .and_then(|sealed| hex::decode(sealed).ok())
                .and_then(|sealed| {
                    self.inner
                        .master_key
                        .open(&sealed, &tracking_context(&id))
                        .ok()
                })
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .map(|secret| self.tracking_url(&secret));
            reports.push(OwnReport {
                report: self.researcher_view(&id).await?,
                tracking_url,
            });
        }
        Ok(reports)
    }

    /// Keeps a report's tracking secret for the account that sent it (or forgets it).
    pub(super) async fn keep_for_account(
        &self,
        conn: &mut crate::store::Conn,
        report_id: &str,
        researcher_id: Option<&str>,
        secret: Option<&str>,
    ) -> Result<(), DisclosureError> {
        let sealed = secret.map(|secret| {
            hex::encode(
                self.inner
                    .master_key
                    .seal(secret.as_bytes(), &tracking_context(report_id)),
            )
        });
        match researcher_id {
            Some(researcher_id) => {
                researchers::own_report(conn, report_id, researcher_id, sealed.as_deref()).await?;
            }
            None => researchers::set_tracking_sealed(conn, report_id, sealed.as_deref()).await?,
        }
        Ok(())
    }

    /// Reports the account sent in the last hour.
    pub(super) async fn account_reports_since(
        &self,
        researcher_id: &str,
        since: Timestamp,
    ) -> Result<i64, DisclosureError> {
        let mut conn = self.db().connection().await?;
        Ok(researchers::count_since(&mut conn, researcher_id, since.as_millis()).await?)
    }
}

fn tracking_context(report_id: &str) -> Vec<u8> {
    let mut context = TRACKING_CONTEXT.to_vec();
    context.push(0);
    context.extend_from_slice(report_id.as_bytes());
    context
}
