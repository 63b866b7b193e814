//! What gets queued: only committed mail, only valid recipients; and the mail-drop folder.

use super::*;

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
    assert_eq!(
        written.body().trim_end(),
        mail("", "second").text.trim_end()
    );
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
