//! Submissions: a report is checked, stored, acknowledged at once with its expected dates,
//! and, for an anonymous researcher, given a private tracking link. The researcher's side
//! of the thread goes through the same link.

use std::net::IpAddr;
use std::time::Duration;

use audit::{Actor, Event};
use platform::clock::Timestamp;
use platform::crypto::MasterKey;
use platform::ids::new_id;
use platform::mail::OutgoingMail;
use sha2::{Digest, Sha256};

use super::view::{MessageView, ReportView};
use super::{Disclosure, DisclosureError};
use crate::model::cvss::{score_v3, score_v4};
use crate::model::lifecycle::{Mover, State};
use crate::model::report::{ReportErrors, ReportInput, ValidReport};
use crate::store::messages::{self};
use crate::store::reports::ReportRecord;
use crate::store::{pauses, reports};

const HOUR: Duration = Duration::from_secs(3600);

/// Who sends a report.
#[derive(Debug, Clone)]
pub enum Submitter {
    /// Through the form or the API without a token: known only by address.
    Anonymous { ip: Option<IpAddr> },
    /// Through the API with a `reports:write` token.
    Token { user_id: String, token_id: String },
    /// Through the form, signed in to a researcher account.
    Researcher(super::Researcher),
}

/// A report just received.
#[derive(Debug, Clone)]
pub struct Submitted {
    pub report: ReportView,
    /// The private tracking link's secret, shown once: only its hash is kept.
    pub tracking_secret: String,
}

/// The private tracking link's secret: 256 random bits, as text.
fn new_tracking_secret() -> String {
    format!("trk_{}", hex::encode(MasterKey::generate_bytes()))
}

pub(super) fn tracking_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

impl Disclosure {
    /// Receives a report: checks it, stores it as new, acknowledges it at once (a system
    /// message with the dates the team commits to), and queues mail to the researcher (when
    /// they gave an address) and to the team.
    pub async fn submit(
        &self,
        input: ReportInput,
        submitter: Submitter,
    ) -> Result<Submitted, DisclosureError> {
        let now = self.now();
        if input.is_bot() {
            // Answered like any refusal of a form, without saying why.
            return Err(DisclosureError::BadInput(
                "the report could not be accepted".into(),
            ));
        }
        let valid = input.validate().map_err(DisclosureError::Invalid)?;
        let (cvss_v3, cvss_v4) = scored_vectors(&valid)?;
        self.check_rate(&submitter, now).await?;
        let id = new_id("rpt");
        let secret = new_tracking_secret();
        let (reporter_user_id, reporter_token_id, actor) = match &submitter {
            Submitter::Anonymous { .. } => (None, None, Actor::anonymous()),
            // Researchers are not among the audit log's kinds of actor; the entry names the
            // account in its details.
            Submitter::Researcher(_) => (None, None, Actor::anonymous()),
            Submitter::Token { user_id, token_id } => (
                Some(user_id.clone()),
                Some(token_id.clone()),
                Actor::token(token_id),
            ),
        };
        let mut record = ReportRecord {
            id: id.clone(),
            title: valid.title().to_owned(),
            class: valid.class().as_str().to_owned(),
            affected: valid.affected().to_owned(),
            impact: valid.impact().to_owned(),
            steps: valid.steps().to_owned(),
            proof_of_concept: valid.proof_of_concept().unwrap_or_default().to_owned(),
            cvss_v3: cvss_v3.as_ref().map(|s| s.vector().to_owned()),
            cvss_v3_tenths: cvss_v3.as_ref().map(|s| tenths(s.score())),
            cvss_v4: cvss_v4.as_ref().map(|s| s.vector().to_owned()),
            cvss_v4_tenths: cvss_v4.as_ref().map(|s| tenths(s.score())),
            state: State::New.as_str().to_owned(),
            severity: None,
            duplicate_of: None,
            reporter_name: valid
                .reporter_name()
                .map(str::to_owned)
                .or_else(|| match &submitter {
                    Submitter::Researcher(researcher) => researcher.name.clone(),
                    _ => None,
                }),
            reporter_email: valid.reporter_email().map(ToString::to_string).or_else(|| {
                match &submitter {
                    Submitter::Researcher(researcher) => Some(researcher.email.clone()),
                    _ => None,
                }
            }),
            reporter_user_id,
            reporter_token_id,
            credit: true,
            credit_organisation: None,
            credit_link: None,
            show_email: false,
            show_organisation: false,
            show_link: false,
            submitted_at: now.as_millis(),
            first_response_at: None,
            triaged_at: None,
            accepted_at: None,
            fixed_at: None,
            resolved_at: None,
            closed_at: None,
            disclosed_at: None,
            disclose_on: None,
            fix_target: None,
            updated_at: now.as_millis(),
        };
        let mut tx = self.db().begin().await?;
        reports::insert(&mut tx, &record, Some(&tracking_hash(&secret))).await?;
        if let Submitter::Researcher(researcher) = &submitter {
            self.keep_for_account(&mut tx, &id, Some(&researcher.id), Some(&secret))
                .await?;
        }
        let mut event = Event::new(actor, "disclosure.report.submit").resource("report", [&id]);
        if let Submitter::Researcher(researcher) = &submitter {
            event = event.details(format!("researcher account {}", researcher.id));
        }
        self.record(&mut tx, event).await?;
        // Acknowledged by Rampart itself, at once, with the dates the team commits to.
        crate::model::lifecycle::check(State::New, State::Acknowledged, Mover::System)?;
        record.state = State::Acknowledged.as_str().to_owned();
        reports::update(&mut tx, &record).await?;
        let view = ReportView::of(
            record.clone(),
            Vec::new(),
            &self.inner.calendar,
            &self.inner.targets,
            &[],
            now,
        );
        let acknowledgement = self.acknowledgement_text(&view);
        self.add_message(&mut tx, &id, "system", false, &acknowledgement, now)
            .await?;
        self.record(
            &mut tx,
            Event::new(Actor::system("disclosure"), "disclosure.report.acknowledge")
                .resource("report", [&id]),
        )
        .await?;
        if let Some(email) = &record.reporter_email {
            let mail = OutgoingMail {
                to: email.clone(),
                subject: format!("We received your report {id}"),
                text: format!(
                    "{acknowledgement}\n\nFollow the report and answer the team at the private link \
                     you were given when you submitted it; keep it secret.\n"
                ),
            };
            self.queue_mail(&mut tx, mail, now).await?;
        }
        if let Some(mail) = self.team_mail(
            format!("New vulnerability report {id}"),
            format!(
                "A new report arrived ({}). Triage it in the staff console:\n{}/staff/security/reports/{id}\n",
                view.class_label, self.inner.staff_url
            ),
        ) {
            self.queue_mail(&mut tx, mail, now).await?;
        }
        tx.commit().await?;
        self.inner.mailer.notify();
        let report = self.researcher_view(&id).await?;
        Ok(Submitted {
            report,
            tracking_secret: secret,
        })
    }

    /// The absolute address of a tracking link.
    pub fn tracking_url(&self, secret: &str) -> String {
        format!("{}/security/reports/track/{secret}", self.inner.public_url)
    }

    fn acknowledgement_text(&self, view: &ReportView) -> String {
        format!(
            "Thank you: we received your report \"{}\" and it is in our queue.\n\
             A person from the security team will answer by {} and triage it by {} (UTC).\n\
             Once accepted, we aim to fix it within {} days for a critical issue, {} for high, \
             {} for medium and {} for low severity, and we will agree a disclosure date with you.",
            view.title,
            view.first_response_due.rfc3339(),
            view.triage_due.rfc3339(),
            self.inner.targets.fix_days[0],
            self.inner.targets.fix_days[1],
            self.inner.targets.fix_days[2],
            self.inner.targets.fix_days[3],
        )
    }

    /// At most `disclosure.reports_per_hour` reports an hour per address or token.
    async fn check_rate(
        &self,
        submitter: &Submitter,
        now: Timestamp,
    ) -> Result<(), DisclosureError> {
        let limit = self.inner.config.reports_per_hour as usize;
        let hour_ago = Timestamp::from_millis(now.as_millis() - HOUR.as_millis() as i64);
        let refused = DisclosureError::RateLimited {
            limit: self.inner.config.reports_per_hour,
            retry_after_secs: HOUR.as_secs(),
        };
        match submitter {
            Submitter::Token { token_id, .. } => {
                let mut conn = self.db().connection().await?;
                let count =
                    reports::count_since_by_token(&mut conn, token_id, hour_ago.as_millis())
                        .await?;
                if count >= limit as i64 {
                    return Err(refused);
                }
            }
            Submitter::Anonymous { ip: Some(ip) } => {
                let mut recent = self
                    .inner
                    .recent
                    .lock()
                    .map_err(|_| DisclosureError::BadInput("try again".into()))?;
                recent.retain(|_, times| times.back().is_some_and(|t| *t > hour_ago));
                let times = recent.entry(*ip).or_default();
                while times.front().is_some_and(|t| *t <= hour_ago) {
                    times.pop_front();
                }
                if times.len() >= limit {
                    return Err(refused);
                }
                times.push_back(now);
            }
            Submitter::Researcher(researcher) => {
                let count = self.account_reports_since(&researcher.id, hour_ago).await?;
                if count >= limit as i64 {
                    return Err(refused);
                }
            }
            Submitter::Anonymous { ip: None } => {}
        }
        Ok(())
    }

    /// The report a tracking link opens, as its researcher sees it.
    pub async fn track(&self, secret: &str) -> Result<ReportView, DisclosureError> {
        let id = self.report_of_link(secret).await?;
        let view = self.researcher_view(&id).await?;
        let mut tx = self.db().begin().await?;
        self.record(
            &mut tx,
            Event::new(Actor::anonymous(), "disclosure.report.view")
                .resource("report", [&id])
                .details("through its tracking link"),
        )
        .await?;
        tx.commit().await?;
        Ok(view)
    }

    /// The researcher answers on the thread; a report that waited on them goes back to
    /// triage and its clocks run again.
    pub async fn researcher_reply(
        &self,
        secret: &str,
        body: &str,
    ) -> Result<ReportView, DisclosureError> {
        let body = message_body(body)?;
        let id = self.report_of_link(secret).await?;
        let now = self.now();
        let mut tx = self.db().begin().await?;
        let mut record = self.locked(&mut tx, &id).await?;
        let state = State::parse(&record.state).ok_or(DisclosureError::NotFound)?;
        if !state.takes_researcher_messages() {
            return Err(DisclosureError::BadInput(
                "this report is closed; its thread takes no more messages".into(),
            ));
        }
        self.add_message(&mut tx, &id, "researcher", false, &body, now)
            .await?;
        if state == State::NeedsInfo {
            crate::model::lifecycle::check(state, State::Triaging, Mover::Researcher)?;
            record.state = State::Triaging.as_str().to_owned();
            record.updated_at = now.as_millis();
            reports::update(&mut tx, &record).await?;
            pauses::end(&mut tx, &id, now.as_millis()).await?;
        }
        self.record(
            &mut tx,
            Event::new(Actor::anonymous(), "disclosure.report.message")
                .resource("report", [&id])
                .details("from the researcher"),
        )
        .await?;
        if let Some(mail) = self.team_mail(
            format!("The researcher answered on {id}"),
            format!("{}/staff/security/reports/{id}\n", self.inner.staff_url),
        ) {
            self.queue_mail(&mut tx, mail, now).await?;
        }
        tx.commit().await?;
        self.inner.mailer.notify();
        self.researcher_view(&id).await
    }

    /// The researcher asks the team to publish the advisory (once the issue is fixed); the
    /// team answers by setting or moving the disclosure date.
    pub async fn ask_disclosure(&self, secret: &str) -> Result<ReportView, DisclosureError> {
        let id = self.report_of_link(secret).await?;
        let now = self.now();
        let mut tx = self.db().begin().await?;
        let record = self.locked(&mut tx, &id).await?;
        let state = State::parse(&record.state).ok_or(DisclosureError::NotFound)?;
        if !matches!(state, State::Fixed | State::Resolved) {
            return Err(DisclosureError::BadInput(
                "disclosure can be asked for once the issue is fixed".into(),
            ));
        }
        self.add_message(
            &mut tx,
            &id,
            "researcher",
            false,
            "The researcher asks for the advisory to be published.",
            now,
        )
        .await?;
        self.record(
            &mut tx,
            Event::new(Actor::anonymous(), "disclosure.report.ask_disclosure")
                .resource("report", [&id]),
        )
        .await?;
        if let Some(mail) = self.team_mail(
            format!("The researcher asks to disclose {id}"),
            format!(
                "Set or move the disclosure date:\n{}/staff/security/reports/{id}\n",
                self.inner.staff_url
            ),
        ) {
            self.queue_mail(&mut tx, mail, now).await?;
        }
        tx.commit().await?;
        self.inner.mailer.notify();
        self.researcher_view(&id).await
    }

    /// The researcher withdraws their report.
    pub async fn withdraw(&self, secret: &str) -> Result<ReportView, DisclosureError> {
        let id = self.report_of_link(secret).await?;
        let now = self.now();
        let mut tx = self.db().begin().await?;
        let mut record = self.locked(&mut tx, &id).await?;
        let from = State::parse(&record.state).ok_or(DisclosureError::NotFound)?;
        let to = State::Closed(crate::model::lifecycle::Closure::Withdrawn);
        crate::model::lifecycle::check(from, to, Mover::Researcher)?;
        record.state = to.as_str().to_owned();
        record.closed_at = Some(now.as_millis());
        record.updated_at = now.as_millis();
        reports::update(&mut tx, &record).await?;
        pauses::end(&mut tx, &id, now.as_millis()).await?;
        self.record(
            &mut tx,
            Event::new(Actor::anonymous(), "disclosure.report.withdraw").resource("report", [&id]),
        )
        .await?;
        tx.commit().await?;
        self.researcher_view(&id).await
    }

    /// Replaces the tracking link: the old one stops working at once. Returns the new
    /// secret, shown once.
    pub async fn replace_link(&self, secret: &str) -> Result<String, DisclosureError> {
        let id = self.report_of_link(secret).await?;
        let fresh = new_tracking_secret();
        let mut tx = self.db().begin().await?;
        reports::set_tracking_hash(&mut tx, &id, Some(&tracking_hash(&fresh))).await?;
        self.keep_for_account(&mut tx, &id, None, Some(&fresh))
            .await?;
        self.record(
            &mut tx,
            Event::new(Actor::anonymous(), "disclosure.link.replace").resource("report", [&id]),
        )
        .await?;
        tx.commit().await?;
        Ok(fresh)
    }

    /// Revokes the tracking link without a new one.
    pub async fn revoke_link(&self, secret: &str) -> Result<(), DisclosureError> {
        let id = self.report_of_link(secret).await?;
        let mut tx = self.db().begin().await?;
        reports::set_tracking_hash(&mut tx, &id, None).await?;
        self.keep_for_account(&mut tx, &id, None, None).await?;
        self.record(
            &mut tx,
            Event::new(Actor::anonymous(), "disclosure.link.revoke").resource("report", [&id]),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The researcher's credit in the Hall of Fame: whether to be credited, under what
    /// name, and which optional fields to show (each revocable at any time).
    pub async fn set_credit(
        &self,
        secret: &str,
        credit: super::public::CreditChoice,
    ) -> Result<ReportView, DisclosureError> {
        let id = self.report_of_link(secret).await?;
        let choice = credit.validate().map_err(DisclosureError::Invalid)?;
        let now = self.now();
        let mut tx = self.db().begin().await?;
        let mut record = self.locked(&mut tx, &id).await?;
        let changed = choice.apply(&mut record);
        record.updated_at = now.as_millis();
        reports::update(&mut tx, &record).await?;
        self.record(
            &mut tx,
            Event::new(Actor::anonymous(), "disclosure.credit.change")
                .resource("report", [&id])
                .details(changed.join(", ")),
        )
        .await?;
        tx.commit().await?;
        self.researcher_view(&id).await
    }

    /// A report as the token (or another token of the same user) that sent it sees it;
    /// anyone else's report answers "not found".
    pub async fn report_for_token(
        &self,
        token_id: &str,
        user_id: &str,
        id: &str,
    ) -> Result<ReportView, DisclosureError> {
        if !platform::ids::is_well_formed("rpt", id) {
            return Err(DisclosureError::NotFound);
        }
        let owned = {
            let mut conn = self.db().connection().await?;
            reports::get(&mut conn, id).await?.is_some_and(|r| {
                r.reporter_user_id.as_deref() == Some(user_id)
                    || r.reporter_token_id.as_deref() == Some(token_id)
            })
        };
        if !owned {
            return Err(DisclosureError::NotFound);
        }
        let view = self.researcher_view(id).await?;
        let mut tx = self.db().begin().await?;
        self.record(
            &mut tx,
            Event::new(Actor::token(token_id), "disclosure.report.view").resource("report", [id]),
        )
        .await?;
        tx.commit().await?;
        Ok(view)
    }

    pub(super) async fn report_of_link(&self, secret: &str) -> Result<String, DisclosureError> {
        // The shape is checked before any look-up: `trk_` and 64 hex digits.
        let well_formed = secret
            .strip_prefix("trk_")
            .is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()));
        if !well_formed {
            return Err(DisclosureError::NotFound);
        }
        let mut conn = self.db().connection().await?;
        reports::by_tracking_hash(&mut conn, &tracking_hash(secret))
            .await?
            .map(|r| r.id)
            .ok_or(DisclosureError::NotFound)
    }

    /// A report and its public thread, as the researcher sees them.
    pub(super) async fn researcher_view(&self, id: &str) -> Result<ReportView, DisclosureError> {
        self.view(id, false).await
    }

    /// The `limit` newest reports with their clocks (without threads' internal notes).
    pub(super) async fn latest_views(
        &self,
        limit: i64,
    ) -> Result<Vec<ReportView>, DisclosureError> {
        let ids: Vec<String> = {
            let mut conn = self.db().connection().await?;
            reports::all(&mut conn, limit)
                .await?
                .into_iter()
                .map(|r| r.id)
                .collect()
        };
        let mut views = Vec::with_capacity(ids.len());
        for id in ids {
            views.push(self.view(&id, false).await?);
        }
        Ok(views)
    }

    pub(super) async fn view(
        &self,
        id: &str,
        with_internal: bool,
    ) -> Result<ReportView, DisclosureError> {
        let mut conn = self.db().connection().await?;
        let record = reports::get(&mut conn, id)
            .await?
            .ok_or(DisclosureError::NotFound)?;
        let thread = messages::of_report(&mut conn, id, with_internal).await?;
        let paused = pauses::of_report(&mut conn, id).await?;
        let files = crate::store::attachments::of_report(&mut conn, id).await?;
        let messages = thread.into_iter().map(MessageView::of).collect();
        let mut view = ReportView::of(
            record,
            messages,
            &self.inner.calendar,
            &self.inner.targets,
            &paused,
            self.now(),
        );
        view.attachments = files;
        Ok(view)
    }
}

/// A message's text, trimmed, 1 to 20,000 characters.
pub(super) fn message_body(body: &str) -> Result<String, DisclosureError> {
    let body = body.trim();
    let mut errors = ReportErrors::default();
    if body.is_empty() {
        errors.insert("body", "write a message");
    } else if body.chars().count() > 20_000 {
        errors.insert("body", "a message holds at most 20000 characters");
    } else if body
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        errors.insert("body", "remove the control characters");
    }
    if errors.is_empty() {
        Ok(body.to_owned())
    } else {
        Err(DisclosureError::Invalid(errors))
    }
}

pub(super) fn tenths(score: f64) -> i64 {
    (score * 10.0).round() as i64
}

/// The report's CVSS vectors, scored; an unscorable vector is a field error.
fn scored_vectors(
    valid: &ValidReport,
) -> Result<
    (
        Option<crate::model::cvss::CvssScore>,
        Option<crate::model::cvss::CvssScore>,
    ),
    DisclosureError,
> {
    let mut errors = ReportErrors::default();
    let v3 = match valid.cvss_v3().map(score_v3) {
        Some(Ok(score)) => Some(score),
        Some(Err(err)) => {
            errors.insert("cvss_v3", err.to_string());
            None
        }
        None => None,
    };
    let v4 = match valid.cvss_v4().map(score_v4) {
        Some(Ok(score)) => Some(score),
        Some(Err(err)) => {
            errors.insert("cvss_v4", err.to_string());
            None
        }
        None => None,
    };
    if errors.is_empty() {
        Ok((v3, v4))
    } else {
        Err(DisclosureError::Invalid(errors))
    }
}
