//! The program's committed response times: when a report's first response, triage and fix fall
//! due, and whether each commitment was kept.
//!
//! The commitments are published in the policy, shown to the researcher on the tracking page,
//! ordered in the staff queue and counted in the metrics, so the arithmetic lives here once,
//! pure: `now` is always passed in and nothing reads the clock or the database.
//!
//! Conventions, all in UTC:
//! - A business day is Monday to Friday, less the [`Calendar`]'s holidays.
//! - A deadline is the last millisecond of a day, 23:59:59.999, and that instant is still on
//!   time: a clock is met on time when `met_at <= due` and overdue when `now > due`.
//! - "Within n business days" of a start means by the end of the n-th business day *after* the
//!   start's day; the start's own day never counts, whatever the hour. With n = 0 the deadline
//!   is the end of the first business day on or after the start's day.
//! - "Within n calendar days" (fixes, from acceptance) means by the end of the day n days after
//!   the acceptance's day.
//! - Time spent waiting on the researcher pushes a deadline back by its wall-clock length (not
//!   in business days); see [`extend_by_pauses`].
//! - A report waits on the researcher for at most `auto_close_after_days` periods of 24 hours;
//!   see [`should_auto_close`].

use std::collections::BTreeSet;
use std::ops::Bound::{Excluded, Included};

use platform::clock::Timestamp;
pub use platform::clock::{Date as Day, DateError, Weekday};

use crate::model::lifecycle::Severity;

const MILLIS_PER_DAY: i64 = 86_400_000;

/// A period the report waited on the researcher: since when, and until when (`None` while it
/// still waits).
pub type Pause = (Timestamp, Option<Timestamp>);

/// A configured holiday that is not a date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("holiday {position} of the calendar: {error}")]
pub struct CalendarError {
    /// 1 for the first holiday of the list.
    pub position: usize,
    pub error: DateError,
}

/// The days on which the security team works: Monday to Friday, less holidays.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    holidays: BTreeSet<Day>,
}

impl Calendar {
    pub fn new(holidays: impl IntoIterator<Item = Day>) -> Self {
        Self {
            holidays: holidays.into_iter().collect(),
        }
    }

    /// The calendar of configured holidays written `YYYY-MM-DD`; the first invalid one is
    /// refused with its position.
    pub fn parse<S: AsRef<str>>(
        holidays: impl IntoIterator<Item = S>,
    ) -> Result<Self, CalendarError> {
        let holidays = holidays
            .into_iter()
            .enumerate()
            .map(|(index, text)| {
                Day::parse(text.as_ref()).map_err(|error| CalendarError {
                    position: index + 1,
                    error,
                })
            })
            .collect::<Result<BTreeSet<_>, _>>()?;
        Ok(Self { holidays })
    }

    /// The holidays, in order.
    pub fn holidays(&self) -> impl Iterator<Item = Day> + '_ {
        self.holidays.iter().copied()
    }

    pub fn is_business_day(&self, day: Day) -> bool {
        !day.weekday().is_weekend() && !self.holidays.contains(&day)
    }

    /// The end (23:59:59.999 UTC) of the `n`-th business day after `start`'s day; for `n = 0`,
    /// the end of the first business day on or after it.
    pub fn add_business_days(&self, start: Timestamp, n: u32) -> Timestamp {
        let day = Day::of(start);
        let due = match n {
            0 => self.nth_business_day_after(day.plus_days(-1), 1),
            n => self.nth_business_day_after(day, n),
        };
        end_of(due)
    }

    /// The business days after `from`'s day up to and including `to`'s day; 0 when `to` is not
    /// on a later day. A response at `to` is within n business days exactly when this is at
    /// most n.
    pub fn business_days_between(&self, from: Timestamp, to: Timestamp) -> u32 {
        let (from, to) = (Day::of(from), Day::of(to));
        if to <= from {
            return 0;
        }
        let weekdays = weekday_index(to.plus_days(1)) - weekday_index(from.plus_days(1));
        u32::try_from(weekdays - self.weekday_holidays(from, to)).unwrap_or(u32::MAX)
    }

    /// The `n`-th (from 1) business day strictly after `day`, in a number of steps bounded by
    /// the holidays rather than by `n`.
    fn nth_business_day_after(&self, day: Day, n: u32) -> Day {
        let (mut after, mut remaining) = (day, i64::from(n));
        loop {
            let candidate = weekday_at(weekday_index(after.plus_days(1)) + remaining - 1);
            // Each holiday on a weekday in between costs one more business day.
            let skipped = self.weekday_holidays(after, candidate);
            if skipped == 0 {
                return candidate;
            }
            (after, remaining) = (candidate, skipped);
        }
    }

    /// The holidays falling on a weekday after `after`, up to and including `through`.
    fn weekday_holidays(&self, after: Day, through: Day) -> i64 {
        if through <= after {
            return 0;
        }
        let count = self
            .holidays
            .range((Excluded(after), Included(through)))
            .filter(|day| !day.weekday().is_weekend())
            .count();
        i64::try_from(count).unwrap_or(i64::MAX)
    }
}

/// The weekdays (Monday to Friday) from Monday 1969-12-29 up to, excluding, `day`; negative
/// before that Monday. The weekdays in `(a, b]` are `weekday_index(b + 1) - weekday_index(a + 1)`.
fn weekday_index(day: Day) -> i64 {
    let since_monday = day.days_since_epoch() + 3;
    5 * since_monday.div_euclid(7) + since_monday.rem_euclid(7).min(5)
}

/// The weekday with `weekday_index(day) == index`.
fn weekday_at(index: i64) -> Day {
    Day::from_days_since_epoch(7 * index.div_euclid(5) + index.rem_euclid(5) - 3)
}

/// The last millisecond of `day`.
fn end_of(day: Day) -> Timestamp {
    Timestamp::from_millis(day.plus_days(1).midnight().as_millis() - 1)
}

/// The program's commitments, from its configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Targets {
    /// A human answers within this many business days of submission.
    pub first_response_business_days: u32,
    /// The report is triaged (accepted or declined) within this many business days of
    /// submission.
    pub triage_business_days: u32,
    /// Calendar days from acceptance to a fix: critical, high, medium, low.
    pub fix_days: [u32; 4],
    /// A report waiting on the researcher longer than this many days closes itself.
    pub auto_close_after_days: u32,
}

impl Default for Targets {
    fn default() -> Self {
        Self {
            first_response_business_days: 1,
            triage_business_days: 5,
            fix_days: [7, 30, 60, 90],
            auto_close_after_days: 30,
        }
    }
}

impl Targets {
    pub fn fix_days_for(&self, severity: Severity) -> u32 {
        let [critical, high, medium, low] = self.fix_days;
        match severity {
            Severity::Critical => critical,
            Severity::High => high,
            Severity::Medium => medium,
            Severity::Low => low,
        }
    }
}

/// One commitment: running since `started`, due at `due` before any pause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    started: Timestamp,
    due: Timestamp,
}

impl Clock {
    pub const fn started(self) -> Timestamp {
        self.started
    }

    /// The nominal due date, before pauses.
    pub const fn due(self) -> Timestamp {
        self.due
    }

    /// The due date pushed back by the pauses, as known at `now`.
    pub fn due_with_pauses(self, pauses: &[Pause], now: Timestamp) -> Timestamp {
        extend_by_pauses(self.due, self.started, pauses, now)
    }

    /// Where the commitment stands at `now`. A met clock is judged against the due date as it
    /// stood when it was met: later pauses do not move it.
    pub fn status(
        self,
        pauses: &[Pause],
        met_at: Option<Timestamp>,
        now: Timestamp,
    ) -> ClockStatus {
        let as_of = met_at.map_or(now, |met| met.min(now));
        status(self.due_with_pauses(pauses, as_of), met_at, now)
    }
}

/// Where a commitment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockStatus {
    Met {
        on_time: bool,
    },
    /// `remaining_ms` is negative once overdue.
    Running {
        overdue: bool,
        remaining_ms: i64,
    },
}

/// The first human response is due by the end of the `first_response_business_days`-th business
/// day after the day of submission.
pub fn first_response_due(submitted: Timestamp, calendar: &Calendar, targets: &Targets) -> Clock {
    Clock {
        started: submitted,
        due: calendar.add_business_days(submitted, targets.first_response_business_days),
    }
}

/// Triage is due by the end of the `triage_business_days`-th business day after the day of
/// submission.
pub fn triage_due(submitted: Timestamp, calendar: &Calendar, targets: &Targets) -> Clock {
    Clock {
        started: submitted,
        due: calendar.add_business_days(submitted, targets.triage_business_days),
    }
}

/// The fix is due by the end of the day `fix_days_for(severity)` calendar days after the day of
/// acceptance; weekends and holidays count.
pub fn fix_due(accepted_at: Timestamp, severity: Severity, targets: &Targets) -> Clock {
    let days = i64::from(targets.fix_days_for(severity));
    Clock {
        started: accepted_at,
        due: end_of(Day::of(accepted_at).plus_days(days)),
    }
}

/// The due date pushed back by the time the clock spent paused.
///
/// A pause counts from the later of its start and `started`, until its end, or until `now` while
/// it lasts (and never beyond `now`), so an open pause freezes the remaining time. A pause that
/// begins after the (already extended) due date has passed counts for nothing: waiting on the
/// researcher does not rescue a missed commitment. Overlapping pauses count their overlap once.
pub fn extend_by_pauses(
    due: Timestamp,
    started: Timestamp,
    pauses: &[Pause],
    now: Timestamp,
) -> Timestamp {
    let mut pauses = pauses.to_vec();
    pauses.sort_by_key(|&(since, _)| since);
    let mut due = due.as_millis();
    // Paused time before this instant is already counted, or came before the clock started.
    let mut counted_until = started.as_millis();
    for (since, until) in pauses {
        let from = since.as_millis().max(counted_until);
        if from > due {
            // Pauses are in order and `due` only grows when one counts: none after this counts.
            break;
        }
        let to = until.unwrap_or(now).min(now).as_millis();
        if to > from {
            due = due.saturating_add(to - from);
            counted_until = to;
        }
    }
    Timestamp::from_millis(due)
}

/// Where a commitment with the (pause-extended) `due` date stands at `now`.
pub fn status(due: Timestamp, met_at: Option<Timestamp>, now: Timestamp) -> ClockStatus {
    match met_at {
        Some(met) => ClockStatus::Met {
            on_time: met <= due,
        },
        None => ClockStatus::Running {
            overdue: now > due,
            remaining_ms: due.as_millis().saturating_sub(now.as_millis()),
        },
    }
}

/// Whether a report waiting on the researcher since `waiting_since` closes itself at `now`:
/// from exactly `auto_close_after_days` × 24 hours on (inclusive). Such a report closes without
/// penalty: its clocks are paused, so none of them counts as missed.
pub fn should_auto_close(waiting_since: Timestamp, now: Timestamp, targets: &Targets) -> bool {
    let limit = i64::from(targets.auto_close_after_days) * MILLIS_PER_DAY;
    now.as_millis().saturating_sub(waiting_since.as_millis()) >= limit
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse_rfc3339(text).unwrap()
    }

    fn day(text: &str) -> Day {
        Day::parse(text).unwrap()
    }

    const HOUR: i64 = 3_600_000;

    /// Good Friday and Easter Monday 2026, and Monday 9 March as a one-off.
    fn calendar() -> Calendar {
        Calendar::parse(["2026-04-03", "2026-04-06", "2026-03-09"]).unwrap()
    }

    /// The end of a day given as `YYYY-MM-DD`, as deadlines fall.
    fn end(text: &str) -> Timestamp {
        end_of(day(text))
    }

    #[test]
    fn business_day_deadlines_skip_weekends_and_holidays_and_end_the_day() {
        let (plain, holidays) = (Calendar::default(), calendar());
        // 2026-03-02 is a Monday.
        for (calendar, start, n, due) in [
            (&plain, "2026-03-02T09:00:00Z", 1, "2026-03-03"),
            (&plain, "2026-03-05T10:00:00Z", 5, "2026-03-12"),
            (&plain, "2026-03-06T15:00:00Z", 1, "2026-03-09"),
            // The hour of the start does not matter, from 00:00 to 23:59.
            (&plain, "2026-03-06T00:00:00Z", 1, "2026-03-09"),
            (&plain, "2026-03-06T23:59:00Z", 1, "2026-03-09"),
            (&plain, "2026-03-06T23:59:59.999Z", 1, "2026-03-09"),
            (&plain, "2026-03-07T12:00:00Z", 1, "2026-03-09"),
            (&plain, "2026-03-08T12:00:00Z", 1, "2026-03-09"),
            (&plain, "2026-03-06T15:00:00Z", 10, "2026-03-20"),
            // Friday 15:00 with Monday a holiday: Tuesday's end.
            (&holidays, "2026-03-06T15:00:00Z", 1, "2026-03-10"),
            (&holidays, "2026-03-06T15:00:00Z", 5, "2026-03-16"),
            // Easter: Good Friday, the weekend and Easter Monday.
            (&holidays, "2026-04-02T12:00:00Z", 1, "2026-04-07"),
            (&holidays, "2026-04-02T12:00:00Z", 5, "2026-04-13"),
            (&holidays, "2026-04-04T12:00:00Z", 1, "2026-04-07"),
            // Zero days: the end of the first business day on or after the start's day.
            (&plain, "2026-03-05T10:00:00Z", 0, "2026-03-05"),
            (&holidays, "2026-04-03T10:00:00Z", 0, "2026-04-07"),
        ] {
            let got = calendar.add_business_days(at(start), n);
            assert_eq!(got, end(due), "{start} + {n}: {}", got.rfc3339());
        }
        assert_eq!(
            holidays.add_business_days(at("2026-03-06T15:00:00Z"), 1),
            at("2026-03-10T23:59:59.999Z")
        );
    }

    #[test]
    fn deadlines_agree_with_a_day_by_day_count() {
        let calendar = Calendar::new([day("2026-03-09"), day("2026-03-10"), day("2026-03-14")]);
        let naive = |start: Day, n: u32| {
            let (mut day, mut left) = (start, n);
            while left > 0 {
                day = day.plus_days(1);
                left -= u32::from(calendar.is_business_day(day));
            }
            day
        };
        for offset in 0..21 {
            let start = day("2026-03-01").plus_days(offset);
            let submitted = start.midnight();
            for n in 1..12 {
                let due = calendar.add_business_days(submitted, n);
                assert_eq!(due, end_of(naive(start, n)), "{start} + {n}");
                assert_eq!(
                    calendar.business_days_between(submitted, due),
                    n,
                    "{start} + {n}"
                );
            }
        }
    }

    #[test]
    fn business_days_between_counts_the_days_after_the_first() {
        let calendar = calendar();
        let check = |from: &str, to: &str, expected: u32| {
            assert_eq!(
                calendar.business_days_between(at(from), at(to)),
                expected,
                "{from} → {to}"
            );
        };
        check("2026-03-02T09:00:00Z", "2026-03-02T17:00:00Z", 0);
        check("2026-03-02T09:00:00Z", "2026-03-03T08:00:00Z", 1);
        check("2026-03-06T15:00:00Z", "2026-03-10T09:00:00Z", 1);
        check("2026-04-02T12:00:00Z", "2026-04-14T12:00:00Z", 6);
        check("2026-03-10T00:00:00Z", "2026-03-02T00:00:00Z", 0);
    }

    #[test]
    fn a_calendar_refuses_an_invalid_holiday_by_its_position() {
        let error = Calendar::parse(["2026-12-25", "2026-02-30"]).unwrap_err();
        assert_eq!(error.position, 2);
        assert_eq!(
            error.to_string(),
            "holiday 2 of the calendar: `2026-02-30` is not a day of the calendar"
        );
        let error = Calendar::parse(["25/12/2026"]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "holiday 1 of the calendar: `25/12/2026` is not a date in the form YYYY-MM-DD"
        );
        assert!(!calendar().is_business_day(day("2026-04-06")));
        assert!(!calendar().is_business_day(day("2026-04-04")));
        assert!(calendar().is_business_day(day("2026-04-07")));
    }

    #[test]
    fn first_response_and_triage_run_from_submission() {
        let targets = Targets::default();
        let submitted = at("2026-03-06T15:00:00Z");
        let first = first_response_due(submitted, &calendar(), &targets);
        assert_eq!(
            (first.started(), first.due()),
            (submitted, end("2026-03-10"))
        );
        let triage = triage_due(submitted, &calendar(), &targets);
        assert_eq!(triage.due(), end("2026-03-16"));
    }

    #[test]
    fn fix_clocks_count_calendar_days_by_severity() {
        let targets = Targets::default();
        let accepted = at("2026-03-02T10:00:00Z");
        for (severity, due) in [
            (Severity::Critical, "2026-03-09"),
            (Severity::High, "2026-04-01"),
            (Severity::Medium, "2026-05-01"),
            (Severity::Low, "2026-05-31"),
        ] {
            let clock = fix_due(accepted, severity, &targets);
            assert_eq!(
                (clock.started(), clock.due()),
                (accepted, end(due)),
                "{severity:?}"
            );
        }
    }

    /// Triage of a report submitted Monday 2026-03-02 at 09:00, due the next Monday.
    fn monday_triage() -> Clock {
        triage_due(
            at("2026-03-02T09:00:00Z"),
            &Calendar::default(),
            &Targets::default(),
        )
    }

    #[test]
    fn a_pause_of_three_days_during_triage_pushes_the_due_date_by_three_days() {
        let clock = monday_triage();
        assert_eq!(clock.due(), end("2026-03-09"));
        let pauses = [(at("2026-03-03T10:00:00Z"), Some(at("2026-03-06T10:00:00Z")))];
        let now = at("2026-03-10T00:00:00Z");
        assert_eq!(clock.due_with_pauses(&pauses, now), end("2026-03-12"));
    }

    #[test]
    fn a_pause_still_open_extends_to_now_and_freezes_the_remaining_time() {
        let clock = monday_triage();
        let pauses = [(at("2026-03-04T00:00:00Z"), None)];
        let now = at("2026-03-05T12:00:00Z");
        let due = clock.due_with_pauses(&pauses, now);
        assert_eq!(due.as_millis() - clock.due().as_millis(), 36 * HOUR);
        let remaining = |now| match clock.status(&pauses, None, now) {
            ClockStatus::Running { remaining_ms, .. } => remaining_ms,
            met => panic!("{met:?}"),
        };
        assert_eq!(remaining(now), remaining(at("2026-04-20T08:00:00Z")));
    }

    #[test]
    fn only_pauses_overlapping_the_running_clock_count() {
        let started = at("2026-03-02T09:00:00Z");
        let (due, now) = (end("2026-03-09"), at("2026-04-01T00:00:00Z"));
        let check = |pauses: &[Pause], extension_hours: i64| {
            let extended = extend_by_pauses(due, started, pauses, now);
            assert_eq!(
                extended.as_millis() - due.as_millis(),
                extension_hours * HOUR,
                "{pauses:?}"
            );
        };
        let pause = |since: &str, until: &str| (at(since), Some(at(until)));
        check(&[], 0);
        // Two pauses, given out of order.
        check(
            &[
                pause("2026-03-06T00:00:00Z", "2026-03-07T00:00:00Z"),
                pause("2026-03-03T00:00:00Z", "2026-03-03T12:00:00Z"),
            ],
            36,
        );
        // Before the clock started, only the part after the start counts.
        check(&[pause("2026-03-01T09:00:00Z", "2026-03-03T09:00:00Z")], 24);
        // Overlapping pauses count once.
        check(
            &[
                pause("2026-03-03T00:00:00Z", "2026-03-04T00:00:00Z"),
                pause("2026-03-03T12:00:00Z", "2026-03-05T00:00:00Z"),
            ],
            48,
        );
        // After the nominal due date, but within the extension the first pause gave.
        check(
            &[
                pause("2026-03-05T00:00:00Z", "2026-03-07T00:00:00Z"),
                pause("2026-03-11T00:00:00Z", "2026-03-12T00:00:00Z"),
            ],
            72,
        );
        // Once overdue, waiting on the researcher rescues nothing.
        check(&[pause("2026-03-10T00:00:00Z", "2026-03-20T00:00:00Z")], 0);
        // A pause not yet begun at `now` counts for nothing.
        check(&[(at("2026-05-01T00:00:00Z"), None)], 0);
    }

    #[test]
    fn status_tells_overdue_from_met_on_time_and_met_late() {
        let (due, now) = (end("2026-03-09"), at("2026-03-10T01:00:00Z"));
        let running = |overdue, remaining_ms| ClockStatus::Running {
            overdue,
            remaining_ms,
        };
        let met = |on_time| ClockStatus::Met { on_time };
        for (met_at, now, expected) in [
            (None, at("2026-03-09T22:59:59.999Z"), running(false, HOUR)),
            (None, due, running(false, 0)),
            (None, now, running(true, -HOUR - 1)),
            (Some(at("2026-03-09T12:00:00Z")), now, met(true)),
            (Some(due), now, met(true)),
            (Some(at("2026-03-10T00:00:00Z")), now, met(false)),
        ] {
            let at_now = now.rfc3339();
            assert_eq!(status(due, met_at, now), expected, "{met_at:?} at {at_now}");
        }
    }

    #[test]
    fn a_met_clock_is_not_moved_by_later_pauses() {
        let clock = monday_triage();
        let pauses = [(at("2026-03-11T00:00:00Z"), None)];
        let met_at = Some(at("2026-03-10T12:00:00Z"));
        let now = at("2026-03-20T00:00:00Z");
        let status = clock.status(&pauses, met_at, now);
        assert_eq!(status, ClockStatus::Met { on_time: false });
    }

    #[test]
    fn a_report_closes_itself_after_exactly_thirty_days_of_waiting() {
        let targets = Targets::default();
        let since = at("2026-03-02T10:00:00Z");
        for (now, closes) in [
            ("2026-03-31T10:00:00Z", false),
            ("2026-04-01T09:59:00Z", false),
            ("2026-04-01T09:59:59.999Z", false),
            ("2026-04-01T10:00:00Z", true),
            ("2026-05-01T10:00:00Z", true),
        ] {
            assert_eq!(should_auto_close(since, at(now), &targets), closes, "{now}");
        }
    }
}
