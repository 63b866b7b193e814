//! The audit log in process, on its own database: appends from 64 concurrent readers through
//! the group-commit writer (SQLite, and PostgreSQL when it is installed), inclusion proofs
//! and checkpoints as the log grows to ten million entries, and `verify` over all of them.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use audit::model::entry::Draft;
use audit::model::note::SigningKey;
use audit::service::{AuditDeps, Progress, verify};
use audit::store::append;
use audit::{Actor, AuditLog, Event};
use platform::clock::{Clock, SystemClock};
use platform::config::Secret;
use platform::crypto::MasterKey;
use platform::db::{Db, migrate};

use super::CpuTime;
use crate::postgres::Cluster;

/// Concurrent readers of the append benchmark, as the issue asks.
pub(super) const READERS: usize = 64;
/// Entries per transaction when the log is filled in bulk.
const FILL_BATCH: usize = 5_000;
/// Tenants the generated entries are spread over.
const TENANTS: u64 = 100;
/// Proofs timed at each size.
const PROOFS: usize = 300;
/// Proofs of other random entries before those timed, as a server that has been answering
/// proofs has done: the tree's upper levels are then in memory, as they would be, while
/// the pages of the entries timed are still mostly untouched (2,000 proofs touch a few
/// percent of a ten-million-entry log's pages).
const WARM_UP_PROOFS: usize = 2_000;
/// Checkpoints timed at each size.
const CHECKPOINTS: usize = 30;

pub(super) struct Appends {
    pub engine: &'static str,
    pub per_second: f64,
    pub seconds: f64,
}

pub(super) struct ScalePoint {
    pub size: u64,
    pub proof_p50_ms: f64,
    pub proof_p99_ms: f64,
    pub checkpoint_p50_ms: f64,
    pub checkpoint_p99_ms: f64,
}

pub(super) struct Verified {
    pub entries: u64,
    pub seconds: f64,
    pub cpu: CpuTime,
}

impl Verified {
    pub fn per_second(&self) -> f64 {
        self.entries as f64 / self.seconds
    }

    /// Entries per second of CPU time, all threads of the verifying process together.
    pub fn per_cpu_second(&self) -> f64 {
        self.entries as f64 / (self.cpu.total() * self.seconds)
    }
}

pub(super) struct AuditFigures {
    pub appends: Vec<Appends>,
    pub fill_per_second: f64,
    pub scale: Vec<ScalePoint>,
    pub verified: Verified,
}

async fn fresh_log(url: &str) -> anyhow::Result<(Db, AuditLog)> {
    let db = Db::connect_url(&Secret::new(url.to_owned()), 8, Duration::from_secs(30)).await?;
    let migrations = [migrate::PLATFORM, audit::MIGRATIONS].concat();
    migrate::run(&db, &migrations, SystemClock.now()).await?;
    let log = AuditLog::new(AuditDeps {
        db: db.clone(),
        clock: Arc::new(SystemClock),
        signing_key: SigningKey::from_seed(&[7; 32], "bench.rampart/audit")?,
        master_key: Arc::new(MasterKey::from_bytes(&[9; 32])),
        record_reads: true,
        record_writes: true,
    });
    Ok((db, log))
}

fn tenant_of(index: u64) -> String {
    format!("ten_bench{:03}", index % TENANTS)
}

/// A read of one contact by a token, the most common entry of a busy log.
fn event(n: u64) -> Event {
    Event::new(
        Actor::token("tok_0193b4c7e5a77c3d9a0b1c2d3e4f5a6b"),
        "vault.contact.read",
    )
    .tenant(&tenant_of(n))
    .resource("contact", [format!("ctc_0193b4c7e5a77c3d{n:016x}")])
}

pub(super) async fn measure(
    seconds: u64,
    work: &std::path::Path,
    sizes: &[u64],
) -> anyhow::Result<AuditFigures> {
    let mut appends = Vec::new();
    let sqlite = format!("sqlite://{}/appends.db", work.display());
    appends.push(measure_appends("SQLite", &sqlite, seconds).await?);
    match Cluster::start() {
        Ok(cluster) => appends.push(measure_appends("PostgreSQL", &cluster.url, seconds).await?),
        Err(err) => eprintln!("xtask: no PostgreSQL for the append benchmark: {err:#}"),
    }
    let url = format!("sqlite://{}/scale.db", work.display());
    let (db, log) = fresh_log(&url).await?;
    let mut scale = Vec::new();
    let (mut filled, mut fill_seconds) = (0u64, 0f64);
    for &size in sizes {
        eprintln!("xtask: filling the audit log to {size} entries");
        let started = Instant::now();
        fill(&db, filled, size).await?;
        fill_seconds += started.elapsed().as_secs_f64();
        filled = size;
        scale.push(measure_at(&db, &log, size).await?);
        filled += CHECKPOINTS as u64;
    }
    eprintln!("xtask: verifying {filled} entries");
    let verified = measure_verify(&db, &log, filled).await?;
    db.close().await;
    Ok(AuditFigures {
        appends,
        fill_per_second: sizes.last().copied().unwrap_or(0) as f64 / fill_seconds,
        scale,
        verified,
    })
}

async fn measure_appends(engine: &'static str, url: &str, seconds: u64) -> anyhow::Result<Appends> {
    eprintln!("xtask: audited reads from {READERS} tasks on {engine} for {seconds} s");
    let (db, log) = fresh_log(url).await?;
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let readers: Vec<_> = (0..READERS as u64)
        .map(|reader| {
            let (log, stop, done) = (log.clone(), stop.clone(), done.clone());
            tokio::spawn(async move {
                let mut n = reader;
                while !stop.load(Ordering::Relaxed) {
                    if log.record_read(event(n)).await.is_ok() {
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                    n += READERS as u64;
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let elapsed = started.elapsed().as_secs_f64();
    let count = done.load(Ordering::Relaxed);
    for reader in readers {
        reader.await?;
    }
    db.close().await;
    Ok(Appends {
        engine,
        per_second: count as f64 / elapsed,
        seconds: elapsed,
    })
}

/// Appends entries `from..to` in large transactions, as fast as the store takes them.
async fn fill(db: &Db, from: u64, to: u64) -> anyhow::Result<()> {
    let now = SystemClock.now();
    let mut next = from;
    while next < to {
        let count = (to - next).min(FILL_BATCH as u64);
        let drafts = (next..next + count)
            .map(|n| Draft {
                time: now,
                event: event(n),
                request_id: Some(format!("req_0193b4c7e5a77c3d{n:016x}")),
                client_ip: Some("192.0.2.10".into()),
            })
            .collect();
        let mut tx = db.begin().await?;
        append::append(&mut tx, drafts).await?;
        tx.commit().await?;
        next += count;
    }
    Ok(())
}

/// Proof latency at random entries, and the time to sign a checkpoint after one append.
async fn measure_at(db: &Db, log: &AuditLog, size: u64) -> anyhow::Result<ScalePoint> {
    log.checkpoint_if_grown()
        .await?
        .context("the filled log was not checkpointed")?;
    let mut proofs = Vec::with_capacity(PROOFS);
    let mut state = 0x9e37_79b9_7f4a_7c15u64 ^ size;
    for n in 0..WARM_UP_PROOFS + PROOFS {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let index = state % size;
        let actor = Actor::token("tok_bench");
        let started = Instant::now();
        log.inclusion_proof(&actor, &tenant_of(index), index, Some(size))
            .await?;
        if n >= WARM_UP_PROOFS {
            proofs.push(started.elapsed());
        }
    }
    let mut checkpoints = Vec::with_capacity(CHECKPOINTS);
    for n in 0..CHECKPOINTS as u64 {
        let mut tx = db.begin().await?;
        log.record(&mut tx, event(size + n)).await?;
        tx.commit().await?;
        let started = Instant::now();
        log.checkpoint_if_grown()
            .await?
            .context("no checkpoint after an append")?;
        checkpoints.push(started.elapsed());
    }
    let ms = |samples: &mut Vec<Duration>, q: f64| {
        samples.sort_unstable();
        super::serving::quantile_ms(samples, q)
    };
    Ok(ScalePoint {
        size,
        proof_p50_ms: ms(&mut proofs, 0.5),
        proof_p99_ms: ms(&mut proofs, 0.99),
        checkpoint_p50_ms: ms(&mut checkpoints, 0.5),
        checkpoint_p99_ms: ms(&mut checkpoints, 0.99),
    })
}

struct Quiet;

impl Progress for Quiet {
    fn start(&mut self, _: u64) {}
    fn advance(&mut self, _: u64) {}
}

async fn measure_verify(db: &Db, log: &AuditLog, expected: u64) -> anyhow::Result<Verified> {
    let before = CpuTime::of(std::process::id());
    let started = Instant::now();
    let report = verify(db, log.verifier_key(), &mut Quiet).await?;
    let seconds = started.elapsed().as_secs_f64();
    let cpu = CpuTime::of(std::process::id()).cores_since(before, seconds);
    anyhow::ensure!(
        report.entries == expected,
        "verify saw {} entries, expected {expected}",
        report.entries
    );
    Ok(Verified {
        entries: report.entries,
        seconds,
        cpu,
    })
}
