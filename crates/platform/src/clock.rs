//! Time as Rampart's domain code sees it: a [`Timestamp`] passed in, never read from the OS.
//!
//! This is the one module allowed to read the wall clock (see `clippy.toml`). Everything else
//! receives `now` from a [`Clock`], so rules about expiry and deadlines are testable.
//!
//! [`Date`] is the civil (calendar) day of a timestamp in UTC, for rules stated in days, such as
//! business-day deadlines; it shares the proleptic Gregorian arithmetic that prints timestamps.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, UTC. Stored in the database as a `BIGINT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    pub const fn from_millis(millis: i64) -> Self {
        Self(millis)
    }

    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// RFC 3339 in UTC with second precision, such as `2026-11-29T22:50:07Z`.
    pub fn rfc3339(self) -> String {
        let secs = self.0.div_euclid(1000);
        let (days, day_secs) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        let (year, month, day) = civil_from_days(days);
        format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            day_secs / 3600,
            day_secs % 3600 / 60,
            day_secs % 60
        )
    }

    /// Reads `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)`; `None` for anything else.
    pub fn parse_rfc3339(text: &str) -> Option<Self> {
        let bytes = text.as_bytes();
        if bytes.len() < 20
            || bytes[4] != b'-'
            || bytes[7] != b'-'
            || !matches!(bytes[10], b'T' | b't')
        {
            return None;
        }
        let num = |range: std::ops::Range<usize>| text.get(range)?.parse::<i64>().ok();
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if !(1..=12).contains(&month)
            || !(1..=31).contains(&day)
            || hour > 23
            || minute > 59
            || second > 60
        {
            return None;
        }
        let mut rest = &text[19..];
        let mut millis = 0;
        if let Some(fraction) = rest.strip_prefix('.') {
            let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return None;
            }
            let padded = format!("{:0<3}", &fraction[..digits.min(3)]);
            millis = padded.parse::<i64>().ok()?;
            rest = &fraction[digits..];
        }
        let offset_minutes = match rest {
            "Z" | "z" => 0,
            _ => {
                let sign = match rest.as_bytes().first()? {
                    b'+' => 1,
                    b'-' => -1,
                    _ => return None,
                };
                if rest.len() != 6 || rest.as_bytes()[3] != b':' {
                    return None;
                }
                sign * (rest[1..3].parse::<i64>().ok()? * 60 + rest[4..6].parse::<i64>().ok()?)
            }
        };
        let days = days_from_civil(year, month, day);
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
        Some(Self(seconds * 1000 + millis))
    }

    /// The timestamp `duration` later, saturating instead of overflowing.
    pub fn plus(self, duration: Duration) -> Self {
        let millis = i64::try_from(duration.as_millis()).unwrap_or(i64::MAX);
        Self(self.0.saturating_add(millis))
    }
}

/// A civil date in UTC (proleptic Gregorian), such as `2026-02-28`.
///
/// It covers the days a [`Timestamp`] can fall on (clamping at the extremes, about 292 million
/// years away), so conversions either way never fail nor overflow. Ordered chronologically.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Days since 1970-01-01, within `MIN_DAYS..=MAX_DAYS`.
    days: i64,
}

const MILLIS_PER_DAY: i64 = 86_400_000;
// One day short of the extremes, so that both midnights around every date are timestamps.
const MIN_DAYS: i64 = i64::MIN.div_euclid(MILLIS_PER_DAY) + 1;
const MAX_DAYS: i64 = i64::MAX.div_euclid(MILLIS_PER_DAY) - 1;

/// Why a text is not a [`Date`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("`{0}` is not a date in the form YYYY-MM-DD")]
    Format(String),
    #[error("`{0}` is not a day of the calendar")]
    NoSuchDay(String),
}

/// A day of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl Weekday {
    pub const fn is_weekend(self) -> bool {
        matches!(self, Self::Saturday | Self::Sunday)
    }
}

impl Date {
    /// The date, or `None` for a day that does not exist (2026-02-30) or lies beyond the range
    /// of [`Timestamp`].
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Self> {
        let (year, month, day) = (i64::from(year), i64::from(month), i64::from(day));
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
            return None;
        }
        let days = days_from_civil(year, month, day);
        (MIN_DAYS..=MAX_DAYS)
            .contains(&days)
            .then_some(Self { days })
    }

    /// Reads exactly `YYYY-MM-DD`, refusing days the calendar does not have.
    pub fn parse(text: &str) -> Result<Self, DateError> {
        let format_error = || DateError::Format(text.to_owned());
        let bytes = text.as_bytes();
        let digits_at = |range: std::ops::Range<usize>| bytes[range].iter().all(u8::is_ascii_digit);
        if bytes.len() != 10
            || bytes[4] != b'-'
            || bytes[7] != b'-'
            || !digits_at(0..4)
            || !digits_at(5..7)
            || !digits_at(8..10)
        {
            return Err(format_error());
        }
        let num =
            |range: std::ops::Range<usize>| text[range].parse::<u32>().map_err(|_| format_error());
        let year = i32::try_from(num(0..4)?).map_err(|_| format_error())?;
        Self::from_ymd(year, num(5..7)?, num(8..10)?)
            .ok_or_else(|| DateError::NoSuchDay(text.to_owned()))
    }

    /// The UTC day `timestamp` falls on.
    pub const fn of(timestamp: Timestamp) -> Self {
        Self::from_days_since_epoch(timestamp.0.div_euclid(MILLIS_PER_DAY))
    }

    /// The first millisecond of the day, 00:00:00.000 UTC.
    pub const fn midnight(self) -> Timestamp {
        Timestamp(self.days * MILLIS_PER_DAY)
    }

    /// The date from a count of days since 1970-01-01, clamped to the range of [`Timestamp`].
    pub const fn from_days_since_epoch(days: i64) -> Self {
        let days = if days < MIN_DAYS {
            MIN_DAYS
        } else if days > MAX_DAYS {
            MAX_DAYS
        } else {
            days
        };
        Self { days }
    }

    /// Days since 1970-01-01, negative before it.
    pub const fn days_since_epoch(self) -> i64 {
        self.days
    }

    /// The date `days` later (earlier when negative), clamped to the range of [`Timestamp`].
    pub const fn plus_days(self, days: i64) -> Self {
        Self::from_days_since_epoch(self.days.saturating_add(days))
    }

    pub const fn weekday(self) -> Weekday {
        // 1970-01-01 was a Thursday.
        match (self.days + 3).rem_euclid(7) {
            0 => Weekday::Monday,
            1 => Weekday::Tuesday,
            2 => Weekday::Wednesday,
            3 => Weekday::Thursday,
            4 => Weekday::Friday,
            5 => Weekday::Saturday,
            _ => Weekday::Sunday,
        }
    }

    pub fn year(self) -> i32 {
        // In range: MIN_DAYS..=MAX_DAYS spans about ±292 million years.
        i32::try_from(civil_from_days(self.days).0).unwrap_or(i32::MAX)
    }

    /// The month, 1 to 12.
    pub fn month(self) -> u32 {
        u32::try_from(civil_from_days(self.days).1).unwrap_or(1)
    }

    /// The day of the month, 1 to 31.
    pub fn day(self) -> u32 {
        u32::try_from(civil_from_days(self.days).2).unwrap_or(1)
    }
}

/// `YYYY-MM-DD`, which [`Date::parse`] reads back for years 0000 to 9999.
impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (year, month, day) = civil_from_days(self.days);
        write!(f, "{year:04}-{month:02}-{day:02}")
    }
}

impl std::fmt::Debug for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Date({self})")
    }
}

impl std::str::FromStr for Date {
    type Err = DateError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

fn days_in_month(year: i64, month: i64) -> i64 {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A source of the current time.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;
}

/// The operating system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(
        clippy::disallowed_methods,
        reason = "this is the one place that reads the wall clock"
    )]
    fn now(&self) -> Timestamp {
        let since_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp(i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_times_parse_with_and_without_fractions_and_offsets() {
        for (text, millis) in [
            ("1970-01-01T00:00:00Z", Some(0)),
            ("2023-11-14T22:13:20.123Z", Some(1_700_000_000_123)),
            ("2023-11-14T23:13:20.1+01:00", Some(1_700_000_000_100)),
            ("2024-02-29T00:00:00Z", Some(1_709_164_800_000)),
            ("2024-13-01T00:00:00Z", None),
            ("yesterday", None),
            ("2024-01-01 00:00:00", None),
        ] {
            assert_eq!(
                Timestamp::parse_rfc3339(text).map(Timestamp::as_millis),
                millis,
                "{text}"
            );
        }
    }

    #[test]
    fn timestamps_print_as_rfc_3339_utc() {
        assert_eq!(Timestamp::from_millis(0).rfc3339(), "1970-01-01T00:00:00Z");
        assert_eq!(
            Timestamp::from_millis(951_782_400_000).rfc3339(),
            "2000-02-29T00:00:00Z"
        );
        assert_eq!(
            Timestamp::from_millis(1_795_992_607_999).rfc3339(),
            "2026-11-29T22:50:07Z"
        );
    }

    #[test]
    fn dates_parse_only_days_the_calendar_has() {
        for (text, parsed) in [
            ("2026-02-28", Some((2026, 2, 28))),
            ("2024-02-29", Some((2024, 2, 29))),
            ("2000-02-29", Some((2000, 2, 29))),
            ("0000-01-01", Some((0, 1, 1))),
            ("9999-12-31", Some((9999, 12, 31))),
            ("2026-02-30", None),
            ("1900-02-29", None),
            ("2026-04-31", None),
            ("2026-13-01", None),
            ("2026-00-10", None),
            ("2026-01-00", None),
            ("2026-1-01", None),
            ("+026-01-01", None),
            ("2026-01-01T00:00:00Z", None),
            ("", None),
        ] {
            let date = Date::parse(text).ok();
            assert_eq!(
                date.map(|d| (d.year(), d.month(), d.day())),
                parsed,
                "{text}"
            );
            if let Some(date) = date {
                assert_eq!(date.to_string(), text);
            }
        }
    }

    #[test]
    fn date_errors_tell_a_malformed_text_from_a_missing_day() {
        assert_eq!(
            Date::parse("2026-02-30").unwrap_err().to_string(),
            "`2026-02-30` is not a day of the calendar"
        );
        assert_eq!(
            Date::parse("30/02/2026").unwrap_err().to_string(),
            "`30/02/2026` is not a date in the form YYYY-MM-DD"
        );
    }

    #[test]
    fn dates_convert_to_and_from_timestamps_at_utc_midnight() {
        let date = Date::parse("2023-11-14").unwrap();
        assert_eq!(date.midnight().rfc3339(), "2023-11-14T00:00:00Z");
        assert_eq!(Date::of(Timestamp::from_millis(1_700_000_000_123)), date);
        assert_eq!(
            Date::of(Timestamp::from_millis(-1)).to_string(),
            "1969-12-31"
        );
        assert_eq!(date.plus_days(17).to_string(), "2023-12-01");
        assert_eq!(date.days_since_epoch(), 19_675);
        assert_eq!(Date::from_days_since_epoch(19_675), date);
    }

    #[test]
    fn dates_stay_within_the_range_of_timestamps() {
        assert_eq!(Date::from_ymd(i32::MAX, 1, 1), None);
        let last = Date::from_days_since_epoch(i64::MAX);
        assert_eq!(last.plus_days(1), last);
        assert!(last.midnight() > Timestamp::from_millis(0));
        assert_eq!(
            Date::of(Timestamp::from_millis(i64::MIN)).plus_days(-1),
            Date::from_days_since_epoch(i64::MIN)
        );
    }

    #[test]
    fn weekdays_follow_the_calendar() {
        for (text, weekday) in [
            ("1970-01-01", Weekday::Thursday),
            ("1969-12-29", Weekday::Monday),
            ("2026-02-28", Weekday::Saturday),
            ("2026-03-01", Weekday::Sunday),
            ("2026-03-02", Weekday::Monday),
            ("2000-02-29", Weekday::Tuesday),
        ] {
            assert_eq!(Date::parse(text).unwrap().weekday(), weekday, "{text}");
        }
        assert!(Weekday::Saturday.is_weekend() && !Weekday::Friday.is_weekend());
    }

    #[test]
    fn plus_adds_milliseconds_and_saturates() {
        assert_eq!(
            Timestamp::from_millis(1_000)
                .plus(Duration::from_secs(2))
                .as_millis(),
            3_000
        );
        assert_eq!(
            Timestamp::from_millis(i64::MAX - 1)
                .plus(Duration::from_secs(1))
                .as_millis(),
            i64::MAX
        );
    }
}
