//! Password hashing on a bounded pool of dedicated threads.
//!
//! Each Argon2id hash holds its whole memory cost while it runs, so the memory budget
//! bounds how many may run at once; running more than there are cores gains nothing, so the
//! pool runs `min(budget ÷ memory per hash, cores)` workers. Each worker keeps its working
//! memory from hash to hash (no heap growth under load) and runs at the lowest CPU priority,
//! so a flood of log-ins uses the idle CPU without slowing every other request. A bounded
//! queue absorbs bursts; a caller that finds it full waits up to `max_wait` for a place
//! (waiting costs no CPU, unlike a client retrying at once), then gets [`PoolBusy`] (the
//! log-in answers 503 with `Retry-After`): work never piles up towards an out-of-memory.

use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use thread_priority::{ThreadPriority, set_current_thread_priority};
use tokio::sync::{Semaphore, oneshot};

use crate::huge_pages::HugePages;
use crate::model::SecretText;
use crate::model::hashing::{HashingError, HashingMemory, PasswordHasher, Verification};

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("password hashing is at capacity; try again in a moment")]
pub struct PoolBusy;

#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    #[error(transparent)]
    Busy(#[from] PoolBusy),
    #[error(transparent)]
    Hashing(#[from] HashingError),
    #[error("the hashing workers stopped")]
    Stopped,
}

enum Work {
    Hash(SecretText),
    /// Verify against a stored hash, or against a dummy one when there is no account, so
    /// that both answers take as long.
    Verify(SecretText, Option<String>),
}

enum Done {
    Hashed(String),
    Verified(Verification),
}

struct Job {
    work: Work,
    reply: oneshot::Sender<Result<Done, HashingError>>,
}

/// The sizes the pool was built with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolSize {
    /// Hashes that may hold their memory at once, from the budget.
    pub memory_slots: usize,
    /// Hashes running at once.
    pub workers: usize,
    /// Requests that may wait for a worker.
    pub queue: usize,
    /// How long a request may wait for a place in the queue.
    pub max_wait: Duration,
}

impl PoolSize {
    pub fn new(
        memory_budget_bytes: u64,
        memory_per_hash: u64,
        cores: usize,
        max_wait: Duration,
    ) -> Self {
        let memory_slots = usize::try_from(memory_budget_bytes / memory_per_hash.max(1))
            .unwrap_or(usize::MAX)
            .max(1);
        let workers = memory_slots.min(cores.max(1));
        // A few hashes' worth of waiting per worker: a burst is served within a fraction of a
        // second, and a flood is turned away at once instead of piling up.
        let queue = memory_slots.max(4 * workers);
        Self {
            memory_slots,
            workers,
            queue,
            max_wait,
        }
    }
}

#[derive(Clone)]
pub struct HashingPool {
    jobs: SyncSender<Job>,
    /// A place in the queue or at a worker; held until the answer comes back.
    places: Arc<Semaphore>,
    size: PoolSize,
}

impl HashingPool {
    /// Starts the workers: as many as the memory budget and the machine's cores allow.
    pub fn new(
        hasher: PasswordHasher,
        memory_budget_bytes: u64,
        max_wait: Duration,
    ) -> Result<Self, std::io::Error> {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let per_hash = hasher.params().memory_bytes();
        if HugePages::of_this_machine() == HugePages::Never {
            tracing::warn!(
                setting = HugePages::SETTING,
                "transparent huge pages are off (never): password hashing runs about a tenth \
                 slower; set the setting to madvise to speed up log-ins"
            );
        }
        let size = PoolSize::new(memory_budget_bytes, per_hash, cores, max_wait);
        Self::with_size(hasher, size)
    }

    pub fn with_size(hasher: PasswordHasher, size: PoolSize) -> Result<Self, std::io::Error> {
        let places = Arc::new(Semaphore::new(size.queue + size.workers));
        let (jobs, queue) = sync_channel(size.queue + size.workers);
        let queue = Arc::new(Mutex::new(queue));
        let hasher = Arc::new(hasher);
        for n in 0..size.workers {
            let (queue, hasher) = (queue.clone(), hasher.clone());
            std::thread::Builder::new()
                .name(format!("rampart-hash-{n}"))
                .spawn(move || work(&queue, &hasher))?;
        }
        Ok(Self { jobs, places, size })
    }

    pub fn size(&self) -> PoolSize {
        self.size
    }

    pub async fn hash(&self, password: SecretText) -> Result<String, PoolError> {
        match self.submit(Work::Hash(password)).await? {
            Done::Hashed(hash) => Ok(hash),
            Done::Verified(_) => Err(PoolError::Stopped),
        }
    }

    /// Verifies against `stored`, or spends the same work on a dummy hash when there is no
    /// account.
    pub async fn verify(
        &self,
        password: SecretText,
        stored: Option<String>,
    ) -> Result<Verification, PoolError> {
        match self.submit(Work::Verify(password, stored)).await? {
            Done::Verified(verification) => Ok(verification),
            Done::Hashed(_) => Err(PoolError::Stopped),
        }
    }

    async fn submit(&self, work: Work) -> Result<Done, PoolError> {
        let place = tokio::time::timeout(self.size.max_wait, self.places.clone().acquire_owned())
            .await
            .map_err(|_| PoolBusy)?
            .map_err(|_| PoolError::Stopped)?;
        let (reply, answer) = oneshot::channel();
        match self.jobs.try_send(Job { work, reply }) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => return Err(PoolBusy.into()),
            Err(TrySendError::Disconnected(_)) => return Err(PoolError::Stopped),
        }
        let done = answer.await.map_err(|_| PoolError::Stopped)?;
        drop(place);
        Ok(done?)
    }
}

/// One worker: lowest priority, its own working memory, jobs until the pool is dropped.
fn work(queue: &Mutex<Receiver<Job>>, hasher: &PasswordHasher) {
    if let Err(err) = set_current_thread_priority(ThreadPriority::Min) {
        tracing::debug!(error = ?err, "cannot lower the priority of a hashing thread");
    }
    let mut memory = HashingMemory::new();
    loop {
        let job = match queue.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        let Ok(Job { work, reply }) = job else {
            return;
        };
        let done = match work {
            Work::Hash(password) => hasher.hash_in(&password, &mut memory).map(Done::Hashed),
            Work::Verify(password, Some(stored)) => hasher
                .verify_in(&password, &stored, &mut memory)
                .map(Done::Verified),
            Work::Verify(password, None) => {
                hasher.verify_nobody_in(&password, &mut memory);
                Ok(Done::Verified(Verification::Invalid))
            }
        };
        // The caller may have gone (a closed connection); the work is simply dropped.
        let _ = reply.send(done);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::hashing::HashingParams;

    const MIB: u64 = 1024 * 1024;

    #[test]
    fn the_pool_runs_no_more_hashes_than_memory_or_cores_allow() {
        let check = |budget_mib: u64, cores: usize, expected: (usize, usize, usize)| {
            let size = PoolSize::new(budget_mib * MIB, 19 * MIB, cores, Duration::ZERO);
            assert_eq!(
                (size.memory_slots, size.workers, size.queue),
                expected,
                "{budget_mib} MiB, {cores} cores"
            );
        };
        check(256, 2, (13, 2, 13));
        check(64, 8, (3, 3, 12));
        check(1, 4, (1, 1, 4));
    }

    #[tokio::test]
    async fn hashes_verify_and_unknown_accounts_are_refused_after_the_same_work() {
        let hasher = PasswordHasher::new(HashingParams::default()).unwrap();
        let pool = HashingPool::new(hasher, 40 * MIB, Duration::from_secs(1)).unwrap();
        let password = SecretText::new("violet-anchor-drizzle-87");
        let hash = pool.hash(password.clone()).await.unwrap();
        let verified = pool.verify(password.clone(), Some(hash)).await.unwrap();
        assert_eq!(
            verified,
            Verification::Valid {
                needs_rehash: false
            }
        );
        assert_eq!(
            pool.verify(password, None).await.unwrap(),
            Verification::Invalid
        );
    }

    #[tokio::test]
    async fn a_full_queue_refuses_once_the_wait_is_over() {
        let hasher = PasswordHasher::new(HashingParams::default()).unwrap();
        let size = PoolSize {
            memory_slots: 1,
            workers: 1,
            queue: 1,
            max_wait: Duration::from_millis(1),
        };
        let pool = HashingPool::with_size(hasher, size).unwrap();
        let attempts = (0..8).map(|_| pool.verify(SecretText::new("x"), None));
        let results = futures_util::future::join_all(attempts).await;
        let busy = results
            .iter()
            .filter(|r| matches!(r, Err(PoolError::Busy(PoolBusy))))
            .count();
        assert!(
            busy >= 1,
            "one worker and one queued job cannot take eight at once"
        );
        assert!(busy < 8, "some are served");
    }
}
