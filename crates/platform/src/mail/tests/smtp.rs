//! Delivery over SMTP to the sink: arrival, retries while the server is down, giving up,
//! two nodes sharing the outbox, and the running loop.

use super::*;

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
