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

#[tokio::test]
async fn queued_mail_arrives_at_the_smtp_server_with_its_subject_and_body() {
    let h = Harness::new().await;
    let sink = SmtpSink::start().await.unwrap();
    let mailer = h.mailer(&smtp_config(&sink.url()), "node-a");
    let outgoing = OutgoingMail {
        to: "ada@example.com".to_owned(),
        subject: "Réinitialisez votre mot de passe".to_owned(),
        text: "Bonjour Ada,\n\nvoici le lien : https://rampart.example/reset?token=abc=123\n"
            .to_owned(),
    };
    let mut tx = h.db.pool().begin().await.unwrap();
    let id = enqueue(&mut *tx, &outgoing, h.now()).await.unwrap();
    tx.commit().await.unwrap();

    assert_eq!(mailer.deliver_due().await.unwrap(), 1);

    let received = sink.wait_for(|_| true, WAIT).await.unwrap();
    assert_eq!(received.from, "rampart@example.com");
    assert_eq!(received.to, ["ada@example.com"]);
    assert_eq!(
        received.subject().as_deref(),
        Some(outgoing.subject.as_str())
    );
    assert_eq!(received.body().trim_end(), outgoing.text.trim_end());
    assert_eq!(
        received.header("Message-ID"),
        Some(format!("<{id}@example.com>"))
    );
    assert!(
        received
            .header("Content-Type")
            .unwrap()
            .starts_with("text/plain; charset=utf-8")
    );
    let state = h.state(&id).await;
    assert_eq!(state.status, DeliveryStatus::Sent);
    assert_eq!(state.sent_at, Some(h.now()));
    assert_eq!(mailer.deliver_due().await.unwrap(), 0, "sent once only");
    assert_eq!(sink.messages().len(), 1);
}

#[tokio::test]
async fn mail_queued_while_the_smtp_server_is_down_stays_pending_and_arrives_once_it_is_up() {
    let h = Harness::new().await;
    let port = SmtpSink::start().await.unwrap().stop().await;
    let mailer = h.mailer(&smtp_config(&format!("smtp://127.0.0.1:{port}")), "node-a");
    let id = h.enqueue(&mail("ada@example.com", "while down")).await;

    assert_eq!(mailer.deliver_due().await.unwrap(), 0);
    let state = h.state(&id).await;
    assert_eq!(state.status, DeliveryStatus::Pending);
    assert_eq!(state.attempts, 1);
    assert_eq!(
        state.last_error.as_deref(),
        Some("cannot connect to the smtp server")
    );
    assert_eq!(state.next_attempt_at, h.now().plus(Duration::from_secs(2)));
    assert_eq!(mailer.deliver_due().await.unwrap(), 0, "not due yet");
    assert_eq!(h.state(&id).await.attempts, 1);

    let sink = SmtpSink::start_on(port).await.unwrap();
    h.advance(Duration::from_secs(2));
    assert_eq!(mailer.deliver_due().await.unwrap(), 1);
    let received = sink.wait_for(|_| true, WAIT).await.unwrap();
    assert_eq!(received.subject().as_deref(), Some("while down"));
    let state = h.state(&id).await;
    assert_eq!((state.status, state.attempts), (DeliveryStatus::Sent, 2));
}

#[tokio::test]
async fn mail_is_given_up_and_kept_as_failed_after_the_configured_attempts() {
    let h = Harness::new().await;
    let port = SmtpSink::start().await.unwrap().stop().await;
    let mut config = smtp_config(&format!("smtp://127.0.0.1:{port}"));
    config.max_attempts = 2;
    let mailer = h.mailer(&config, "node-a");
    let id = h.enqueue(&mail("ada@example.com", "never")).await;

    for _ in 0..4 {
        assert_eq!(mailer.deliver_due().await.unwrap(), 0);
        h.advance(Duration::from_secs(3600));
    }
    let state = h.state(&id).await;
    assert_eq!((state.status, state.attempts), (DeliveryStatus::Failed, 2));
    assert!(state.last_error.is_some());
}

#[tokio::test]
async fn mail_queued_in_a_rolled_back_transaction_is_never_sent() {
    let h = Harness::new().await;
    let sink = SmtpSink::start().await.unwrap();
    let mailer = h.mailer(&smtp_config(&sink.url()), "node-a");
    let mut tx = h.db.pool().begin().await.unwrap();
    let id = enqueue(&mut *tx, &mail("ada@example.com", "rolled back"), h.now())
        .await
        .unwrap();
    tx.rollback().await.unwrap();

    assert_eq!(mailer.deliver_due().await.unwrap(), 0);
    assert_eq!(state(&h.db, &id).await.unwrap(), None);
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn without_smtp_each_message_is_written_as_one_readable_eml_file() {
    let h = Harness::new().await;
    let config = MailConfig {
        smtp_url: None,
        ..smtp_config("")
    };
    let mailer = h.mailer(&config, "node-a");
    let first = h.enqueue(&mail("ada@example.com", "first")).await;
    let second = h.enqueue(&mail("grace@example.com", "second")).await;

    assert_eq!(mailer.deliver_due().await.unwrap(), 2);

    let folder = h.dir.path().join("mail");
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, [format!("{first}.eml"), format!("{second}.eml")]);
    let file = folder.join(format!("{second}.eml"));
    let written = ReceivedMail {
        from: String::new(),
        to: Vec::new(),
        data: std::fs::read_to_string(&file).unwrap(),
    };
    assert_eq!(written.header("To").as_deref(), Some("grace@example.com"));
    assert_eq!(written.subject().as_deref(), Some("second"));
    assert_eq!(written.body().trim_end(), mail("", "second").text.trim_end());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode();
        assert_eq!(mode(&file) & 0o777, 0o600);
        assert_eq!(mode(&folder) & 0o777, 0o700);
    }
    assert_eq!(h.state(&first).await.status, DeliveryStatus::Sent);
}

#[tokio::test]
async fn a_recipient_that_is_not_a_mail_address_is_refused_and_not_stored() {
    let h = Harness::new().await;
    let mailer = h.mailer(&MailConfig::default(), "node-a");
    for bad in [
        "",
        "ada",
        "ada@",
        "@example.com",
        "Ada <ada@example.com>",
        "ada@example.com\r\nBcc: eve@example.com",
        "ada@example.com, eve@example.com",
    ] {
        let result = enqueue(h.db.pool(), &mail(bad, "bad"), h.now()).await;
        assert!(
            matches!(result, Err(EnqueueError::InvalidRecipient(_))),
            "{bad:?}"
        );
    }
    assert_eq!(mailer.deliver_due().await.unwrap(), 0);
}

#[tokio::test]
async fn two_mailers_sharing_the_database_send_each_message_once() {
    let h = Harness::new().await;
    let sink = SmtpSink::start().await.unwrap();
    let config = smtp_config(&sink.url());
    let (a, b) = (h.mailer(&config, "node-a"), h.mailer(&config, "node-b"));
    for n in 0..25 {
        h.enqueue(&mail("ada@example.com", &format!("message {n}")))
            .await;
    }
    let mut delivered = 0;
    loop {
        let (from_a, from_b) = tokio::join!(a.deliver_due(), b.deliver_due());
        let sent = from_a.unwrap() + from_b.unwrap();
        if sent == 0 {
            break;
        }
        delivered += sent;
    }
    assert_eq!(delivered, 25);
    let mut subjects: Vec<String> = sink
        .messages()
        .iter()
        .filter_map(ReceivedMail::subject)
        .collect();
    subjects.sort();
    subjects.dedup();
    assert_eq!(subjects.len(), 25);
    assert_eq!(sink.messages().len(), 25);
}

#[tokio::test]
async fn a_notified_mailer_sends_at_once_and_stops_at_shutdown() {
    let h = Harness::new().await;
    let sink = SmtpSink::start().await.unwrap();
    let mut config = smtp_config(&sink.url());
    config.poll_interval_ms = 3_600_000;
    let mailer = h.mailer(&config, "node-a");
    h.enqueue(&mail("ada@example.com", "before start")).await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(mailer.clone().run(async {
        let _ = stopped.await;
    }));
    assert!(
        sink.wait_for(|m| m.subject().as_deref() == Some("before start"), WAIT)
            .await
            .is_some()
    );

    h.enqueue(&mail("ada@example.com", "after notify")).await;
    mailer.notify();
    assert!(
        sink.wait_for(|m| m.subject().as_deref() == Some("after notify"), WAIT)
            .await
            .is_some()
    );

    stop.send(()).unwrap();
    tokio::time::timeout(WAIT, running).await.unwrap().unwrap();
}

/// Collects what the log subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_smtp_password_never_reaches_the_outbox_the_log_or_an_error() {
    let log = Captured::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let h = Harness::new().await;
    let sink = SmtpSink::start().await.unwrap();
    sink.reject_logins(true);
    let url = format!("smtp://rampart:SECRETPASS@127.0.0.1:{}", sink.port());
    let mailer = h.mailer(&smtp_config(&url), "node-a");
    let id = h.enqueue(&mail("ada@example.com", "with login")).await;

    assert_eq!(mailer.deliver_due().await.unwrap(), 0);
    let refused = h.state(&id).await;
    assert_eq!(
        refused.last_error.as_deref(),
        Some("smtp server refused (535)")
    );

    let port = sink.stop().await;
    h.advance(Duration::from_secs(3600));
    assert_eq!(mailer.deliver_due().await.unwrap(), 0);
    let down = h.state(&id).await;
    assert_eq!(
        down.last_error.as_deref(),
        Some("cannot connect to the smtp server")
    );

    let sink = SmtpSink::start_on(port).await.unwrap();
    h.advance(Duration::from_secs(3600));
    assert_eq!(mailer.deliver_due().await.unwrap(), 1);
    assert_eq!(sink.logins(), ["rampart"]);

    let bad_url = smtp_config("smtp://rampart:SECRETPASS@[not-a-host");
    let bad = Transport::from_config(&bad_url, h.dir.path()).unwrap_err();
    let log = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    assert!(
        log.contains(&id) && log.contains("mail not delivered"),
        "{log}"
    );
    for text in [
        log,
        bad.to_string(),
        format!("{bad:?}"),
        format!("{mailer:?}"),
    ] {
        assert!(!text.contains("SECRETPASS"), "{text}");
        assert!(!text.contains("token=abc"), "{text}");
    }
}
