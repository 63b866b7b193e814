//! A lease in the database that elects one node among several sharing it.
//!
//! The holder renews it every `renew` interval; a lease whose holder stopped renewing for
//! `ttl` may be taken by any other node. Background jobs run only while
//! [`Leadership::is_leader`] is true, so they run on exactly one node at a time.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::{Db, DbError};
use crate::clock::{Clock, Timestamp};

/// Takes or renews `name` for `holder`; true when `holder` holds it afterwards.
pub async fn try_acquire(
    db: &Db,
    name: &str,
    holder: &str,
    now: Timestamp,
    ttl: Duration,
) -> Result<bool, DbError> {
    let expires_at = now.plus(ttl).as_millis();
    let renewed = sqlx::query(
        "UPDATE leases SET holder = $2, expires_at = $3, \
         acquired_at = CASE WHEN holder = $2 THEN acquired_at ELSE $4 END \
         WHERE name = $1 AND (holder = $2 OR expires_at <= $4)",
    )
    .bind(name)
    .bind(holder)
    .bind(expires_at)
    .bind(now.as_millis())
    .execute(db.pool())
    .await?;
    if renewed.rows_affected() == 1 {
        return Ok(true);
    }
    let created = sqlx::query(
        "INSERT INTO leases (name, holder, acquired_at, expires_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(holder)
    .bind(now.as_millis())
    .bind(expires_at)
    .execute(db.pool())
    .await?;
    Ok(created.rows_affected() == 1)
}

/// Gives the lease up at once, so another node need not wait for it to expire.
pub async fn release(db: &Db, name: &str, holder: &str) -> Result<(), DbError> {
    sqlx::query("DELETE FROM leases WHERE name = $1 AND holder = $2")
        .bind(name)
        .bind(holder)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Whether this node currently holds the lease.
#[derive(Debug, Clone)]
pub struct Leadership {
    held: watch::Receiver<bool>,
}

impl Leadership {
    pub fn is_leader(&self) -> bool {
        *self.held.borrow()
    }

    /// Waits until leadership changes; false when the keeper stopped.
    pub async fn changed(&mut self) -> bool {
        self.held.changed().await.is_ok()
    }
}

/// What [`keep`] needs to run.
pub struct LeaseSettings {
    pub name: &'static str,
    pub holder: String,
    pub ttl: Duration,
    pub renew: Duration,
}

/// Runs the renew loop until `shutdown` resolves, then releases the lease if held.
pub fn keep(
    db: Db,
    clock: Arc<dyn Clock>,
    settings: LeaseSettings,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> (Leadership, tokio::task::JoinHandle<()>) {
    let (tx, rx) = watch::channel(false);
    let task = tokio::spawn(async move {
        tokio::pin!(shutdown);
        let mut last_renewal: Option<Instant> = None;
        loop {
            let held = match try_acquire(
                &db,
                settings.name,
                &settings.holder,
                clock.now(),
                settings.ttl,
            )
            .await
            {
                Ok(held) => {
                    last_renewal = held.then(Instant::now);
                    held
                }
                Err(err) => {
                    tracing::warn!(lease = settings.name, error = %err, "cannot renew the lease");
                    // Step down before another node may take over, without waiting for the database.
                    last_renewal.is_some_and(|at| at.elapsed() + settings.renew < settings.ttl)
                }
            };
            tx.send_if_modified(|current| {
                let changed = *current != held;
                if changed {
                    tracing::info!(lease = settings.name, holder = %settings.holder, held, "lease changed hands");
                }
                *current = held;
                changed
            });
            tokio::select! {
                () = &mut shutdown => break,
                () = tokio::time::sleep(settings.renew) => {}
            }
        }
        tx.send_replace(false);
        if let Err(err) = release(&db, settings.name, &settings.holder).await {
            tracing::warn!(lease = settings.name, error = %err, "cannot release the lease");
        }
    });
    (Leadership { held: rx }, task)
}
