//! `TestLog`: an [`AuditLog`] over a fresh, migrated database (SQLite in a temporary folder,
//! or a new PostgreSQL database when `RAMPART_TEST_POSTGRES_URL` is set), a clock the test
//! moves, and the helpers the tests share.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use audit::model::entry::Entry;
use audit::model::merkle::Hash;
use audit::service::{AuditDeps, Progress, VerifyError, VerifyReport};
use audit::store::{checkpoints, entries};
use audit::{Actor, AuditLog, Event, Outcome, RequestMeta};
use platform::clock::{Clock, Timestamp};
use platform::config::Secret;
use platform::crypto::MasterKey;
use platform::db::Db;
use tempfile::TempDir;

/// The log's name in checkpoints.
pub const ORIGIN: &str = "test.rampart/audit";

/// 2026-01-01T00:00:00Z.
const START: i64 = 1_767_225_600_000;

/// A clock that moves only when the test moves it.
#[derive(Debug)]
pub struct TestClock(AtomicI64);

impl TestClock {
    pub fn advance(&self, millis: i64) {
        self.0.fetch_add(millis, Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_millis(self.0.load(Ordering::SeqCst))
    }
}

pub struct TestLog {
    pub log: AuditLog,
    pub clock: Arc<TestClock>,
    _dir: TempDir,
}

impl TestLog {
    /// A log over a fresh database, signing with the key of seed `[key_seed; 32]`.
    pub async fn start(key_seed: u8) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = fresh_database_url(dir.path()).await;
        let db = Db::connect_url(&Secret::new(url), 4, Duration::from_secs(30))
            .await
            .unwrap();
        let migrations = [platform::db::migrate::PLATFORM, audit::MIGRATIONS].concat();
        platform::db::migrate::run(&db, &migrations, Timestamp::from_millis(START))
            .await
            .unwrap();
        let key_file = dir.path().join("master.key");
        std::fs::write(&key_file, hex::encode([0x5a; 32])).unwrap();
        let clock = Arc::new(TestClock(AtomicI64::new(START)));
        let log = AuditLog::new(AuditDeps {
            db,
            clock: clock.clone(),
            signing_key: audit::model::note::SigningKey::from_seed(&[key_seed; 32], ORIGIN)
                .unwrap(),
            master_key: Arc::new(MasterKey::from_file(&key_file).unwrap()),
            record_reads: true,
            record_writes: true,
        });
        Self {
            log,
            clock,
            _dir: dir,
        }
    }

    pub fn db(&self) -> &Db {
        self.log.db()
    }

    /// Records `event` in a transaction of its own, the way a feature records a write.
    pub async fn record(&self, event: Event) -> u64 {
        let mut tx = self.db().begin().await.unwrap();
        let index = self.log.record(&mut tx, event).await.unwrap().unwrap();
        tx.commit().await.unwrap();
        index
    }

    /// Records `event` as if during a request with this id and client address.
    pub async fn record_in_request(&self, event: Event, meta: RequestMeta) -> u64 {
        meta.scope(self.record(event)).await
    }

    /// Records log-ins `range` (their indexes), signing a checkpoint whenever the size is a
    /// multiple of `every`.
    pub async fn fill(&self, range: std::ops::Range<u64>, every: u64) {
        for i in range {
            self.clock.advance(1);
            assert_eq!(self.record(login(i)).await, i);
            if (i + 1) % every == 0 {
                self.log.checkpoint_if_grown().await.unwrap().unwrap();
            }
        }
    }

    pub async fn entry(&self, index: u64) -> Entry {
        let mut conn = self.db().connection().await.unwrap();
        entries::get(&mut conn, index).await.unwrap().unwrap()
    }

    /// The stored checkpoints' roots by tree size.
    pub async fn checkpoint_root(&self, tree_size: u64) -> Hash {
        let mut conn = self.db().connection().await.unwrap();
        let row = checkpoints::of_size(&mut conn, tree_size)
            .await
            .unwrap()
            .unwrap();
        let root = Hash::try_from(row.root_hash.as_slice()).unwrap();
        let signed = self.log.verifier_key().open(&row.note).unwrap();
        assert_eq!((signed.tree_size, signed.root), (tree_size, root));
        root
    }

    /// Runs raw SQL behind the log's back, as someone with database access could.
    pub async fn tamper(&self, statements: &[&str]) {
        let mut tx = self.db().begin().await.unwrap();
        for statement in statements {
            let done = sqlx::query(statement).execute(&mut *tx).await.unwrap();
            assert_eq!(done.rows_affected(), 1, "{statement}");
        }
        tx.commit().await.unwrap();
    }

    pub async fn verify(&self) -> Result<VerifyReport, VerifyError> {
        audit::service::verify(self.db(), self.log.verifier_key(), &mut NoProgress).await
    }
}

struct NoProgress;

impl Progress for NoProgress {
    fn start(&mut self, _total: u64) {}
    fn advance(&mut self, _done: u64) {}
}

/// The PostgreSQL server the suite runs against, when it runs against one.
fn postgres_admin_url() -> Option<String> {
    std::env::var("RAMPART_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// A fresh, empty database: a new SQLite file in `dir`, or a new PostgreSQL database.
async fn fresh_database_url(dir: &std::path::Path) -> String {
    match postgres_admin_url() {
        None => format!("sqlite://{}/audit.db", dir.display()),
        Some(admin) => {
            let name = platform::ids::new_id("test");
            let db = Db::connect_url(&Secret::new(admin.clone()), 1, Duration::from_secs(10))
                .await
                .unwrap();
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(db.pool())
                .await
                .unwrap();
            db.close().await;
            let mut url = url::Url::parse(&admin).unwrap();
            url.set_path(&name);
            url.to_string()
        }
    }
}

/// A plain log-in of user `i` in tenant `ten_a`.
pub fn login(i: u64) -> Event {
    Event::new(Actor::user(&format!("usr_{i}")), "identity.login")
        .tenant("ten_a")
        .resource("session", [format!("ses_{i}")])
}

/// Event `i` of a mixed history: every actor kind and outcome, zero to three resource ids
/// (some needing JSON escapes), purposes, and non-ASCII text. Every event has a tenant, so
/// that each entry's inclusion proof can be asked for.
pub fn varied_event(log: &AuditLog, i: u64) -> Event {
    let actor = match i % 5 {
        0 => Actor::user(&format!("usr_{i:04}")),
        1 => Actor::token(&format!("tok_{}", i * 7919)),
        2 => Actor::staff(&log.staff_pseudonym(&format!("stf_{}", i % 3))),
        3 => Actor::system("cli"),
        _ => Actor::anonymous(),
    };
    let action = [
        "identity.login",
        "vault.contact.read",
        "lockbox.file.download",
        "identity.token.create",
        "billing.invoice.read",
        "privacy.export",
    ][usize::try_from(i % 6).unwrap()];
    let ids: Vec<String> = match i % 4 {
        0 => Vec::new(),
        1 => vec![format!("ctc_{i}")],
        2 => vec![format!("ctc_{i}"), "with \"quotes\" and \\".into()],
        _ => vec![format!("doc_{i}"), "Ærø—ключ—鍵".into(), String::new()],
    };
    let mut event = Event::new(actor, action)
        .tenant(tenant_of(i))
        .resource(
            ["contact", "file", "user", ""][usize::try_from(i % 4).unwrap()],
            ids,
        )
        .outcome(
            [Outcome::Allowed, Outcome::Denied, Outcome::Failed][usize::try_from(i % 3).unwrap()],
        );
    if i % 7 == 0 {
        event = event.purpose(&format!("tkt_{i}"), &format!("grt_{}", i / 7));
    }
    event
}

/// The tenant of [`varied_event`] `i`.
pub fn tenant_of(i: u64) -> &'static str {
    ["ten_alpha", "ten_beta", "ten_gamma"][usize::try_from(i % 3).unwrap()]
}

/// The request [`varied_event`] `i` is recorded in: none, IPv4 or IPv6.
pub fn varied_request(i: u64) -> RequestMeta {
    match i % 3 {
        0 => RequestMeta::default(),
        1 => RequestMeta {
            request_id: Some(format!("req_{i:032}")),
            client_ip: Some(format!("192.0.2.{}", i % 256)),
        },
        _ => RequestMeta {
            request_id: Some(format!("req_{i:032}")),
            client_ip: Some("2001:db8::1".into()),
        },
    }
}

/// A small deterministic generator (SplitMix64), so a failure names the same pairs again.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `low..=high`.
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }
}

pub fn hexes(hashes: &[Hash]) -> Vec<String> {
    hashes.iter().map(hex::encode).collect()
}
