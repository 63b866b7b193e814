//! The delivery loop: claim due messages, send them, record each outcome.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use lettre::message::Mailbox;
use tokio::sync::Notify;

use super::MailError;
use super::message::{self, QueuedMail};
use super::outbox;
use super::transport::{SendError, Transport};
use crate::clock::Clock;
use crate::config::MailConfig;
use crate::db::Db;

/// Messages claimed in one go: small, so a slow server delays few and other nodes share.
const BATCH: usize = 10;
/// How long a claim keeps other nodes off a row; longer than a few SMTP timeouts.
const CLAIM_FOR: Duration = Duration::from_secs(300);
/// The longest wait between two attempts of one message.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);

/// The mailer of one node. Cheap to clone; every clone shares one wake-up signal.
#[derive(Clone)]
pub struct Mailer {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    clock: Arc<dyn Clock>,
    transport: Transport,
    from: Mailbox,
    max_attempts: u32,
    poll_interval: Duration,
    node_id: String,
    wake: Notify,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("transport", &self.inner.transport)
            .field("node_id", &self.inner.node_id)
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// A mailer sending as `config.from`; fails when that is not a mailbox lettre accepts.
    pub fn new(
        db: Db,
        clock: Arc<dyn Clock>,
        transport: Transport,
        config: &MailConfig,
        node_id: String,
    ) -> Result<Self, MailError> {
        let from = config
            .from
            .parse::<Mailbox>()
            .map_err(|_| MailError::InvalidSender)?;
        Ok(Self {
            inner: Arc::new(Inner {
                db,
                clock,
                transport,
                from,
                max_attempts: config.max_attempts.max(1),
                poll_interval: Duration::from_millis(config.poll_interval_ms),
                node_id,
                wake: Notify::new(),
            }),
        })
    }

    /// Wakes the delivery loop, so mail queued by a transaction that just committed goes
    /// out at once rather than at the next poll.
    pub fn notify(&self) {
        self.inner.wake.notify_one();
    }

    /// Delivers due mail until `shutdown` resolves, waking at each poll interval and on
    /// [`Mailer::notify`]. At shutdown the claims of this node are released, so a message
    /// interrupted mid-send is retried by another node, or this one after a restart.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                biased;
                () = &mut shutdown => break,
                result = self.drain() => if let Err(err) = result {
                    tracing::warn!(error = %err, "cannot read the mail outbox");
                },
            }
            tokio::select! {
                () = &mut shutdown => break,
                () = self.inner.wake.notified() => {}
                () = tokio::time::sleep(self.inner.poll_interval) => {}
            }
        }
        if let Err(err) = outbox::release_claims(&self.inner.db, &self.inner.node_id).await {
            tracing::warn!(error = %err, "cannot release mail claims at shutdown");
        }
    }

    /// One pass: claims a batch of due messages and tries each once. Returns how many were
    /// delivered; the others are rescheduled or, out of attempts, marked failed.
    pub async fn deliver_due(&self) -> Result<usize, MailError> {
        Ok(self.pass().await?.1)
    }

    /// Passes until a batch comes back less than full.
    async fn drain(&self) -> Result<(), MailError> {
        while self.pass().await?.0 == BATCH {}
        Ok(())
    }

    /// Returns (claimed, delivered).
    async fn pass(&self) -> Result<(usize, usize), MailError> {
        let inner = &self.inner;
        let claimed = outbox::claim_due(
            &inner.db,
            &inner.node_id,
            inner.clock.now(),
            CLAIM_FOR,
            i64::try_from(BATCH).unwrap_or(1),
        )
        .await?;
        let mut delivered = 0;
        for mail in &claimed {
            if self.deliver(mail).await? {
                delivered += 1;
            }
        }
        Ok((claimed.len(), delivered))
    }

    async fn deliver(&self, mail: &QueuedMail) -> Result<bool, MailError> {
        let inner = &self.inner;
        let now = inner.clock.now();
        let sent = match message::build(&inner.from, mail, now) {
            Ok(message) => inner.transport.send(&mail.id, message).await,
            Err(err) => Err(SendError::Build(err)),
        };
        let err = match sent {
            Ok(()) => {
                let now = inner.clock.now();
                outbox::mark_sent(&inner.db, &mail.id, &inner.node_id, now).await?;
                tracing::info!(mail_id = %mail.id, "mail delivered");
                return Ok(true);
            }
            Err(err) => err,
        };
        let attempts = mail.attempts.saturating_add(1);
        let retry_at = (!err.is_final() && attempts < inner.max_attempts).then(|| {
            inner
                .clock
                .now()
                .plus(backoff(inner.poll_interval, attempts))
        });
        let error = err.describe();
        tracing::warn!(
            mail_id = %mail.id,
            attempts,
            error = %error,
            gave_up = retry_at.is_none(),
            "mail not delivered"
        );
        outbox::mark_attempt_failed(&inner.db, &mail.id, &inner.node_id, retry_at, &error).await?;
        Ok(false)
    }
}

/// The wait after the `attempts`-th failure: the poll interval doubled per attempt, at
/// most an hour.
fn backoff(poll_interval: Duration, attempts: u32) -> Duration {
    let factor = 1u32.checked_shl(attempts).unwrap_or(u32::MAX);
    poll_interval.saturating_mul(factor).min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_between_attempts_doubles_up_to_an_hour() {
        let check = |poll_ms: u64, attempts: u32, expected: Duration| {
            assert_eq!(
                backoff(Duration::from_millis(poll_ms), attempts),
                expected,
                "{attempts}"
            );
        };
        check(1_000, 1, Duration::from_secs(2));
        check(1_000, 2, Duration::from_secs(4));
        check(1_000, 10, Duration::from_secs(1_024));
        check(1_000, 12, MAX_BACKOFF);
        check(1_000, 40, MAX_BACKOFF);
        check(10, 3, Duration::from_millis(80));
    }
}
