//! Time as Rampart's domain code sees it: a [`Timestamp`] passed in, never read from the OS.
//!
//! This is the one module allowed to read the wall clock (see `clippy.toml`). Everything else
//! receives `now` from a [`Clock`], so rules about expiry and deadlines are testable.

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

    /// The timestamp `duration` later, saturating instead of overflowing.
    pub fn plus(self, duration: Duration) -> Self {
        let millis = i64::try_from(duration.as_millis()).unwrap_or(i64::MAX);
        Self(self.0.saturating_add(millis))
    }
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
