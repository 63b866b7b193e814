//! The rules a new password must pass: a length within bounds, not one of the most common
//! breached passwords, and hard to guess (zxcvbn score 3 or more, judged with the person's
//! own email and name as context). Each refusal says why, in words a person can act on.

use std::sync::LazyLock;

use super::SecretText;

/// The most common breached passwords, lower-case and sorted (see `data/README.md`).
const COMMON_PASSWORDS: &str = include_str!("../../data/common-passwords.txt");

static COMMON: LazyLock<Vec<&'static str>> = LazyLock::new(|| COMMON_PASSWORDS.lines().collect());

/// True when `password` is on the shipped list of common breached passwords.
pub fn is_common(password: &str) -> bool {
    COMMON
        .binary_search(&password.to_lowercase().as_str())
        .is_ok()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// Fewest characters (Unicode scalar values) accepted.
    pub min_chars: usize,
    /// Most bytes accepted: longer ones are refused before any hashing.
    pub max_bytes: usize,
    /// Lowest zxcvbn score accepted, 0 to 4.
    pub min_score: u8,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            min_chars: 12,
            max_bytes: 1024,
            min_score: 3,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordRejection {
    #[error("use at least {min} characters")]
    TooShort { min: usize },
    #[error("use at most {max} bytes; longer passwords are not accepted")]
    TooLong { max: usize },
    #[error("this is one of the most common passwords in known breaches; choose another")]
    Common,
    #[error("this password is too easy to guess{hint}")]
    Weak { hint: String },
}

impl PasswordPolicy {
    /// Checks a new password; `context` holds words an attacker would try first (the
    /// person's email, its local part, their name).
    pub fn check(&self, password: &SecretText, context: &[&str]) -> Result<(), PasswordRejection> {
        let text = password.expose();
        if text.len() > self.max_bytes {
            return Err(PasswordRejection::TooLong {
                max: self.max_bytes,
            });
        }
        if text.chars().count() < self.min_chars {
            return Err(PasswordRejection::TooShort {
                min: self.min_chars,
            });
        }
        if is_common(text) {
            return Err(PasswordRejection::Common);
        }
        let mut inputs: Vec<&str> = context.to_vec();
        inputs.extend(
            context
                .iter()
                .filter_map(|c| c.split_once('@').map(|(local, _)| local)),
        );
        let estimate = zxcvbn::zxcvbn(text, &inputs);
        if u8::from(estimate.score()) < self.min_score {
            let hint = estimate
                .feedback()
                .and_then(|f| {
                    f.warning()
                        .map(|w| format!(": {w}"))
                        .or_else(|| f.suggestions().first().map(|s| format!(": {s}")))
                })
                .unwrap_or_default();
            return Err(PasswordRejection::Weak { hint });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(password: &str, context: &[&str]) -> Result<(), PasswordRejection> {
        PasswordPolicy::default().check(&SecretText::new(password), context)
    }

    #[test]
    fn the_common_list_is_sorted_and_answers_case_insensitively() {
        assert!(
            COMMON.windows(2).all(|w| w[0] < w[1]),
            "the list must be sorted for binary search"
        );
        assert!(COMMON.len() > 19_000);
        assert!(is_common("password1234"));
        assert!(is_common("PassWord"));
        assert!(!is_common("correct horse battery staple ferns"));
    }

    #[test]
    fn each_rule_refuses_with_its_reason() {
        assert_eq!(
            check("short", &[]),
            Err(PasswordRejection::TooShort { min: 12 })
        );
        assert_eq!(
            check(&"x".repeat(1025), &[]),
            Err(PasswordRejection::TooLong { max: 1024 })
        );
        assert_eq!(check("1qaz2wsx3edc", &[]), Err(PasswordRejection::Common));
        assert!(matches!(
            check("aaaaaaaaaaaaaaaa", &[]),
            Err(PasswordRejection::Weak { .. })
        ));
        assert!(matches!(
            check(
                "alice.martin2024",
                &["alice.martin@example.com", "Alice Martin"]
            ),
            Err(PasswordRejection::Weak { .. })
        ));
        assert_eq!(
            check("violet-anchor-drizzle-87", &["alice@example.com"]),
            Ok(())
        );
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        // Eleven characters are 22 bytes: still too short.
        assert_eq!(
            check(&"é".repeat(11), &[]),
            Err(PasswordRejection::TooShort { min: 12 })
        );
        assert_eq!(
            check(&"é".repeat(513), &[]),
            Err(PasswordRejection::TooLong { max: 1024 })
        );
    }

    #[test]
    fn a_password_never_shows_in_debug_output() {
        let password = SecretText::new("violet-anchor-drizzle-87");
        assert_eq!(format!("{password:?}"), "[redacted]");
    }
}
