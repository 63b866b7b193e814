//! Reports as the pages and the API show them: their words, where they stand, and each
//! committed clock with its due date after pauses.

use platform::clock::Timestamp;

use crate::model::clock::{self, Calendar, ClockStatus, Targets};
use crate::model::lifecycle::{Severity, State};
use crate::model::report::VulnerabilityClass;
use crate::store::attachments::AttachmentInfo;
use crate::store::messages::MessageRecord;
use crate::store::reports::ReportRecord;

#[derive(Debug, Clone)]
pub struct MessageView {
    pub id: String,
    /// `researcher`, `team` or `system`.
    pub author: String,
    pub internal: bool,
    pub body: String,
    pub at: Timestamp,
}

impl MessageView {
    pub(super) fn of(record: MessageRecord) -> Self {
        Self {
            id: record.id,
            author: record.author,
            internal: record.internal,
            body: record.body,
            at: Timestamp::from_millis(record.created_at),
        }
    }

    pub fn author_label(&self) -> &'static str {
        match self.author.as_str() {
            "researcher" => "Researcher",
            "team" => "Security team",
            _ => "Rampart",
        }
    }
}

/// One committed clock: when it is due (after pauses) and how it stands.
#[derive(Debug, Clone, Copy)]
pub struct ClockView {
    pub due: Timestamp,
    pub status: ClockStatus,
}

impl ClockView {
    pub fn overdue(&self) -> bool {
        matches!(self.status, ClockStatus::Running { overdue: true, .. })
    }

    pub fn label(&self) -> String {
        match self.status {
            ClockStatus::Met { on_time: true } => "met on time".into(),
            ClockStatus::Met { on_time: false } => "met late".into(),
            ClockStatus::Running { overdue: true, .. } => "overdue".into(),
            ClockStatus::Running { overdue: false, .. } => "running".into(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ReportView {
    pub id: String,
    pub title: String,
    pub class: String,
    pub class_label: &'static str,
    pub affected: String,
    pub impact: String,
    pub steps: String,
    pub proof_of_concept: String,
    pub cvss_v3: Option<(String, f64)>,
    pub cvss_v4: Option<(String, f64)>,
    pub state: State,
    pub severity: Option<Severity>,
    pub duplicate_of: Option<String>,
    pub reporter_name: Option<String>,
    pub reporter_email: Option<String>,
    pub credit: bool,
    pub credit_organisation: Option<String>,
    pub credit_link: Option<String>,
    pub show_email: bool,
    pub show_organisation: bool,
    pub show_link: bool,
    pub submitted_at: Timestamp,
    pub first_response_at: Option<Timestamp>,
    pub triaged_at: Option<Timestamp>,
    pub accepted_at: Option<Timestamp>,
    pub fixed_at: Option<Timestamp>,
    pub fix_target: Option<String>,
    pub disclose_on: Option<Timestamp>,
    pub disclosed_at: Option<Timestamp>,
    pub first_response_due: Timestamp,
    pub triage_due: Timestamp,
    pub first_response: ClockView,
    pub triage: ClockView,
    pub fix: Option<ClockView>,
    pub waiting_on_researcher: bool,
    pub messages: Vec<MessageView>,
    /// Filled by the service where attachments are shown.
    pub attachments: Vec<AttachmentInfo>,
}

impl ReportView {
    pub(super) fn of(
        record: ReportRecord,
        messages: Vec<MessageView>,
        calendar: &Calendar,
        targets: &Targets,
        pauses: &[(i64, Option<i64>)],
        now: Timestamp,
    ) -> Self {
        let at = |millis: Option<i64>| millis.map(Timestamp::from_millis);
        let pauses: Vec<(Timestamp, Option<Timestamp>)> = pauses
            .iter()
            .map(|(start, end)| (Timestamp::from_millis(*start), at(*end)))
            .collect();
        let submitted = Timestamp::from_millis(record.submitted_at);
        let state = State::parse(&record.state).unwrap_or(State::New);
        let severity = record.severity.as_deref().and_then(Severity::parse);
        let first_response_due = clock::first_response_due(submitted, calendar, targets);
        let triage_due = clock::triage_due(submitted, calendar, targets);
        let running = |clock: clock::Clock, met: Option<Timestamp>| ClockView {
            due: clock.due_with_pauses(&pauses, met.map_or(now, |m| m.min(now))),
            status: clock.status(&pauses, met, now),
        };
        // A closed report has met its clocks when it closed, without penalty.
        let ended = at(record.closed_at);
        let first_response = running(first_response_due, at(record.first_response_at).or(ended));
        let triage = running(triage_due, at(record.triaged_at).or(ended));
        let fix = match (at(record.accepted_at), severity) {
            (Some(accepted), Some(severity)) => Some(running(
                clock::fix_due(accepted, severity, targets),
                at(record.fixed_at).or(ended),
            )),
            _ => None,
        };
        let class = VulnerabilityClass::parse(&record.class);
        Self {
            class_label: class.map_or("Other", VulnerabilityClass::label),
            id: record.id,
            title: record.title,
            class: record.class,
            affected: record.affected,
            impact: record.impact,
            steps: record.steps,
            proof_of_concept: record.proof_of_concept,
            cvss_v3: record
                .cvss_v3
                .zip(record.cvss_v3_tenths)
                .map(|(v, t)| (v, t as f64 / 10.0)),
            cvss_v4: record
                .cvss_v4
                .zip(record.cvss_v4_tenths)
                .map(|(v, t)| (v, t as f64 / 10.0)),
            waiting_on_researcher: state.waits_on_researcher(),
            state,
            severity,
            duplicate_of: record.duplicate_of,
            reporter_name: record.reporter_name,
            reporter_email: record.reporter_email,
            credit: record.credit,
            credit_organisation: record.credit_organisation,
            credit_link: record.credit_link,
            show_email: record.show_email,
            show_organisation: record.show_organisation,
            show_link: record.show_link,
            submitted_at: submitted,
            first_response_at: at(record.first_response_at),
            triaged_at: at(record.triaged_at),
            accepted_at: at(record.accepted_at),
            fixed_at: at(record.fixed_at),
            fix_target: record.fix_target,
            disclose_on: at(record.disclose_on),
            disclosed_at: at(record.disclosed_at),
            first_response_due: first_response_due.due(),
            triage_due: triage_due.due(),
            first_response,
            triage,
            fix,
            messages,
            attachments: Vec::new(),
        }
    }

    /// Whether any of the report's clocks is running late.
    pub fn overdue(&self) -> bool {
        self.first_response.overdue()
            || self.triage.overdue()
            || self.fix.is_some_and(|f| f.overdue())
    }
}
