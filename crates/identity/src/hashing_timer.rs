//! Timing Argon2id at the configured parameters on this machine, as the hashing pool's
//! workers run it (one reused working memory per thread). `rampart admin hashing time`
//! prints it, so that an operator choosing `identity.hash_*` sees what one hash costs and
//! how many log-ins a second the machine can verify; the benchmark takes its Argon2id bound
//! from the same command, so that the bound is timed by the binary that serves.

use std::sync::Barrier;
use std::time::{Duration, Instant};

use crate::model::SecretText;
use crate::model::hashing::{HashingError, HashingMemory, HashingParams, PasswordHasher};

/// What a timing run measured.
#[derive(Debug, Clone)]
pub struct HashTimes {
    pub params: HashingParams,
    /// Threads hashing at once.
    pub threads: usize,
    /// Each timed hash, in the order they ran (one thread's alone when `threads` is 1).
    pub samples: Vec<Duration>,
    /// Hashes per second over all threads, from the first timed hash to the last.
    pub per_second: f64,
}

impl HashTimes {
    /// The median of the timed hashes.
    pub fn median(&self) -> Duration {
        let mut sorted = self.samples.clone();
        sorted.sort();
        sorted.get(sorted.len() / 2).copied().unwrap_or_default()
    }
}

/// Hashes `warm_up` times (the first hashes fault their memory in), then times `count`
/// hashes, on each of `threads` threads started together.
pub fn time_hashes(
    params: HashingParams,
    threads: usize,
    count: usize,
    warm_up: usize,
) -> Result<HashTimes, HashingError> {
    let hasher = PasswordHasher::new(params)?;
    let threads = threads.max(1);
    let start = Barrier::new(threads + 1);
    let (samples, elapsed) = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| scope.spawn(|| time_on_this_thread(&hasher, &start, count, warm_up)))
            .collect();
        start.wait();
        let started = Instant::now();
        let mut samples = Vec::with_capacity(threads * count);
        for worker in workers {
            samples.extend(worker.join().map_err(|_| HashingError::Failed)??);
        }
        Ok::<_, HashingError>((samples, started.elapsed()))
    })?;
    Ok(HashTimes {
        params,
        threads,
        per_second: samples.len() as f64 / elapsed.as_secs_f64().max(f64::EPSILON),
        samples,
    })
}

fn time_on_this_thread(
    hasher: &PasswordHasher,
    start: &Barrier,
    count: usize,
    warm_up: usize,
) -> Result<Vec<Duration>, HashingError> {
    let mut memory = HashingMemory::new();
    let password = SecretText::new("a password of no account, timed");
    for _ in 0..warm_up {
        hasher.hash_in(&password, &mut memory)?;
    }
    start.wait();
    (0..count)
        .map(|_| {
            let started = Instant::now();
            hasher.hash_in(&password, &mut memory)?;
            Ok(started.elapsed())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_every_hash_of_every_thread() {
        let times = time_hashes(HashingParams::default(), 2, 3, 1).unwrap();
        assert_eq!(times.samples.len(), 6);
        assert!(times.samples.iter().all(|d| !d.is_zero()));
        assert!(times.per_second > 0.0);
        assert!(times.median() >= *times.samples.iter().min().unwrap());
    }

    #[test]
    fn parameters_below_the_minimum_are_refused() {
        let weak = HashingParams {
            memory_kib: 1024,
            ..HashingParams::default()
        };
        assert!(matches!(
            time_hashes(weak, 1, 1, 0),
            Err(HashingError::TooWeak)
        ));
    }
}
