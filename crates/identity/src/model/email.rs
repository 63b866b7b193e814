//! An email address as an identifier: trimmed, lower-cased, and plausible enough to mail.

use std::fmt;

/// A validated, normalised email address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("enter an email address such as name@example.com")]
pub struct InvalidEmail;

impl Email {
    pub fn parse(raw: &str) -> Result<Self, InvalidEmail> {
        let text = raw.trim().to_lowercase();
        let (local, domain) = text.split_once('@').ok_or(InvalidEmail)?;
        let plausible = !local.is_empty()
            && local.len() <= 64
            && text.len() <= 254
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !text.contains("..")
            && text
                .chars()
                .all(|c| !c.is_whitespace() && !c.is_control() && !"<>()[],;:\\\"".contains(c));
        if plausible {
            Ok(Self(text))
        } else {
            Err(InvalidEmail)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(raw: &str, expected: Option<&str>) {
        assert_eq!(
            Email::parse(raw).ok().as_ref().map(Email::as_str),
            expected,
            "{raw}"
        );
    }

    #[test]
    fn addresses_are_normalised_or_refused() {
        check(" Ada@Example.COM ", Some("ada@example.com"));
        check("a.b+tag@mail.example.org", Some("a.b+tag@mail.example.org"));
        check("no-at-sign.example.com", None);
        check("two@@example.com", None);
        check("@example.com", None);
        check("ada@localhost", None);
        check("ada@example..com", None);
        check("ada <x>@example.com", None);
        check(&format!("{}@example.com", "a".repeat(65)), None);
    }
}
