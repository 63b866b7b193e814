//! The disclosure program's operations. Each owns its transaction and records its audit
//! entry inside it; the mail it sends is queued in the same transaction, so a report that
//! was acknowledged was also told so.

mod attachments;
mod error;
mod intake;
mod metrics;
mod public;
mod researchers;
mod team;
mod view;

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use audit::{Actor, AuditLog, Event};
use platform::clock::{Clock, Timestamp};
use platform::config::DisclosureConfig;
use platform::crypto::MasterKey;
use platform::db::Db;
use platform::mail::{EnqueueError, Mailer, OutgoingMail, enqueue};

pub use attachments::{Download, Holder, clean_filename, rewrap_attachments_key};
pub use error::DisclosureError;
pub use intake::{Submitted, Submitter};
pub use metrics::{Bar, FixFigures, Kept, Metrics, figures};
pub use public::{CreditChoice, HallOfFameEntry, gravatar_url};
pub use researchers::{OwnReport, Researcher, SESSION_LIFETIME};
pub use team::{Change, TeamMember};
pub use view::{MessageView, ReportView};

use crate::model::clock::{Calendar, Targets};
use crate::model::security_txt::{SecurityTxtError, SecurityTxtFields, SecurityTxtSettings};
use crate::store::Conn;

/// What the disclosure program needs from the rest of Rampart.
pub struct DisclosureDeps {
    pub db: Db,
    pub audit: AuditLog,
    pub clock: Arc<dyn Clock>,
    pub mailer: Mailer,
    /// Seals the key that seals attachments.
    pub master_key: Arc<MasterKey>,
    /// `https://host[:port]`, for the links in mail and security.txt.
    pub public_url: String,
    /// The staff console's address, for links in the team's mail.
    pub staff_url: String,
}

/// The disclosure program's operations, shared by every request.
#[derive(Clone)]
pub struct Disclosure {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    audit: AuditLog,
    clock: Arc<dyn Clock>,
    mailer: Mailer,
    master_key: Arc<MasterKey>,
    attachments_key: tokio::sync::OnceCell<MasterKey>,
    public_url: String,
    staff_url: String,
    config: DisclosureConfig,
    calendar: Calendar,
    targets: Targets,
    security_txt: SecurityTxtSettings,
    /// Recent anonymous submissions by address, for the per-address limit.
    recent: Mutex<HashMap<IpAddr, VecDeque<Timestamp>>>,
    /// Recent sign-in links mailed, by address.
    sign_in_requests: Mutex<HashMap<IpAddr, VecDeque<Timestamp>>>,
}

impl Disclosure {
    /// Fails when a configured holiday is not a date, or security.txt's addresses are not
    /// usable (the message names the setting).
    pub fn new(deps: DisclosureDeps, config: &DisclosureConfig) -> Result<Self, String> {
        let calendar = Calendar::parse(&config.holidays)
            .map_err(|err| format!("disclosure.holidays: {err}"))?;
        let security_txt = security_txt_settings(&deps.public_url, config)
            .map_err(|err| format!("disclosure (security.txt): {err}"))?;
        Ok(Self {
            inner: Arc::new(Inner {
                db: deps.db,
                audit: deps.audit,
                clock: deps.clock,
                mailer: deps.mailer,
                master_key: deps.master_key,
                attachments_key: tokio::sync::OnceCell::new(),
                public_url: deps.public_url,
                staff_url: deps.staff_url,
                targets: targets(config),
                calendar,
                security_txt,
                config: config.clone(),
                recent: Mutex::new(HashMap::new()),
                sign_in_requests: Mutex::new(HashMap::new()),
            }),
        })
    }

    fn db(&self) -> &Db {
        &self.inner.db
    }

    fn now(&self) -> Timestamp {
        self.inner.clock.now()
    }

    /// Queues `mail` in the transaction on `conn`; a recipient the outbox refuses is logged
    /// (without the address) and skipped rather than failing the change it reports.
    async fn queue_mail(
        &self,
        conn: &mut Conn,
        mail: OutgoingMail,
        now: Timestamp,
    ) -> Result<(), DisclosureError> {
        match enqueue(&mut *conn, &mail, now).await {
            Ok(_) => Ok(()),
            Err(EnqueueError::InvalidRecipient(_)) => {
                tracing::warn!("a disclosure message had an address the outbox refused");
                Ok(())
            }
            Err(other) => Err(DisclosureError::Mail(other.to_string())),
        }
    }

    async fn record(&self, conn: &mut Conn, event: Event) -> Result<(), DisclosureError> {
        self.inner.audit.record(conn, event).await?;
        Ok(())
    }

    fn staff_actor(&self, member: &TeamMember) -> Actor {
        Actor::staff(&self.inner.audit.staff_pseudonym(&member.staff_id))
    }

    /// Mail for the team, when `disclosure.team_email` is set.
    fn team_mail(&self, subject: String, text: String) -> Option<OutgoingMail> {
        self.inner
            .config
            .team_email
            .as_ref()
            .map(|to| OutgoingMail {
                to: to.clone(),
                subject,
                text,
            })
    }
}

fn targets(config: &DisclosureConfig) -> Targets {
    Targets {
        first_response_business_days: config.first_response_business_days,
        triage_business_days: config.triage_business_days,
        fix_days: [
            config.fix_days_critical,
            config.fix_days_high,
            config.fix_days_medium,
            config.fix_days_low,
        ],
        auto_close_after_days: config.auto_close_after_days,
    }
}

/// Where security.txt points: the pages of this installation, and the configured contacts.
fn security_txt_settings(
    base: &str,
    config: &DisclosureConfig,
) -> Result<SecurityTxtSettings, SecurityTxtError> {
    SecurityTxtSettings::new(SecurityTxtFields {
        contact_url: format!("{base}/security/report"),
        contact_email: config.contact_email.clone(),
        policy_url: format!("{base}/security/policy"),
        acknowledgments_url: format!("{base}/security/hall-of-fame"),
        canonical_url: format!("{base}/.well-known/security.txt"),
        preferred_languages: config.preferred_languages.clone(),
        encryption_url: config.encryption_url.clone(),
    })
}
