//! Brute-force throttling rules, as pure functions of counts and time.
//!
//! Per identifier (an email, whether or not an account has it): the first failures are
//! free, then each further failure doubles the wait before the next attempt, up to a cap.
//! Failures are forgotten after a quiet period, so an attacker can slow a victim down but
//! never lock them out for good. Per client address: a token bucket.

use std::time::Duration;

use platform::clock::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures allowed before any delay.
    pub free_failures: u32,
    /// Delay after the first failure beyond the free ones; it doubles with each further one.
    pub first_delay: Duration,
    pub max_delay: Duration,
    /// A failure this old no longer counts.
    pub forget_after: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            free_failures: 5,
            first_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(15 * 60),
            forget_after: Duration::from_secs(24 * 3600),
        }
    }
}

/// Consecutive failures of one identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Failures {
    pub count: u32,
    pub last_at: Option<Timestamp>,
}

impl ThrottlePolicy {
    /// The wait imposed after `count` consecutive failures.
    pub fn delay_after(&self, count: u32) -> Duration {
        let Some(beyond) = count.checked_sub(self.free_failures) else {
            return Duration::ZERO;
        };
        let factor = 2u32.checked_pow(beyond).unwrap_or(u32::MAX);
        self.first_delay.saturating_mul(factor).min(self.max_delay)
    }

    /// The failures that still count at `now`.
    pub fn current(&self, failures: Failures, now: Timestamp) -> Failures {
        match failures.last_at {
            Some(at) if at.plus(self.forget_after) > now => failures,
            _ => Failures::default(),
        }
    }

    /// `Err(wait)` when an attempt at `now` must wait longer.
    pub fn check(&self, failures: Failures, now: Timestamp) -> Result<(), Duration> {
        let failures = self.current(failures, now);
        let Some(last_at) = failures.last_at else {
            return Ok(());
        };
        let allowed_at = last_at.plus(self.delay_after(failures.count));
        if allowed_at > now {
            let wait = allowed_at.as_millis() - now.as_millis();
            Err(Duration::from_millis(u64::try_from(wait).unwrap_or(0)))
        } else {
            Ok(())
        }
    }

    pub fn record_failure(&self, failures: Failures, now: Timestamp) -> Failures {
        let current = self.current(failures, now);
        Failures {
            count: current.count.saturating_add(1),
            last_at: Some(now),
        }
    }
}

/// A token bucket: `capacity` requests at once, refilled at `per_second`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    pub capacity: f64,
    pub per_second: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    pub tokens: f64,
    pub updated_at: Timestamp,
}

impl RateLimit {
    /// Takes one token at `now`; `Err(wait)` when none is left.
    pub fn take(&self, bucket: Option<Bucket>, now: Timestamp) -> Result<Bucket, Duration> {
        let refilled = match bucket {
            None => self.capacity,
            Some(b) => {
                let elapsed = (now.as_millis() - b.updated_at.as_millis()).max(0) as f64 / 1000.0;
                (b.tokens + elapsed * self.per_second).min(self.capacity)
            }
        };
        if refilled >= 1.0 {
            Ok(Bucket {
                tokens: refilled - 1.0,
                updated_at: now,
            })
        } else {
            let wait_secs = (1.0 - refilled) / self.per_second;
            Err(Duration::from_secs_f64(wait_secs.max(0.001)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_millis(secs * 1000)
    }

    #[test]
    fn delays_start_after_five_failures_double_and_stop_at_fifteen_minutes() {
        let policy = ThrottlePolicy::default();
        let check = |count, secs| {
            assert_eq!(
                policy.delay_after(count),
                Duration::from_secs(secs),
                "{count}"
            )
        };
        check(0, 0);
        check(4, 0);
        check(5, 2);
        check(6, 4);
        check(10, 64);
        check(13, 512);
        check(14, 900);
        check(1000, 900);
    }

    #[test]
    fn the_sixth_attempt_waits_and_an_attempt_after_the_wait_is_allowed() {
        let policy = ThrottlePolicy::default();
        let mut failures = Failures::default();
        for second in 0..5 {
            assert_eq!(policy.check(failures, at(second)), Ok(()));
            failures = policy.record_failure(failures, at(second));
        }
        assert_eq!(policy.check(failures, at(5)), Err(Duration::from_secs(1)));
        assert_eq!(policy.check(failures, at(6)), Ok(()));
    }

    #[test]
    fn failures_are_forgotten_so_nobody_is_locked_out_for_good() {
        let policy = ThrottlePolicy::default();
        let failures = Failures {
            count: 50,
            last_at: Some(at(0)),
        };
        assert_eq!(policy.check(failures, at(899)), Err(Duration::from_secs(1)));
        assert_eq!(policy.check(failures, at(900)), Ok(()));
        let later = policy.record_failure(failures, at(24 * 3600 + 1));
        assert_eq!(later.count, 1, "a day later the count starts again");
    }

    #[test]
    fn a_bucket_allows_bursts_up_to_capacity_then_refills() {
        let limit = RateLimit {
            capacity: 3.0,
            per_second: 0.5,
        };
        let mut bucket = None;
        for _ in 0..3 {
            bucket = Some(limit.take(bucket, at(0)).unwrap());
        }
        assert_eq!(limit.take(bucket, at(0)), Err(Duration::from_secs(2)));
        assert!(limit.take(bucket, at(2)).is_ok());
    }
}
