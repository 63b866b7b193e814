//! The `[disclosure]` section: the vulnerability disclosure program's contacts, its
//! security.txt, and the response times the security team commits to.

use serde::{Deserialize, Serialize};

use super::KeyError;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DisclosureConfig {
    /// Where new reports, overdue clocks and escalations are emailed. Without it they show
    /// only in the staff console.
    pub team_email: Option<String>,
    /// An address researchers may write to, listed in security.txt after the report form.
    pub contact_email: Option<String>,
    /// An https URL of the team's OpenPGP key, listed in security.txt as `Encryption`.
    pub encryption_url: Option<String>,
    /// How far ahead security.txt's `Expires` is set, in days (1 to 365). The file is
    /// written on each request, so the date rolls forward by itself.
    pub security_txt_expires_days: u32,
    /// Languages the team reads reports in (security.txt `Preferred-Languages`).
    pub preferred_languages: Vec<String>,
    /// Days that are not business days besides weekends, as `YYYY-MM-DD` (UTC).
    pub holidays: Vec<String>,
    /// A human first response within this many business days.
    pub first_response_business_days: u32,
    /// Triage (accepted, or closed with a reason) within this many business days.
    pub triage_business_days: u32,
    /// Fix targets from acceptance, in calendar days, by severity.
    pub fix_days_critical: u32,
    pub fix_days_high: u32,
    pub fix_days_medium: u32,
    pub fix_days_low: u32,
    /// A report waiting on its researcher this many days closes itself, without penalty.
    pub auto_close_after_days: u32,
    /// Reports accepted per hour from one address (anonymous) or one token.
    pub reports_per_hour: u32,
    /// The largest attachment, in bytes (also bounded by `server.body_limit_bytes`).
    pub attachment_max_bytes: u32,
    /// Attachments a report may hold.
    pub attachments_per_report: u32,
}

impl Default for DisclosureConfig {
    fn default() -> Self {
        Self {
            team_email: None,
            contact_email: None,
            encryption_url: None,
            security_txt_expires_days: 180,
            preferred_languages: vec!["en".to_owned()],
            holidays: Vec::new(),
            first_response_business_days: 1,
            triage_business_days: 5,
            fix_days_critical: 7,
            fix_days_high: 30,
            fix_days_medium: 60,
            fix_days_low: 90,
            auto_close_after_days: 30,
            reports_per_hour: 5,
            attachment_max_bytes: 1_000_000,
            attachments_per_report: 10,
        }
    }
}

impl DisclosureConfig {
    pub(super) fn validate(&self, fail: &mut dyn FnMut(KeyError)) {
        let mut range = |key: &str, value: u32, low: u32, high: u32| {
            if !(low..=high).contains(&value) {
                fail(KeyError::new(
                    key,
                    format!("must be between {low} and {high}"),
                ));
            }
        };
        range(
            "disclosure.security_txt_expires_days",
            self.security_txt_expires_days,
            1,
            365,
        );
        range(
            "disclosure.first_response_business_days",
            self.first_response_business_days,
            1,
            30,
        );
        range(
            "disclosure.triage_business_days",
            self.triage_business_days,
            1,
            60,
        );
        range(
            "disclosure.fix_days_critical",
            self.fix_days_critical,
            1,
            365,
        );
        range("disclosure.fix_days_high", self.fix_days_high, 1, 365);
        range("disclosure.fix_days_medium", self.fix_days_medium, 1, 365);
        range("disclosure.fix_days_low", self.fix_days_low, 1, 365);
        range(
            "disclosure.auto_close_after_days",
            self.auto_close_after_days,
            1,
            365,
        );
        range(
            "disclosure.reports_per_hour",
            self.reports_per_hour,
            1,
            10_000,
        );
        range(
            "disclosure.attachment_max_bytes",
            self.attachment_max_bytes,
            1,
            100_000_000,
        );
        range(
            "disclosure.attachments_per_report",
            self.attachments_per_report,
            0,
            100,
        );
        for (i, day) in self.holidays.iter().enumerate() {
            if !is_iso_date(day) {
                fail(KeyError::new(
                    "disclosure.holidays",
                    format!("entry {} is not a date written YYYY-MM-DD", i + 1),
                ));
            }
        }
        if let Some(url) = &self.encryption_url
            && !url.starts_with("https://")
        {
            fail(KeyError::new(
                "disclosure.encryption_url",
                "must be an https:// address".to_owned(),
            ));
        }
        for (key, email) in [
            ("disclosure.team_email", &self.team_email),
            ("disclosure.contact_email", &self.contact_email),
        ] {
            if let Some(email) = email
                && (!email.contains('@')
                    || email.chars().any(|c| c.is_whitespace() || c.is_control()))
            {
                fail(KeyError::new(key, "must be an email address".to_owned()));
            }
        }
    }
}

/// `YYYY-MM-DD` with a month 1–12 and a day that month has.
fn is_iso_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return false;
    }
    let number = |range: std::ops::Range<usize>| text.get(range)?.parse::<u32>().ok();
    let (Some(year), Some(month), Some(day)) = (number(0..4), number(5..7), number(8..10)) else {
        return false;
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_are_checked_for_the_days_their_month_has() {
        assert!(super::is_iso_date("2026-12-25"));
        assert!(super::is_iso_date("2028-02-29"));
        for bad in [
            "2026-02-29",
            "2026-13-01",
            "2026-1-01",
            "25/12/2026",
            "2026-04-31",
        ] {
            assert!(!super::is_iso_date(bad), "{bad}");
        }
    }
}
