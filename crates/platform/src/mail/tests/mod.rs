//! The mailer end to end: a real database (SQLite in a temporary folder, or PostgreSQL when
//! `RAMPART_TEST_POSTGRES_URL` is set), the real lettre client, and the SMTP sink.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tempfile::TempDir;

use super::*;
use crate::clock::{Clock, Timestamp};
use crate::config::{MailConfig, Secret};
use crate::db::{Db, migrate};
use crate::testing::{ReceivedMail, SmtpSink};

mod queueing;
mod secrets;
mod smtp;

const WAIT: Duration = Duration::from_secs(10);

/// A clock that moves only when told to, so retry delays pass without waiting.
struct TestClock(AtomicI64);

impl Clock for TestClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_millis(self.0.load(Ordering::SeqCst))
    }
}

struct Harness {
    dir: TempDir,
    db: Db,
    clock: Arc<TestClock>,
}

impl Harness {
    async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = fresh_database_url(&dir).await;
        let db = Db::connect_url(&Secret::new(url), 4, Duration::from_secs(10))
            .await
            .unwrap();
        let clock = Arc::new(TestClock(AtomicI64::new(1_750_000_000_000)));
        migrate::run(&db, migrate::PLATFORM, clock.now())
            .await
            .unwrap();
        Self { dir, db, clock }
    }

    fn now(&self) -> Timestamp {
        self.clock.now()
    }

    fn advance(&self, by: Duration) {
        let millis = i64::try_from(by.as_millis()).unwrap();
        self.clock.0.fetch_add(millis, Ordering::SeqCst);
    }

    fn mailer(&self, config: &MailConfig, node: &str) -> Mailer {
        let transport = Transport::from_config(config, self.dir.path()).unwrap();
        let clock: Arc<dyn Clock> = self.clock.clone();
        Mailer::new(self.db.clone(), clock, transport, config, node.to_owned()).unwrap()
    }

    async fn enqueue(&self, mail: &OutgoingMail) -> String {
        enqueue(self.db.pool(), mail, self.now()).await.unwrap()
    }

    async fn state(&self, id: &str) -> MailState {
        state(&self.db, id).await.unwrap().unwrap()
    }
}

/// A new SQLite file in `dir`, or a new database on the PostgreSQL server of the test run.
async fn fresh_database_url(dir: &TempDir) -> String {
    let Some(admin) = std::env::var("RAMPART_TEST_POSTGRES_URL")
        .ok()
        .filter(|url| !url.is_empty())
    else {
        return format!("sqlite://{}/rampart.db", dir.path().display());
    };
    let name = crate::ids::new_id("test");
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

fn smtp_config(url: &str) -> MailConfig {
    MailConfig {
        smtp_url: Some(Secret::new(url.to_owned())),
        from: "Rampart <rampart@example.com>".to_owned(),
        max_attempts: 5,
        poll_interval_ms: 1_000,
    }
}

fn mail(to: &str, subject: &str) -> OutgoingMail {
    OutgoingMail {
        to: to.to_owned(),
        subject: subject.to_owned(),
        text: format!(
            "Hello,\n\nfollow https://rampart.example/reset?token=abc=123 ({subject}).\n"
        ),
    }
}
