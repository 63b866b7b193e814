//! A bounded pool of password-hashing work, sized by a memory budget.
//!
//! Each Argon2id hash holds its whole memory cost while it runs, so the number that may run
//! at once is `budget ÷ memory per hash`. Beyond that, callers get [`PoolBusy`] at once (the
//! log-in answers 503 with `Retry-After`) instead of queueing into an out-of-memory; hashing
//! runs on blocking threads so the rest of the server stays responsive.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::model::SecretText;
use crate::model::hashing::{HashingError, PasswordHasher, Verification};

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("password hashing is at capacity; try again in a moment")]
pub struct PoolBusy;

#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    #[error(transparent)]
    Busy(#[from] PoolBusy),
    #[error(transparent)]
    Hashing(#[from] HashingError),
    #[error("the hashing task stopped unexpectedly")]
    Stopped,
}

#[derive(Clone)]
pub struct HashingPool {
    hasher: Arc<PasswordHasher>,
    permits: Arc<Semaphore>,
    slots: usize,
}

/// The right to run one hash now.
pub struct HashingSlot {
    hasher: Arc<PasswordHasher>,
    _permit: OwnedSemaphorePermit,
}

impl HashingPool {
    /// A pool running at most `memory_budget_bytes ÷ memory per hash` hashes at once (one
    /// at least).
    pub fn new(hasher: PasswordHasher, memory_budget_bytes: u64) -> Self {
        let per_hash = hasher.params().memory_bytes().max(1);
        let slots = usize::try_from(memory_budget_bytes / per_hash)
            .unwrap_or(usize::MAX)
            .clamp(1, Semaphore::MAX_PERMITS);
        Self {
            hasher: Arc::new(hasher),
            permits: Arc::new(Semaphore::new(slots)),
            slots,
        }
    }

    pub fn slots(&self) -> usize {
        self.slots
    }

    /// Takes a slot, or says at once that none is free.
    pub fn try_reserve(&self) -> Result<HashingSlot, PoolBusy> {
        let permit = self
            .permits
            .clone()
            .try_acquire_owned()
            .map_err(|_| PoolBusy)?;
        Ok(HashingSlot {
            hasher: self.hasher.clone(),
            _permit: permit,
        })
    }

    pub async fn hash(&self, password: SecretText) -> Result<String, PoolError> {
        self.try_reserve()?.hash(password).await
    }

    /// Verifies against `stored`, or spends the same work on a dummy hash when there is no
    /// account, so that both answers take as long.
    pub async fn verify(
        &self,
        password: SecretText,
        stored: Option<String>,
    ) -> Result<Verification, PoolError> {
        self.try_reserve()?.verify(password, stored).await
    }
}

impl HashingSlot {
    pub async fn hash(self, password: SecretText) -> Result<String, PoolError> {
        tokio::task::spawn_blocking(move || {
            let result = self.hasher.hash(&password);
            drop(self);
            result
        })
        .await
        .map_err(|_| PoolError::Stopped)?
        .map_err(PoolError::from)
    }

    pub async fn verify(
        self,
        password: SecretText,
        stored: Option<String>,
    ) -> Result<Verification, PoolError> {
        tokio::task::spawn_blocking(move || {
            let result = match stored {
                Some(stored) => self.hasher.verify(&password, &stored),
                None => {
                    self.hasher.verify_nobody(&password);
                    Ok(Verification::Invalid)
                }
            };
            drop(self);
            result
        })
        .await
        .map_err(|_| PoolError::Stopped)?
        .map_err(PoolError::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::hashing::HashingParams;

    fn pool(budget_mib: u64) -> HashingPool {
        HashingPool::new(
            PasswordHasher::new(HashingParams::default()).unwrap(),
            budget_mib * 1024 * 1024,
        )
    }

    #[test]
    fn the_pool_is_sized_by_the_memory_budget() {
        assert_eq!(pool(64).slots(), 3, "64 MiB holds three 19 MiB hashes");
        assert_eq!(pool(1).slots(), 1, "at least one");
    }

    #[tokio::test]
    async fn a_full_pool_refuses_at_once_and_frees_its_slots_after_use() {
        let pool = pool(40);
        let first = pool.try_reserve().unwrap();
        let second = pool.try_reserve().unwrap();
        assert!(matches!(pool.try_reserve(), Err(PoolBusy)));
        assert!(matches!(
            pool.hash(SecretText::new("x")).await,
            Err(PoolError::Busy(PoolBusy))
        ));
        let hash = first
            .hash(SecretText::new("violet-anchor-drizzle-87"))
            .await
            .unwrap();
        let verified = pool
            .verify(SecretText::new("violet-anchor-drizzle-87"), Some(hash))
            .await
            .unwrap();
        assert_eq!(
            verified,
            Verification::Valid {
                needs_rehash: false
            }
        );
        drop(second);
        assert_eq!(pool.permits.available_permits(), 2);
    }

    #[tokio::test]
    async fn an_unknown_account_is_refused_after_the_same_work() {
        let pool = pool(40);
        assert_eq!(
            pool.verify(SecretText::new("anything"), None)
                .await
                .unwrap(),
            Verification::Invalid
        );
    }
}
