//! Session rules: random ids stored only as hashes, idle and absolute timeouts, and how
//! fresh the last proof of identity must be for a sensitive action.

use std::time::Duration;

use argon2::password_hash::rand_core::{OsRng, RngCore};
use platform::clock::Timestamp;
use sha2::{Digest, Sha256};

use super::SecretText;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    pub idle: Duration,
    pub absolute: Duration,
    pub reauth: Duration,
    /// Lifetime of a half-finished log-in waiting for its second factor.
    pub second_factor: Duration,
}

/// How far a session has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Password accepted; the TOTP or recovery code is still due.
    SecondFactor,
    /// Signed in, but 2FA is required and not yet enrolled: only enrolment is open.
    MustEnrol,
    /// Fully signed in.
    Full,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SecondFactor => "second_factor",
            Self::MustEnrol => "must_enrol",
            Self::Full => "full",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::SecondFactor, Self::MustEnrol, Self::Full]
            .into_iter()
            .find(|stage| stage.as_str() == text)
    }
}

/// The times that decide whether a session still counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionTimes {
    pub last_seen_at: Timestamp,
    pub proved_at: Timestamp,
    pub expires_at: Timestamp,
}

impl SessionPolicy {
    /// The absolute end of a session that starts at `now` in `stage`.
    pub fn expires_at(&self, stage: Stage, now: Timestamp) -> Timestamp {
        match stage {
            Stage::SecondFactor => now.plus(self.second_factor),
            Stage::MustEnrol | Stage::Full => now.plus(self.absolute),
        }
    }

    pub fn is_live(&self, times: SessionTimes, now: Timestamp) -> bool {
        now < times.expires_at && now < times.last_seen_at.plus(self.idle)
    }

    /// A sensitive action needs the password again when the last proof is too old.
    pub fn needs_reauth(&self, times: SessionTimes, now: Timestamp) -> bool {
        now >= times.proved_at.plus(self.reauth)
    }
}

/// A new random secret of 256 bits, as 64 hex characters: session ids, one-time links.
pub fn new_secret() -> SecretText {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    SecretText::new(hex::encode(bytes))
}

/// The stored form of a secret: its SHA-256. The secret has 256 bits of entropy, so a fast
/// hash is enough; a stolen database does not yield usable ids.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60_000;

    fn policy() -> SessionPolicy {
        SessionPolicy {
            idle: Duration::from_secs(2 * 3600),
            absolute: Duration::from_secs(12 * 3600),
            reauth: Duration::from_secs(600),
            second_factor: Duration::from_secs(600),
        }
    }

    fn at(minutes: i64) -> Timestamp {
        Timestamp::from_millis(minutes * MINUTE)
    }

    #[test]
    fn sessions_end_when_idle_or_past_their_absolute_limit() {
        let policy = policy();
        let times = SessionTimes {
            last_seen_at: at(0),
            proved_at: at(0),
            expires_at: policy.expires_at(Stage::Full, at(0)),
        };
        assert!(policy.is_live(times, at(119)));
        assert!(!policy.is_live(times, at(120)));
        let busy = SessionTimes {
            last_seen_at: at(719),
            ..times
        };
        assert!(policy.is_live(busy, at(719)));
        assert!(!policy.is_live(busy, at(720)));
    }

    #[test]
    fn a_proof_older_than_ten_minutes_needs_the_password_again() {
        let policy = policy();
        let times = SessionTimes {
            last_seen_at: at(9),
            proved_at: at(0),
            expires_at: at(720),
        };
        assert!(!policy.needs_reauth(times, at(9)));
        assert!(policy.needs_reauth(times, at(10)));
    }

    #[test]
    fn secrets_are_256_bits_and_stored_as_hashes() {
        let secret = new_secret();
        assert_eq!(secret.expose().len(), 64);
        assert_ne!(secret.expose(), new_secret().expose());
        assert_eq!(hash_secret(secret.expose()).len(), 64);
        assert_ne!(hash_secret(secret.expose()), secret.expose());
    }
}
