//! The life of a vulnerability report, as a state machine whose every step is a row of one
//! table, [`TRANSITIONS`].
//!
//! The table is the single source of truth: [`check`] consults nothing else, so the rules a
//! reviewer reads here are exactly the rules the service enforces, and the test at the bottom
//! pins the table against a literal list so that it cannot change without someone noticing.
//! Who asks matters as much as what is asked, hence [`Mover`]: the security team, the
//! researcher who filed the report, or Rampart itself acting on a timer.
//!
//! The states' strings (`as_str`) are stored in the database and shown by the API; they never
//! change. The labels (`label`) are for people and may be reworded.

use std::fmt;

use Closure::{Duplicate, Informative, NotApplicable, OutOfScope, Spam, Withdrawn};
use State::{
    Accepted, Acknowledged, Closed, Disclosed, FixPlanned, Fixed, NeedsInfo, New, Resolved,
    Triaging,
};

/// Why a report was closed without being fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Closure {
    Duplicate,
    Informative,
    NotApplicable,
    OutOfScope,
    Spam,
    Withdrawn,
}

impl Closure {
    pub const ALL: [Self; 6] = [
        Self::Duplicate,
        Self::Informative,
        Self::NotApplicable,
        Self::OutOfScope,
        Self::Spam,
        Self::Withdrawn,
    ];

    /// The reason alone, as in `closed_<reason>`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Duplicate => "duplicate",
            Self::Informative => "informative",
            Self::NotApplicable => "not_applicable",
            Self::OutOfScope => "out_of_scope",
            Self::Spam => "spam",
            Self::Withdrawn => "withdrawn",
        }
    }
}

/// Where a report stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    New,
    Acknowledged,
    Triaging,
    NeedsInfo,
    Accepted,
    FixPlanned,
    Fixed,
    Resolved,
    Disclosed,
    Closed(Closure),
}

impl State {
    pub const ALL: [Self; 15] = [
        Self::New,
        Self::Acknowledged,
        Self::Triaging,
        Self::NeedsInfo,
        Self::Accepted,
        Self::FixPlanned,
        Self::Fixed,
        Self::Resolved,
        Self::Disclosed,
        Self::Closed(Closure::Duplicate),
        Self::Closed(Closure::Informative),
        Self::Closed(Closure::NotApplicable),
        Self::Closed(Closure::OutOfScope),
        Self::Closed(Closure::Spam),
        Self::Closed(Closure::Withdrawn),
    ];

    /// The stable name stored in the database and used by the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Acknowledged => "acknowledged",
            Self::Triaging => "triaging",
            Self::NeedsInfo => "needs_info",
            Self::Accepted => "accepted",
            Self::FixPlanned => "fix_planned",
            Self::Fixed => "fixed",
            Self::Resolved => "resolved",
            Self::Disclosed => "disclosed",
            Self::Closed(Closure::Duplicate) => "closed_duplicate",
            Self::Closed(Closure::Informative) => "closed_informative",
            Self::Closed(Closure::NotApplicable) => "closed_not_applicable",
            Self::Closed(Closure::OutOfScope) => "closed_out_of_scope",
            Self::Closed(Closure::Spam) => "closed_spam",
            Self::Closed(Closure::Withdrawn) => "closed_withdrawn",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == text)
    }

    /// Words for pages, such as "Needs more information" or "Closed: out of scope".
    pub fn label(self) -> &'static str {
        match self {
            Self::New => "New",
            Self::Acknowledged => "Acknowledged",
            Self::Triaging => "Triaging",
            Self::NeedsInfo => "Needs more information",
            Self::Accepted => "Accepted",
            Self::FixPlanned => "Fix planned",
            Self::Fixed => "Fixed",
            Self::Resolved => "Resolved",
            Self::Disclosed => "Disclosed",
            Self::Closed(Closure::Duplicate) => "Closed: duplicate",
            Self::Closed(Closure::Informative) => "Closed: informative",
            Self::Closed(Closure::NotApplicable) => "Closed: not applicable",
            Self::Closed(Closure::OutOfScope) => "Closed: out of scope",
            Self::Closed(Closure::Spam) => "Closed: spam",
            Self::Closed(Closure::Withdrawn) => "Closed: withdrawn",
        }
    }

    /// Whether work on the report is still to be done: neither resolved, disclosed nor closed.
    pub fn is_open(self) -> bool {
        !matches!(self, Self::Resolved | Self::Disclosed | Self::Closed(_))
    }

    /// Whether the researcher can still write on the thread: while the report is open, and
    /// after it closed itself for want of an answer (so the answer can reopen it).
    pub fn takes_researcher_messages(self) -> bool {
        self.is_open() || self == Self::Closed(Closure::Informative)
    }

    /// Whether the team is waiting for the researcher's answer; the response clocks pause.
    pub fn waits_on_researcher(self) -> bool {
        self == Self::NeedsInfo
    }

    /// Whether a report in this state must carry a severity. The team sets it on acceptance
    /// (the service refuses the move without one), and every later step keeps it.
    pub fn requires_severity(self) -> bool {
        matches!(
            self,
            Self::Accepted | Self::FixPlanned | Self::Fixed | Self::Resolved | Self::Disclosed
        )
    }

    /// The label in the middle of a sentence: "needs more information".
    fn words(self) -> String {
        let label = self.label();
        let mut chars = label.chars();
        chars.next().map_or_else(String::new, |first| {
            first.to_lowercase().chain(chars).collect()
        })
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who moves a report from one state to the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mover {
    /// A member of staff with the security role.
    Team,
    /// The person who filed the report, signed in or through the private tracking link.
    Researcher,
    /// Rampart itself: on submission, or when a deadline passes.
    System,
}

impl Mover {
    pub const ALL: [Self; 3] = [Self::Team, Self::Researcher, Self::System];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Team => "team",
            Self::Researcher => "researcher",
            Self::System => "system",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|mover| mover.as_str() == text)
    }

    /// Words for sentences: "the security team".
    pub fn label(self) -> &'static str {
        match self {
            Self::Team => "the security team",
            Self::Researcher => "the researcher",
            Self::System => "the system",
        }
    }
}

impl fmt::Display for Mover {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How bad a confirmed vulnerability is; `Critical` is the greatest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// From the most to the least severe, the order of pages and filters.
    pub const ALL: [Self; 4] = [Self::Critical, Self::High, Self::Medium, Self::Low];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Critical => "critical",
            Self::High => "high",
            Self::Medium => "medium",
            Self::Low => "low",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|severity| severity.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Critical => "Critical",
            Self::High => "High",
            Self::Medium => "Medium",
            Self::Low => "Low",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One allowed step: from a state to another, by any of the movers named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub from: State,
    pub to: State,
    pub by: &'static [Mover],
}

const fn step(from: State, to: State, by: &'static [Mover]) -> Transition {
    Transition { from, to, by }
}

const TEAM: &[Mover] = &[Mover::Team];
const SYSTEM: &[Mover] = &[Mover::System];
const RESEARCHER: &[Mover] = &[Mover::Researcher];
const TEAM_OR_RESEARCHER: &[Mover] = &[Mover::Team, Mover::Researcher];
const TEAM_OR_SYSTEM: &[Mover] = &[Mover::Team, Mover::System];

/// Every step a report may take, and who may make it. At most one row per pair of states.
///
/// Nothing leaves `disclosed` (the advisory is public) or `resolved` other than by being
/// disclosed: a regression is a new report. The one way back is reopening a closed report,
/// by the team only, to `triaging`, so that the finding is looked at afresh whatever stage it
/// had reached. It exists for the closures that can be wrong or overtaken by events: a
/// "duplicate" whose original proves to be another flaw, an "out of scope" asset brought into
/// scope, an auto-closed question the researcher answers on day 31, a withdrawn report of a
/// flaw that is real all the same (the team must be able to fix what it knows of). The
/// researcher cannot reopen, or every closure could be undone by its reporter; they write to
/// the team instead. Spam cannot be reopened: that verdict says it was never a report at all,
/// and reviving such records would bring junk back into the queue and its clocks; a genuine
/// report marked spam by mistake is corrected by the researcher submitting it again.
pub const TRANSITIONS: &[Transition] = &[
    // Acknowledgement is automatic and immediate, so `new` lasts only inside the submission.
    step(New, Acknowledged, SYSTEM),
    step(Acknowledged, Triaging, TEAM),
    step(Triaging, NeedsInfo, TEAM),
    // The researcher's answer sends it back; Rampart never does on its own (it only closes
    // the report once the question has gone unanswered for 30 days, below).
    step(NeedsInfo, Triaging, TEAM_OR_RESEARCHER),
    step(Triaging, Accepted, TEAM),
    step(Accepted, FixPlanned, TEAM),
    step(FixPlanned, Fixed, TEAM),
    // The researcher may retest first; resolving stays the team's call.
    step(Fixed, Resolved, TEAM),
    // A retest that fails sends the fix back to be planned again.
    step(Fixed, FixPlanned, TEAM),
    // The embargo date passing publishes the advisory without anyone's click.
    step(Resolved, Disclosed, TEAM_OR_SYSTEM),
    // The team's verdicts before acceptance.
    step(Acknowledged, Closed(Duplicate), TEAM),
    step(Acknowledged, Closed(Informative), TEAM),
    step(Acknowledged, Closed(NotApplicable), TEAM),
    step(Acknowledged, Closed(OutOfScope), TEAM),
    step(Acknowledged, Closed(Spam), TEAM),
    step(Triaging, Closed(Duplicate), TEAM),
    step(Triaging, Closed(Informative), TEAM),
    step(Triaging, Closed(NotApplicable), TEAM),
    step(Triaging, Closed(OutOfScope), TEAM),
    step(Triaging, Closed(Spam), TEAM),
    step(NeedsInfo, Closed(Duplicate), TEAM),
    // Also Rampart's, after 30 days without an answer; "informative" carries no penalty.
    step(NeedsInfo, Closed(Informative), TEAM_OR_SYSTEM),
    step(NeedsInfo, Closed(NotApplicable), TEAM),
    step(NeedsInfo, Closed(OutOfScope), TEAM),
    step(NeedsInfo, Closed(Spam), TEAM),
    // A duplicate can come to light after acceptance, when the fixes turn out to be one.
    step(Accepted, Closed(Duplicate), TEAM),
    step(FixPlanned, Closed(Duplicate), TEAM),
    // The researcher may take their report back while work is still to be done.
    step(Acknowledged, Closed(Withdrawn), RESEARCHER),
    step(Triaging, Closed(Withdrawn), RESEARCHER),
    step(NeedsInfo, Closed(Withdrawn), RESEARCHER),
    step(Accepted, Closed(Withdrawn), RESEARCHER),
    step(FixPlanned, Closed(Withdrawn), RESEARCHER),
    // Reopening: see above for why, and why not spam.
    step(Closed(Duplicate), Triaging, TEAM),
    step(Closed(Informative), Triaging, TEAM),
    step(Closed(NotApplicable), Triaging, TEAM),
    step(Closed(OutOfScope), Triaging, TEAM),
    step(Closed(Withdrawn), Triaging, TEAM),
];

/// A move the lifecycle does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// No row leads from `from` to `to`, whoever asks.
    #[error(
        "a report that is {} cannot become {}; {}",
        .from.words(),
        .to.words(),
        what_follows(*from)
    )]
    NoSuchStep { from: State, to: State },
    /// The step exists, but not for this mover.
    #[error(
        "{} cannot move a report from {} to {}; only {} can",
        .by.label(),
        .from.words(),
        .to.words(),
        who_may(*from, *to)
    )]
    NotByThisMover { from: State, to: State, by: Mover },
}

/// Whether `by` may move a report from `from` to `to`, according to [`TRANSITIONS`] alone.
pub fn check(from: State, to: State, by: Mover) -> Result<(), TransitionError> {
    match row(from, to) {
        None => Err(TransitionError::NoSuchStep { from, to }),
        Some(row) if row.by.contains(&by) => Ok(()),
        Some(_) => Err(TransitionError::NotByThisMover { from, to, by }),
    }
}

/// The states `by` may move a report to from `from`, in table order: the actions to offer.
pub fn next_states(from: State, by: Mover) -> impl Iterator<Item = State> {
    TRANSITIONS
        .iter()
        .filter(move |row| row.from == from && row.by.contains(&by))
        .map(|row| row.to)
}

fn row(from: State, to: State) -> Option<&'static Transition> {
    TRANSITIONS
        .iter()
        .find(|row| row.from == from && row.to == to)
}

fn what_follows(from: State) -> String {
    let next: Vec<String> = TRANSITIONS
        .iter()
        .filter(|row| row.from == from)
        .map(|row| row.to.words())
        .collect();
    if next.is_empty() {
        format!("nothing follows {}", from.words())
    } else {
        format!("from {} it can become: {}", from.words(), next.join(", "))
    }
}

fn who_may(from: State, to: State) -> String {
    let movers: Vec<&str> = row(from, to)
        .map(|row| row.by)
        .unwrap_or_default()
        .iter()
        .map(|mover| mover.label())
        .collect();
    match movers.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => movers.concat(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    /// The table, written out again by hand: one line per mover allowed.
    #[rustfmt::skip]
    const EXPECTED: &[(State, State, Mover)] = {
        use Mover::{Researcher as R, System as S, Team as T};
        &[
            (New, Acknowledged, S),
            (Acknowledged, Triaging, T),
            (Triaging, NeedsInfo, T),
            (NeedsInfo, Triaging, T),
            (NeedsInfo, Triaging, R),
            (Triaging, Accepted, T),
            (Accepted, FixPlanned, T),
            (FixPlanned, Fixed, T),
            (Fixed, Resolved, T),
            (Fixed, FixPlanned, T),
            (Resolved, Disclosed, T),
            (Resolved, Disclosed, S),
            (Acknowledged, Closed(Duplicate), T),
            (Acknowledged, Closed(Informative), T),
            (Acknowledged, Closed(NotApplicable), T),
            (Acknowledged, Closed(OutOfScope), T),
            (Acknowledged, Closed(Spam), T),
            (Triaging, Closed(Duplicate), T),
            (Triaging, Closed(Informative), T),
            (Triaging, Closed(NotApplicable), T),
            (Triaging, Closed(OutOfScope), T),
            (Triaging, Closed(Spam), T),
            (NeedsInfo, Closed(Duplicate), T),
            (NeedsInfo, Closed(Informative), T),
            (NeedsInfo, Closed(Informative), S),
            (NeedsInfo, Closed(NotApplicable), T),
            (NeedsInfo, Closed(OutOfScope), T),
            (NeedsInfo, Closed(Spam), T),
            (Accepted, Closed(Duplicate), T),
            (FixPlanned, Closed(Duplicate), T),
            (Acknowledged, Closed(Withdrawn), R),
            (Triaging, Closed(Withdrawn), R),
            (NeedsInfo, Closed(Withdrawn), R),
            (Accepted, Closed(Withdrawn), R),
            (FixPlanned, Closed(Withdrawn), R),
            (Closed(Duplicate), Triaging, T),
            (Closed(Informative), Triaging, T),
            (Closed(NotApplicable), Triaging, T),
            (Closed(OutOfScope), Triaging, T),
            (Closed(Withdrawn), Triaging, T),
        ]
    };

    #[test]
    fn check_allows_exactly_the_expected_moves() {
        for from in State::ALL {
            for to in State::ALL {
                for by in Mover::ALL {
                    let expected = EXPECTED.contains(&(from, to, by));
                    assert_eq!(
                        check(from, to, by).is_ok(),
                        expected,
                        "{from} → {to} by {by}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_table_has_one_row_per_pair_of_states_and_no_empty_row() {
        let pairs: HashSet<(State, State)> =
            TRANSITIONS.iter().map(|row| (row.from, row.to)).collect();
        assert_eq!(pairs.len(), TRANSITIONS.len());
        assert!(TRANSITIONS.iter().all(|row| !row.by.is_empty()));
    }

    #[test]
    fn every_state_is_reachable_from_new() {
        let mut reached = HashSet::from([New]);
        let mut frontier = vec![New];
        while let Some(from) = frontier.pop() {
            for by in Mover::ALL {
                for to in next_states(from, by) {
                    if reached.insert(to) {
                        frontier.push(to);
                    }
                }
            }
        }
        for state in State::ALL {
            assert!(reached.contains(&state), "{state} is unreachable");
        }
    }

    #[test]
    fn states_movers_and_severities_round_trip_through_their_strings() {
        for state in State::ALL {
            assert_eq!(State::parse(state.as_str()), Some(state));
        }
        for mover in Mover::ALL {
            assert_eq!(Mover::parse(mover.as_str()), Some(mover));
        }
        for severity in Severity::ALL {
            assert_eq!(Severity::parse(severity.as_str()), Some(severity));
        }
        let distinct: HashSet<&str> = State::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(distinct.len(), 15);
        assert_eq!(State::parse("Triaging"), None);
        assert_eq!(State::parse("closed"), None);
        assert_eq!(Severity::parse("severe"), None);
    }

    #[test]
    fn stored_strings_and_labels_are_the_documented_ones() {
        assert_eq!(State::NeedsInfo.as_str(), "needs_info");
        assert_eq!(Closed(OutOfScope).as_str(), "closed_out_of_scope");
        assert_eq!(State::NeedsInfo.label(), "Needs more information");
        assert_eq!(Closed(OutOfScope).label(), "Closed: out of scope");
        for closure in Closure::ALL {
            assert_eq!(
                Closed(closure).as_str(),
                format!("closed_{}", closure.as_str())
            );
        }
    }

    #[test]
    fn only_open_states_are_open_and_only_needs_info_waits_on_the_researcher() {
        let open: Vec<State> = State::ALL.into_iter().filter(|s| s.is_open()).collect();
        assert_eq!(
            open,
            [
                New,
                Acknowledged,
                Triaging,
                NeedsInfo,
                Accepted,
                FixPlanned,
                Fixed
            ]
        );
        let waiting: Vec<State> = State::ALL
            .into_iter()
            .filter(|s| s.waits_on_researcher())
            .collect();
        assert_eq!(waiting, [NeedsInfo]);
        assert!(Accepted.requires_severity());
        assert!(!Triaging.requires_severity());
        assert!(!Closed(Withdrawn).requires_severity());
    }

    #[test]
    fn severities_are_ordered_from_critical_down() {
        assert!(Severity::Critical > Severity::High);
        assert!(Severity::High > Severity::Medium);
        assert!(Severity::Medium > Severity::Low);
        let mut sorted = Severity::ALL;
        sorted.sort_unstable_by(|a, b| b.cmp(a));
        assert_eq!(sorted, Severity::ALL);
    }

    #[test]
    fn a_missing_step_is_explained_with_the_steps_that_exist() {
        let error = check(Triaging, Fixed, Mover::Team).unwrap_err();
        assert_eq!(
            error.to_string(),
            "a report that is triaging cannot become fixed; from triaging it can become: \
             needs more information, accepted, closed: duplicate, closed: informative, \
             closed: not applicable, closed: out of scope, closed: spam, closed: withdrawn"
        );
        let error = check(Disclosed, Triaging, Mover::Team).unwrap_err();
        assert_eq!(
            error.to_string(),
            "a report that is disclosed cannot become triaging; nothing follows disclosed"
        );
    }

    #[test]
    fn a_step_taken_by_the_wrong_mover_names_who_may_take_it() {
        let error = check(NeedsInfo, Triaging, Mover::System).unwrap_err();
        assert_eq!(
            error,
            TransitionError::NotByThisMover {
                from: NeedsInfo,
                to: Triaging,
                by: Mover::System
            }
        );
        assert_eq!(
            error.to_string(),
            "the system cannot move a report from needs more information to triaging; \
             only the security team and the researcher can"
        );
        let error = check(Triaging, Closed(Spam), Mover::Researcher).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the researcher cannot move a report from triaging to closed: spam; \
             only the security team can"
        );
    }
}
