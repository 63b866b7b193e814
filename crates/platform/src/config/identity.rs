//! The `[identity]` section: password rules, hashing cost, sessions, tokens and log-in limits.

use serde::{Deserialize, Serialize};

use super::KeyError;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IdentityConfig {
    /// Shortest password accepted, in characters.
    pub password_min_chars: usize,
    /// Lowest zxcvbn score (0–4) accepted.
    pub password_min_score: u8,
    /// Argon2id memory per hash, in KiB (at least 19456, OWASP's minimum).
    pub hash_memory_kib: u32,
    /// Argon2id passes (at least 2).
    pub hash_iterations: u32,
    /// Argon2id lanes (at least 1).
    pub hash_parallelism: u32,
    /// Memory all concurrent password hashes may use together, in MiB. At most this many
    /// hashes (and never more than the cores) run at once; a few more wait in a queue.
    pub hashing_memory_budget_mib: u64,
    /// How long a log-in may wait for a place in the hashing queue before it gets 503.
    pub hashing_queue_wait_ms: u64,
    /// A session unused for this long ends.
    pub session_idle_minutes: u64,
    /// A session ends this long after log-in, used or not.
    pub session_absolute_hours: u64,
    /// Sensitive actions ask for the password again when the last proof is older than this.
    pub reauth_minutes: u64,
    /// Expiry offered when an API token is created, in days.
    pub token_default_days: u32,
    /// Longest expiry an API token may have, in days.
    pub token_max_days: u32,
    /// Log-in, sign-up and reset attempts one client address may make in a burst.
    pub per_ip_burst: u32,
    /// …and how many more it earns per minute.
    pub per_ip_per_minute: u32,
}

impl Default for IdentityConfig {
    fn default() -> Self {
        Self {
            password_min_chars: 12,
            password_min_score: 3,
            hash_memory_kib: 19_456,
            hash_iterations: 2,
            hash_parallelism: 1,
            hashing_memory_budget_mib: 256,
            hashing_queue_wait_ms: 1_000,
            session_idle_minutes: 120,
            session_absolute_hours: 12,
            reauth_minutes: 10,
            token_default_days: 90,
            token_max_days: 365,
            per_ip_burst: 30,
            per_ip_per_minute: 30,
        }
    }
}

impl IdentityConfig {
    pub(super) fn validate(&self, fail: &mut dyn FnMut(KeyError)) {
        let mut check = |ok: bool, key: &str, message: &str| {
            if !ok {
                fail(KeyError::new(key, message.to_owned()));
            }
        };
        check(
            (8..=256).contains(&self.password_min_chars),
            "identity.password_min_chars",
            "must be between 8 and 256",
        );
        check(
            self.password_min_score <= 4,
            "identity.password_min_score",
            "must be between 0 and 4",
        );
        check(
            self.hash_memory_kib >= 19_456,
            "identity.hash_memory_kib",
            "must be at least 19456 (19 MiB, the OWASP minimum for Argon2id)",
        );
        check(
            self.hash_iterations >= 2,
            "identity.hash_iterations",
            "must be at least 2",
        );
        check(
            (1..=16).contains(&self.hash_parallelism),
            "identity.hash_parallelism",
            "must be between 1 and 16",
        );
        check(
            self.hashing_memory_budget_mib.saturating_mul(1024) >= u64::from(self.hash_memory_kib),
            "identity.hashing_memory_budget_mib",
            "must hold at least one hash (identity.hash_memory_kib)",
        );
        check(
            self.hashing_queue_wait_ms <= 30_000,
            "identity.hashing_queue_wait_ms",
            "must be at most 30000 (a request may not wait longer than that)",
        );
        check(
            self.session_idle_minutes >= 1,
            "identity.session_idle_minutes",
            "must be at least 1",
        );
        check(
            self.session_absolute_hours >= 1,
            "identity.session_absolute_hours",
            "must be at least 1",
        );
        check(
            self.reauth_minutes >= 1,
            "identity.reauth_minutes",
            "must be at least 1",
        );
        check(
            (1..=3650).contains(&self.token_max_days),
            "identity.token_max_days",
            "must be between 1 and 3650",
        );
        check(
            (1..=self.token_max_days).contains(&self.token_default_days),
            "identity.token_default_days",
            "must be between 1 and identity.token_max_days",
        );
        check(
            self.per_ip_burst >= 1 && self.per_ip_per_minute >= 1,
            "identity.per_ip_burst",
            "identity.per_ip_burst and identity.per_ip_per_minute must be at least 1",
        );
    }
}
