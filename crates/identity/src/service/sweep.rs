//! The housekeeping job: run by the node holding the jobs lease, it deletes sessions that
//! ended, login failures that no longer count and one-time links that can no longer be used.

use std::time::Duration;

use platform::clock::Timestamp;

use super::{Identity, IdentityError};
use crate::store::sweep::{Swept, sweep};

/// Spent links are kept a day longer, so "this link was already used" stays explainable.
const LINK_GRACE: Duration = Duration::from_secs(24 * 3600);

impl Identity {
    pub async fn sweep(&self) -> Result<Swept, IdentityError> {
        let now = self.now();
        let settings = self.settings();
        let idle_before = Timestamp::from_millis(
            now.as_millis() - i64::try_from(settings.sessions.idle.as_millis()).unwrap_or(0),
        );
        let failures_before = Timestamp::from_millis(
            now.as_millis()
                - i64::try_from(settings.throttle.forget_after.as_millis()).unwrap_or(0),
        );
        let links_before = Timestamp::from_millis(
            now.as_millis() - i64::try_from(LINK_GRACE.as_millis()).unwrap_or(0),
        );
        let mut conn = self.db().connection().await?;
        Ok(sweep(&mut conn, now, idle_before, failures_before, links_before).await?)
    }
}
