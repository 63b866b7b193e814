//! Phone numbers in E.164: `+`, a country code and the national number, 15 digits at most.
//!
//! Input may be written as people write numbers (`+44 20 7946 0958`, `0044 (20) 7946-0958`);
//! it is stored as `+442079460958`. A number without its country code is refused rather
//! than guessed: the vault serves tenants in every country.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneE164(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidPhone {
    #[error("write the number with its country code, such as +44 20 7946 0958")]
    NoCountryCode,
    #[error("a phone number holds digits, spaces, dashes, dots and brackets only")]
    BadCharacter,
    #[error("an international phone number has 7 to 15 digits")]
    BadLength,
}

/// The fewest digits of a real international number (country code included).
const MIN_DIGITS: usize = 7;
/// E.164's maximum.
const MAX_DIGITS: usize = 15;

impl PhoneE164 {
    pub fn parse(raw: &str) -> Result<Self, InvalidPhone> {
        let text = raw.trim();
        let rest = if let Some(rest) = text.strip_prefix('+') {
            rest
        } else if let Some(rest) = text.strip_prefix("00") {
            rest
        } else if text
            .chars()
            .all(|c| c.is_ascii_digit() || " -.()".contains(c))
        {
            return Err(InvalidPhone::NoCountryCode);
        } else {
            return Err(InvalidPhone::BadCharacter);
        };
        let mut digits = String::with_capacity(MAX_DIGITS + 1);
        digits.push('+');
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '.' | '(' | ')' => {}
                _ => return Err(InvalidPhone::BadCharacter),
            }
        }
        let count = digits.len() - 1;
        if !(MIN_DIGITS..=MAX_DIGITS).contains(&count) {
            return Err(InvalidPhone::BadLength);
        }
        if digits.as_bytes()[1] == b'0' {
            // Country codes never start with 0: this is a national number behind a `+`.
            return Err(InvalidPhone::NoCountryCode);
        }
        Ok(Self(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PhoneE164 {
    type Error = InvalidPhone;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<PhoneE164> for String {
    fn from(value: PhoneE164) -> Self {
        value.0
    }
}

impl fmt::Display for PhoneE164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::{InvalidPhone, PhoneE164};

    fn check(raw: &str, expected: Result<&str, InvalidPhone>) {
        let parsed = PhoneE164::parse(raw);
        assert_eq!(
            parsed.as_ref().map(PhoneE164::as_str).map_err(|e| *e),
            expected,
            "{raw:?}"
        );
    }

    #[test]
    fn numbers_are_normalised_to_e164_or_refused_with_a_reason() {
        check("+44 20 7946 0958", Ok("+442079460958"));
        check("0044 (20) 7946-0958", Ok("+442079460958"));
        check(" +1.212.555.0100 ", Ok("+12125550100"));
        check("+33612345678", Ok("+33612345678"));
        check("020 7946 0958", Err(InvalidPhone::NoCountryCode));
        check("+020 7946 0958", Err(InvalidPhone::NoCountryCode));
        check("+44 20 7946 0958 ext 2", Err(InvalidPhone::BadCharacter));
        check("call me", Err(InvalidPhone::BadCharacter));
        check("+1 555", Err(InvalidPhone::BadLength));
        check("+1234567890123456", Err(InvalidPhone::BadLength));
        check("", Err(InvalidPhone::NoCountryCode));
    }
}
