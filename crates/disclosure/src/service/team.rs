//! The security team's side: the queue with its clocks, each report's full thread, and every
//! change the lifecycle allows, each a message the researcher sees and is mailed about.
//! Also the jobs that move reports by themselves: auto-close after a long wait on the
//! researcher, and publication of advisories whose agreed date has come.

use audit::{Actor, Event};
use platform::clock::Timestamp;
use platform::ids::new_id;
use platform::mail::OutgoingMail;

use super::intake::message_body;
use super::view::ReportView;
use super::{Disclosure, DisclosureError};
use crate::model::clock;
use crate::model::lifecycle::{self, Closure, Mover, Severity, State};
use crate::model::report::ReportErrors;
use crate::store::messages::{self, MessageRecord};
use crate::store::reports::{self, ReportRecord};
use crate::store::{Conn, pauses, policy};

/// A member of staff with the `security` role: only `http` builds one, from the staff
/// session.
#[derive(Debug, Clone)]
pub struct TeamMember {
    pub staff_id: String,
}

/// A change of state asked for by the team, with what that state needs.
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub to: Option<State>,
    pub severity: Option<Severity>,
    pub duplicate_of: Option<String>,
    pub fix_target: Option<String>,
    /// A message to the researcher that goes with the change.
    pub message: Option<String>,
}

impl Disclosure {
    /// Every report, newest first, with its clocks.
    pub async fn queue(&self, _member: &TeamMember) -> Result<Vec<ReportView>, DisclosureError> {
        self.latest_views(500).await
    }

    /// A report with its whole thread, internal notes included; the read is audited.
    pub async fn report_for_team(
        &self,
        member: &TeamMember,
        id: &str,
    ) -> Result<ReportView, DisclosureError> {
        if !platform::ids::is_well_formed("rpt", id) {
            return Err(DisclosureError::NotFound);
        }
        let view = self.view(id, true).await?;
        let mut tx = self.db().begin().await?;
        self.record(
            &mut tx,
            Event::new(self.staff_actor(member), "disclosure.report.view").resource("report", [id]),
        )
        .await?;
        tx.commit().await?;
        Ok(view)
    }

    /// A message from the team: to the researcher, or an internal note they never see.
    pub async fn team_message(
        &self,
        member: &TeamMember,
        id: &str,
        body: &str,
        internal: bool,
    ) -> Result<(), DisclosureError> {
        let body = message_body(body)?;
        let now = self.now();
        let mut tx = self.db().begin().await?;
        let mut record = self.locked(&mut tx, id).await?;
        self.add_message(&mut tx, id, "team", internal, &body, now)
            .await?;
        if !internal && record.first_response_at.is_none() {
            record.first_response_at = Some(now.as_millis());
            record.updated_at = now.as_millis();
            reports::update(&mut tx, &record).await?;
        }
        self.record(
            &mut tx,
            Event::new(self.staff_actor(member), "disclosure.report.message")
                .resource("report", [id])
                .details(if internal {
                    "internal note"
                } else {
                    "to the researcher"
                }),
        )
        .await?;
        if !internal {
            self.mail_researcher(
                &mut tx,
                &record,
                "The security team wrote to you",
                &body,
                now,
            )
            .await?;
        }
        tx.commit().await?;
        self.inner.mailer.notify();
        Ok(())
    }

    /// Moves a report along its lifecycle, with what the new state needs (a severity to
    /// accept, the original of a duplicate), and tells the researcher.
    pub async fn change(
        &self,
        member: &TeamMember,
        id: &str,
        change: Change,
    ) -> Result<(), DisclosureError> {
        let now = self.now();
        let Some(to) = change.to else {
            return Err(invalid("to", "choose the new state"));
        };
        let message = match change.message.as_deref().map(str::trim) {
            Some(text) if !text.is_empty() => Some(message_body(text)?),
            _ => None,
        };
        let mut tx = self.db().begin().await?;
        let mut record = self.locked(&mut tx, id).await?;
        let from = State::parse(&record.state).ok_or(DisclosureError::NotFound)?;
        lifecycle::check(from, to, Mover::Team)?;
        // Acceptance sets the severity; later it changes only with a reason
        // (`change_severity`).
        let accepting = to == State::Accepted;
        if accepting {
            let severity = change
                .severity
                .ok_or_else(|| invalid("severity", "choose a severity to accept the report"))?;
            record.severity = Some(severity.as_str().to_owned());
        }
        if to == State::Closed(Closure::Duplicate) {
            let original = change
                .duplicate_of
                .as_deref()
                .map(str::trim)
                .filter(|o| platform::ids::is_well_formed("rpt", o) && *o != id)
                .ok_or_else(|| invalid("duplicate_of", "give the id of the original report"))?;
            if reports::get(&mut tx, original).await?.is_none() {
                return Err(invalid("duplicate_of", "there is no report with this id"));
            }
            record.duplicate_of = Some(original.to_owned());
        }
        if let Some(target) = change
            .fix_target
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            if target.chars().count() > 200 {
                return Err(invalid(
                    "fix_target",
                    "write the target in at most 200 characters",
                ));
            }
            record.fix_target = Some(target.to_owned());
        }
        self.apply(&mut tx, &mut record, from, to, now).await?;
        let mut text = format!("The report is now: {}.", to.label());
        if let Some(severity) = change.severity.filter(|_| accepting) {
            text.push_str(&format!(" Severity: {}.", severity.label()));
        }
        if let Some(message) = &message {
            text.push_str("\n\n");
            text.push_str(message);
        }
        let event = Event::new(self.staff_actor(member), "disclosure.report.state")
            .resource("report", [id])
            .details(format!("{} -> {}", from.as_str(), to.as_str()));
        self.announce(
            &mut tx,
            &record,
            "team",
            event,
            &format!("Your report is now: {}", to.label()),
            &text,
            now,
        )
        .await?;
        if to == State::Resolved {
            self.tell_duplicates(&mut tx, id, now).await?;
        }
        tx.commit().await?;
        self.inner.mailer.notify();
        Ok(())
    }

    /// Changes the severity of an accepted report; the reason is recorded and told.
    pub async fn change_severity(
        &self,
        member: &TeamMember,
        id: &str,
        severity: Severity,
        reason: &str,
    ) -> Result<(), DisclosureError> {
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 2_000 {
            return Err(invalid(
                "reason",
                "say why the severity changes (at most 2000 characters)",
            ));
        }
        let now = self.now();
        let mut tx = self.db().begin().await?;
        let mut record = self.locked(&mut tx, id).await?;
        let Some(old) = record.severity.clone() else {
            return Err(invalid(
                "severity",
                "only an accepted report has a severity to change",
            ));
        };
        record.severity = Some(severity.as_str().to_owned());
        record.updated_at = now.as_millis();
        reports::update(&mut tx, &record).await?;
        let text = format!("Severity changed to {}: {reason}", severity.label());
        let event = Event::new(self.staff_actor(member), "disclosure.report.severity")
            .resource("report", [id])
            .details(format!("{old} -> {}", severity.as_str())); // the reason is on the thread
        self.announce(
            &mut tx,
            &record,
            "team",
            event,
            "The severity of your report changed",
            &text,
            now,
        )
        .await?;
        tx.commit().await?;
        self.inner.mailer.notify();
        Ok(())
    }

    /// Sets the agreed disclosure date (the advisory publishes itself then), or moves it
    /// with a recorded reason.
    pub async fn set_disclosure_date(
        &self,
        member: &TeamMember,
        id: &str,
        date: Timestamp,
        reason: &str,
    ) -> Result<(), DisclosureError> {
        let reason = reason.trim();
        if reason.chars().count() > 2_000 {
            return Err(invalid(
                "reason",
                "write the reason in at most 2000 characters",
            ));
        }
        let now = self.now();
        let mut tx = self.db().begin().await?;
        let mut record = self.locked(&mut tx, id).await?;
        if record.disclose_on.is_some() && reason.is_empty() {
            return Err(invalid("reason", "say why the agreed date moves"));
        }
        record.disclose_on = Some(date.as_millis());
        record.updated_at = now.as_millis();
        reports::update(&mut tx, &record).await?;
        let mut text = format!("Agreed disclosure date: {}.", date.rfc3339());
        if !reason.is_empty() {
            text.push(' ');
            text.push_str(reason);
        }
        let event = Event::new(self.staff_actor(member), "disclosure.report.embargo")
            .resource("report", [id])
            .details(format!("disclose on {}", date.rfc3339()));
        self.announce(
            &mut tx,
            &record,
            "team",
            event,
            "The disclosure date of your report",
            &text,
            now,
        )
        .await?;
        tx.commit().await?;
        self.inner.mailer.notify();
        Ok(())
    }

    /// Saves the policy page's Markdown.
    pub async fn save_policy(
        &self,
        member: &TeamMember,
        markdown: &str,
    ) -> Result<(), DisclosureError> {
        crate::model::policy::validate_policy(markdown)
            .map_err(|message| invalid("markdown", &message))?;
        let now = self.now();
        let actor = self.staff_actor(member);
        let mut tx = self.db().begin().await?;
        policy::put(&mut tx, markdown, now.as_millis(), &actor.id).await?;
        self.record(
            &mut tx,
            Event::new(actor, "disclosure.policy.edit").resource("policy", ["policy"]),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The background work of the node holding the jobs lease: reports waiting on their
    /// researcher too long close themselves, advisories whose date came publish, and the team
    /// is emailed (at most daily per report) about overdue clocks. Returns (closed,
    /// published).
    pub async fn tick(&self) -> Result<(usize, usize), DisclosureError> {
        let now = self.now();
        self.escalate_overdue(now).await?;
        let waiting = {
            let mut conn = self.db().connection().await?;
            reports::in_states(&mut conn, &[State::NeedsInfo.as_str()]).await?
        };
        let mut closed = 0;
        for report in waiting {
            let since = {
                let mut conn = self.db().connection().await?;
                pauses::of_report(&mut conn, &report.id)
                    .await?
                    .into_iter()
                    .filter(|(_, end)| end.is_none())
                    .map(|(start, _)| start)
                    .next_back()
            };
            let Some(since) = since else { continue };
            if clock::should_auto_close(Timestamp::from_millis(since), now, &self.inner.targets) {
                self.move_by_system(&report.id, State::NeedsInfo, State::Closed(Closure::Informative), now, &format!(
                    "Closed without penalty: no answer for {} days. Reply on this report to have it reopened.",
                    self.inner.targets.auto_close_after_days
                ))
                .await?;
                closed += 1;
            }
        }
        let resolved = {
            let mut conn = self.db().connection().await?;
            reports::in_states(&mut conn, &[State::Resolved.as_str()]).await?
        };
        let mut published = 0;
        for report in resolved {
            if report.disclose_on.is_some_and(|on| on <= now.as_millis()) {
                self.move_by_system(
                    &report.id,
                    State::Resolved,
                    State::Disclosed,
                    now,
                    "The agreed disclosure date has come: the advisory is published.",
                )
                .await?;
                published += 1;
            }
        }
        Ok((closed, published))
    }

    /// Emails the team about each open report with an overdue clock, once a day at most.
    async fn escalate_overdue(&self, now: Timestamp) -> Result<(), DisclosureError> {
        if self.inner.config.team_email.is_none() {
            return Ok(());
        }
        let open: Vec<&str> = State::ALL
            .iter()
            .filter(|s| s.is_open())
            .map(|s| s.as_str())
            .collect();
        let day_ago = now.as_millis() - 86_400_000;
        let ids = {
            let mut conn = self.db().connection().await?;
            reports::escalation_candidates(&mut conn, &open, day_ago).await?
        };
        for id in ids {
            let view = self.view(&id, false).await?;
            if !view.overdue() {
                continue;
            }
            let Some(mail) = self.team_mail(
                format!("Overdue: vulnerability report {id}"),
                format!(
                    "A committed response time of report {id} ({}) has passed. It is {}.\n{}/staff/security/reports/{id}\n",
                    view.class_label,
                    view.state.label(),
                    self.inner.staff_url
                ),
            ) else {
                return Ok(());
            };
            let mut tx = self.db().begin().await?;
            reports::set_escalated(&mut tx, &id, now.as_millis()).await?;
            self.queue_mail(&mut tx, mail, now).await?;
            tx.commit().await?;
            self.inner.mailer.notify();
        }
        Ok(())
    }

    async fn move_by_system(
        &self,
        id: &str,
        from: State,
        to: State,
        now: Timestamp,
        text: &str,
    ) -> Result<(), DisclosureError> {
        let mut tx = self.db().begin().await?;
        let mut record = self.locked(&mut tx, id).await?;
        // Another node or request may have moved it since it was listed.
        if State::parse(&record.state) != Some(from) {
            return Ok(());
        }
        lifecycle::check(from, to, Mover::System)?;
        self.apply(&mut tx, &mut record, from, to, now).await?;
        let event = Event::new(Actor::system("disclosure"), "disclosure.report.state")
            .resource("report", [id])
            .details(format!("{} -> {}", from.as_str(), to.as_str()));
        self.announce(
            &mut tx,
            &record,
            "system",
            event,
            &format!("Your report is now: {}", to.label()),
            text,
            now,
        )
        .await?;
        tx.commit().await?;
        self.inner.mailer.notify();
        Ok(())
    }

    /// Sets the state and the dates it records, and pauses or resumes the clocks.
    async fn apply(
        &self,
        conn: &mut Conn,
        record: &mut ReportRecord,
        from: State,
        to: State,
        now: Timestamp,
    ) -> Result<(), DisclosureError> {
        let millis = now.as_millis();
        record.state = to.as_str().to_owned();
        record.updated_at = millis;
        record.first_response_at.get_or_insert(millis);
        match to {
            State::Accepted => {
                record.triaged_at.get_or_insert(millis);
                record.accepted_at = Some(millis);
            }
            State::Fixed => record.fixed_at = Some(millis),
            // A failed retest: the fix clock runs again.
            State::FixPlanned => record.fixed_at = None,
            State::Resolved => record.resolved_at = Some(millis),
            State::Disclosed => record.disclosed_at = Some(millis),
            State::Closed(_) => {
                record.triaged_at.get_or_insert(millis);
                record.closed_at = Some(millis);
            }
            State::Triaging => record.closed_at = None,
            _ => {}
        }
        reports::update(conn, record).await?;
        if to.waits_on_researcher() {
            pauses::start(conn, &record.id, millis).await?;
        } else if from.waits_on_researcher() {
            pauses::end(conn, &record.id, millis).await?;
        }
        Ok(())
    }

    /// Tells the reporters of duplicates that the original is resolved.
    async fn tell_duplicates(
        &self,
        conn: &mut Conn,
        original: &str,
        now: Timestamp,
    ) -> Result<(), DisclosureError> {
        let duplicates =
            reports::in_states(conn, &[State::Closed(Closure::Duplicate).as_str()]).await?;
        for duplicate in duplicates
            .into_iter()
            .filter(|d| d.duplicate_of.as_deref() == Some(original))
        {
            let text = "The report yours duplicates is now resolved.";
            self.add_message(conn, &duplicate.id, "system", false, text, now)
                .await?;
            self.mail_researcher(
                conn,
                &duplicate,
                "The original of your report is resolved",
                text,
                now,
            )
            .await?;
        }
        Ok(())
    }

    /// The report, its row locked for the rest of the transaction.
    pub(super) async fn locked(
        &self,
        conn: &mut Conn,
        id: &str,
    ) -> Result<ReportRecord, DisclosureError> {
        if !platform::ids::is_well_formed("rpt", id) {
            return Err(DisclosureError::NotFound);
        }
        reports::lock(conn, self.db().dialect(), id).await?;
        reports::get(conn, id)
            .await?
            .ok_or(DisclosureError::NotFound)
    }

    /// Tells the researcher of a change: a message on the thread they see, the audit entry,
    /// and mail when they gave an address.
    #[allow(
        clippy::too_many_arguments,
        reason = "each is one part of the announcement"
    )]
    async fn announce(
        &self,
        conn: &mut Conn,
        record: &ReportRecord,
        author: &str,
        event: Event,
        subject: &str,
        text: &str,
        now: Timestamp,
    ) -> Result<(), DisclosureError> {
        self.add_message(conn, &record.id, author, false, text, now)
            .await?;
        self.record(conn, event).await?;
        self.mail_researcher(conn, record, subject, text, now).await
    }

    pub(super) async fn add_message(
        &self,
        conn: &mut Conn,
        report_id: &str,
        author: &str,
        internal: bool,
        body: &str,
        now: Timestamp,
    ) -> Result<(), DisclosureError> {
        messages::insert(
            conn,
            &MessageRecord {
                id: new_id("msg"),
                report_id: report_id.to_owned(),
                author: author.to_owned(),
                internal,
                body: body.to_owned(),
                created_at: now.as_millis(),
            },
        )
        .await?;
        Ok(())
    }

    async fn mail_researcher(
        &self,
        conn: &mut Conn,
        record: &ReportRecord,
        subject: &str,
        text: &str,
        now: Timestamp,
    ) -> Result<(), DisclosureError> {
        let Some(email) = &record.reporter_email else {
            return Ok(());
        };
        let mail = OutgoingMail {
            to: email.clone(),
            subject: format!("{subject} ({})", record.id),
            text: format!(
                "{text}\n\nFollow the report at the private link you were given when you submitted it.\n"
            ),
        };
        self.queue_mail(conn, mail, now).await
    }
}

pub(super) fn invalid(field: &str, message: &str) -> DisclosureError {
    let mut errors = ReportErrors::default();
    errors.insert(field, message);
    DisclosureError::Invalid(errors)
}
