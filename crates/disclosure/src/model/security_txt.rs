//! The `/.well-known/security.txt` document of RFC 9116: where to report, until when the
//! file holds, and where the policy and the Hall of Fame are.
//!
//! The settings are checked once, when they are built, so that rendering cannot fail and no
//! value can smuggle a line break into the file. The server renders the file on each request
//! with the current time, so `Expires` rolls forward by itself and never goes stale.

use std::time::Duration;

use platform::clock::Timestamp;
use url::Url;

/// Where RFC 9116 places the file.
pub const WELL_KNOWN_PATH: &str = "/.well-known/security.txt";

/// The media type RFC 9116 requires, with the UTF-8 charset.
pub const CONTENT_TYPE: &str = "text/plain; charset=utf-8";

/// The longest lifetime: RFC 9116 recommends that `Expires` be less than a year ahead.
pub const MAX_LIFETIME_DAYS: u32 = 365;

const DAY_MILLIS: i64 = 86_400_000;

/// What the operator states, as given; [`SecurityTxtSettings::new`] checks it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecurityTxtFields {
    /// The report form, an absolute `https://` URL; the first and preferred contact.
    pub contact_url: String,
    /// An address for reports by e-mail, with or without `mailto:`.
    pub contact_email: Option<String>,
    pub policy_url: String,
    /// The Hall of Fame.
    pub acknowledgments_url: String,
    /// Where this file is served: `https://host/.well-known/security.txt`.
    pub canonical_url: String,
    /// Language tags such as `en` or `pt-BR`; empty means `en`.
    pub preferred_languages: Vec<String>,
    /// A public key for encrypted reports.
    pub encryption_url: Option<String>,
}

/// Checked settings: every URL is absolute `https://` (the e-mail contact `mailto:`), and no
/// value holds whitespace or control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityTxtSettings {
    contact_url: String,
    contact_email: Option<String>,
    policy_url: String,
    acknowledgments_url: String,
    canonical_url: String,
    preferred_languages: Vec<String>,
    encryption_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecurityTxtError {
    #[error("{field} must not contain spaces, line breaks or control characters")]
    Whitespace { field: &'static str },
    #[error("{field} must be an absolute https:// URL")]
    NotHttps { field: &'static str },
    #[error("contact_email must be an e-mail address such as security@example.com")]
    NotEmail,
    #[error("canonical_url must end in {WELL_KNOWN_PATH}")]
    NotWellKnown,
    #[error("preferred_languages must be language tags such as en or pt-BR")]
    NotLanguageTag,
}

impl SecurityTxtSettings {
    pub fn new(fields: SecurityTxtFields) -> Result<Self, SecurityTxtError> {
        let canonical_url = https("canonical_url", &fields.canonical_url)?;
        if !Url::parse(&canonical_url).is_ok_and(|url| url.path() == WELL_KNOWN_PATH) {
            return Err(SecurityTxtError::NotWellKnown);
        }
        let mut preferred_languages = fields.preferred_languages;
        if preferred_languages.is_empty() {
            preferred_languages.push("en".to_owned());
        }
        if !preferred_languages.iter().all(|tag| is_language_tag(tag)) {
            return Err(SecurityTxtError::NotLanguageTag);
        }
        Ok(Self {
            contact_url: https("contact_url", &fields.contact_url)?,
            contact_email: fields.contact_email.as_deref().map(mailto).transpose()?,
            policy_url: https("policy_url", &fields.policy_url)?,
            acknowledgments_url: https("acknowledgments_url", &fields.acknowledgments_url)?,
            canonical_url,
            preferred_languages,
            encryption_url: fields
                .encryption_url
                .as_deref()
                .map(|url| https("encryption_url", url))
                .transpose()?,
        })
    }
}

/// The file, with `Expires` `lifetime_days` after `now`; the lifetime is clamped to 1..=365
/// days so the file is never stale and never claims more than RFC 9116 recommends.
pub fn render(settings: &SecurityTxtSettings, now: Timestamp, lifetime_days: u32) -> String {
    let days = lifetime_days.clamp(1, MAX_LIFETIME_DAYS);
    let expires = whole_second_after(now, days);
    let mut out = String::with_capacity(512);
    out.push_str("# How to report a security vulnerability in this service (RFC 9116).\n");
    out.push_str("# Please read the policy before you test, and use the report form.\n");
    let mut field = |name: &str, value: &str| {
        out.push_str(name);
        out.push_str(": ");
        out.push_str(value);
        out.push('\n');
    };
    field("Contact", &settings.contact_url);
    if let Some(email) = &settings.contact_email {
        field("Contact", email);
    }
    field("Expires", &expires.rfc3339());
    if let Some(encryption) = &settings.encryption_url {
        field("Encryption", encryption);
    }
    field("Acknowledgments", &settings.acknowledgments_url);
    field(
        "Preferred-Languages",
        &settings.preferred_languages.join(", "),
    );
    field("Canonical", &settings.canonical_url);
    field("Policy", &settings.policy_url);
    out
}

/// `days` after `now` in whole seconds, as `Expires` is written: rounded up, so the file
/// holds for at least the lifetime, unless that would pass the 365-day ceiling.
fn whole_second_after(now: Timestamp, days: u32) -> Timestamp {
    let exact = now.plus(Duration::from_secs(u64::from(days) * 86_400));
    let ceiling = now
        .as_millis()
        .saturating_add(i64::from(MAX_LIFETIME_DAYS) * DAY_MILLIS);
    let down = exact.as_millis() - exact.as_millis().rem_euclid(1000);
    let up = if down == exact.as_millis() {
        down
    } else {
        down.saturating_add(1000)
    };
    Timestamp::from_millis(if up <= ceiling { up } else { down })
}

/// Whitespace and control characters are refused before parsing: the URL parser would
/// silently drop tabs and line breaks, and a line break here would forge a field.
fn refuse_whitespace(field: &'static str, value: &str) -> Result<(), SecurityTxtError> {
    if value.is_empty() || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(SecurityTxtError::Whitespace { field });
    }
    Ok(())
}

fn https(field: &'static str, value: &str) -> Result<String, SecurityTxtError> {
    refuse_whitespace(field, value)?;
    let url = Url::parse(value).map_err(|_| SecurityTxtError::NotHttps { field })?;
    if url.scheme() != "https" || url.host_str().is_none_or(str::is_empty) {
        return Err(SecurityTxtError::NotHttps { field });
    }
    Ok(url.into())
}

fn mailto(value: &str) -> Result<String, SecurityTxtError> {
    refuse_whitespace("contact_email", value)?;
    let address = value.strip_prefix("mailto:").unwrap_or(value);
    let plain = address.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
            && !address.contains(['<', '>', '"', '?', '#', '/', ',', ';', '\\'])
    });
    if !plain {
        return Err(SecurityTxtError::NotEmail);
    }
    Ok(format!("mailto:{address}"))
}

/// A loose BCP 47 shape: a 2–8 letter language subtag, then alphanumeric subtags.
fn is_language_tag(tag: &str) -> bool {
    let mut subtags = tag.split('-');
    let language_ok = subtags
        .next()
        .is_some_and(|l| (2..=8).contains(&l.len()) && l.bytes().all(|b| b.is_ascii_alphabetic()));
    language_ok
        && subtags
            .all(|s| (1..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> SecurityTxtFields {
        SecurityTxtFields {
            contact_url: "https://rampart.example.com/security/report".to_owned(),
            contact_email: None,
            policy_url: "https://rampart.example.com/security/policy".to_owned(),
            acknowledgments_url: "https://rampart.example.com/security/hall-of-fame".to_owned(),
            canonical_url: "https://rampart.example.com/.well-known/security.txt".to_owned(),
            preferred_languages: Vec::new(),
            encryption_url: None,
        }
    }

    /// 2026-11-30T08:00:00.250Z: not on a whole second, as a request's time seldom is.
    const NOW: Timestamp = Timestamp::from_millis(1_796_025_600_250);

    fn expires_of(text: &str) -> Timestamp {
        let line = text
            .lines()
            .find_map(|l| l.strip_prefix("Expires: "))
            .unwrap();
        Timestamp::parse_rfc3339(line).unwrap()
    }

    #[test]
    fn the_file_has_every_field_in_rfc_9116_syntax() {
        let mut given = fields();
        given.contact_email = Some("security@example.com".to_owned());
        given.preferred_languages = vec!["en".to_owned(), "de".to_owned()];
        given.encryption_url = Some("https://rampart.example.com/pgp-key.txt".to_owned());
        let text = render(&SecurityTxtSettings::new(given).unwrap(), NOW, 30);
        assert_eq!(
            text,
            "# How to report a security vulnerability in this service (RFC 9116).\n\
             # Please read the policy before you test, and use the report form.\n\
             Contact: https://rampart.example.com/security/report\n\
             Contact: mailto:security@example.com\n\
             Expires: 2026-12-30T08:00:01Z\n\
             Encryption: https://rampart.example.com/pgp-key.txt\n\
             Acknowledgments: https://rampart.example.com/security/hall-of-fame\n\
             Preferred-Languages: en, de\n\
             Canonical: https://rampart.example.com/.well-known/security.txt\n\
             Policy: https://rampart.example.com/security/policy\n"
        );
    }

    #[test]
    fn every_line_is_a_comment_or_a_known_field_with_one_space_after_the_colon() {
        let text = render(&SecurityTxtSettings::new(fields()).unwrap(), NOW, 30);
        let known = [
            "Contact",
            "Expires",
            "Encryption",
            "Acknowledgments",
            "Preferred-Languages",
            "Canonical",
            "Policy",
        ];
        for line in text.lines() {
            if line.starts_with('#') {
                continue;
            }
            let (name, value) = line.split_once(": ").unwrap();
            assert!(known.contains(&name), "{line}");
            assert!(!value.is_empty() && !value.starts_with(' '), "{line}");
        }
        assert!(text.ends_with('\n'));
        assert_eq!(text.matches("Expires: ").count(), 1);
    }

    #[test]
    fn preferred_languages_default_to_english_and_encryption_is_left_out_unless_configured() {
        let text = render(&SecurityTxtSettings::new(fields()).unwrap(), NOW, 30);
        assert!(text.contains("\nPreferred-Languages: en\n"));
        assert!(!text.contains("Encryption:"));
        assert_eq!(text.matches("Contact: ").count(), 1);
    }

    #[test]
    fn expires_is_always_between_one_and_365_days_ahead() {
        let settings = SecurityTxtSettings::new(fields()).unwrap();
        for (lifetime, days) in [(0, 1), (1, 1), (30, 30), (365, 365), (1000, 365)] {
            let expires = expires_of(&render(&settings, NOW, lifetime)).as_millis();
            let ahead = expires - NOW.as_millis();
            assert!(ahead >= DAY_MILLIS, "lifetime {lifetime}: {ahead} ms");
            assert!(ahead <= 365 * DAY_MILLIS, "lifetime {lifetime}: {ahead} ms");
            assert!(
                (ahead - days * DAY_MILLIS).abs() < 1000,
                "lifetime {lifetime}"
            );
        }
    }

    #[test]
    fn expires_rolls_forward_with_the_time_of_the_request() {
        let settings = SecurityTxtSettings::new(fields()).unwrap();
        let later = NOW.plus(Duration::from_secs(40 * 86_400));
        let first = expires_of(&render(&settings, NOW, 30));
        let second = expires_of(&render(&settings, later, 30));
        assert!(second > later && second > first);
    }

    #[test]
    fn values_with_line_breaks_or_spaces_are_refused() {
        let forged = "https://rampart.example.com/report\nContact: https://evil.example";
        for bad in [
            forged,
            "https://rampart.example.com/a\rb",
            "https://x.example/a b",
        ] {
            let mut given = fields();
            given.contact_url = bad.to_owned();
            assert_eq!(
                SecurityTxtSettings::new(given),
                Err(SecurityTxtError::Whitespace {
                    field: "contact_url"
                })
            );
        }
        let mut given = fields();
        given.contact_email = Some("security@example.com\r\nExpires: never".to_owned());
        assert_eq!(
            SecurityTxtSettings::new(given),
            Err(SecurityTxtError::Whitespace {
                field: "contact_email"
            })
        );
        let mut given = fields();
        given.preferred_languages = vec!["en\nPolicy: x".to_owned()];
        assert_eq!(
            SecurityTxtSettings::new(given),
            Err(SecurityTxtError::NotLanguageTag)
        );
    }

    #[test]
    fn urls_must_be_absolute_https() {
        let cases = [
            "http://rampart.example.com/security/policy",
            "/security/policy",
            "javascript:alert(1)",
            "mailto:security@example.com",
            "https://",
            "https://:443/",
        ];
        for bad in cases {
            let mut given = fields();
            given.policy_url = bad.to_owned();
            assert_eq!(
                SecurityTxtSettings::new(given),
                Err(SecurityTxtError::NotHttps {
                    field: "policy_url"
                }),
                "{bad}"
            );
        }
        let mut given = fields();
        given.encryption_url = Some("ftp://rampart.example.com/key.asc".to_owned());
        assert_eq!(
            SecurityTxtSettings::new(given),
            Err(SecurityTxtError::NotHttps {
                field: "encryption_url"
            })
        );
    }

    #[test]
    fn the_canonical_url_must_be_the_well_known_location() {
        let mut given = fields();
        given.canonical_url = "https://rampart.example.com/security.txt".to_owned();
        assert_eq!(
            SecurityTxtSettings::new(given),
            Err(SecurityTxtError::NotWellKnown)
        );
    }

    #[test]
    fn the_contact_email_becomes_a_mailto_uri() {
        for (given_email, contact) in [
            ("security@example.com", "mailto:security@example.com"),
            ("mailto:security@example.com", "mailto:security@example.com"),
        ] {
            let mut given = fields();
            given.contact_email = Some(given_email.to_owned());
            let text = render(&SecurityTxtSettings::new(given).unwrap(), NOW, 30);
            assert!(text.contains(&format!("\nContact: {contact}\n")));
        }
        for bad in [
            "security",
            "@example.com",
            "a@b@example.com",
            "a@example",
            "a@x.com?cc=b@y.com",
        ] {
            let mut given = fields();
            given.contact_email = Some(bad.to_owned());
            assert_eq!(
                SecurityTxtSettings::new(given),
                Err(SecurityTxtError::NotEmail),
                "{bad}"
            );
        }
    }
}
