//! The SMTP password and message bodies stay out of the outbox, the log and errors.

use super::*;

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
