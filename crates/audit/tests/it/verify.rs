//! `verify` recomputes the log from its rows: an untouched log passes, and an entry changed,
//! deleted or moved behind Rampart's back is found and named, whether a checkpoint or only
//! the head covers it.

use audit::service::VerifyError;

use crate::support::TestLog;

/// Fifty log-ins (`identity.login` by `usr_<i>`), checkpointed at every multiple of `every`.
async fn log_of_fifty(every: u64) -> TestLog {
    let test = TestLog::start(3).await;
    test.fill(0..50, every).await;
    test.verify().await.unwrap();
    test
}

/// After `tamper`, `verify` fails and names entry `expected`.
async fn check(test: &TestLog, tamper: &[&str], expected: u64) -> VerifyError {
    test.tamper(tamper).await;
    let err = test.verify().await.unwrap_err();
    assert_eq!(err.entry_index(), Some(expected), "{err}");
    err
}

#[tokio::test]
async fn an_untouched_log_verifies_and_counts_its_entries_and_checkpoints() {
    let test = log_of_fifty(10).await;
    test.fill(50..55, 10).await;
    let report = test.verify().await.unwrap();
    assert_eq!((report.entries, report.checkpoints), (55, 5));
    assert_eq!(
        test.log
            .latest_checkpoint()
            .await
            .unwrap()
            .unwrap()
            .tree_size,
        50
    );

    test.log.checkpoint_if_grown().await.unwrap().unwrap();
    let report = test.verify().await.unwrap();
    assert_eq!((report.entries, report.checkpoints), (55, 6));
    assert_eq!(report.root, test.checkpoint_root(55).await);
}

#[tokio::test]
async fn an_entry_with_one_byte_changed_is_named() {
    let test = log_of_fifty(10).await;
    assert_eq!(test.entry(37).await.event.action, "identity.login");
    let sql = "UPDATE audit_entries SET action = 'identity.logix' WHERE idx = 37";
    let err = check(&test, &[sql], 37).await;
    assert!(matches!(err, VerifyError::Entry { index: 37, .. }), "{err}");
}

#[tokio::test]
async fn a_deleted_entry_is_named() {
    let test = log_of_fifty(10).await;
    let err = check(&test, &["DELETE FROM audit_entries WHERE idx = 37"], 37).await;
    assert!(matches!(err, VerifyError::Missing { index: 37 }), "{err}");
}

#[tokio::test]
async fn two_swapped_entries_are_found_at_the_first_of_them() {
    let test = log_of_fifty(10).await;
    let swap = [
        "UPDATE audit_entries SET idx = -1 WHERE idx = 20",
        "UPDATE audit_entries SET idx = 20 WHERE idx = 30",
        "UPDATE audit_entries SET idx = 30 WHERE idx = -1",
    ];
    check(&test, &swap, 20).await;
}

#[tokio::test]
async fn two_entries_that_swapped_their_actors_are_found_at_the_first_of_them() {
    let test = log_of_fifty(10).await;
    let swap = [
        "UPDATE audit_entries SET actor_id = 'usr_30' WHERE idx = 20",
        "UPDATE audit_entries SET actor_id = 'usr_20' WHERE idx = 30",
    ];
    check(&test, &swap, 20).await;
}

#[tokio::test]
async fn an_entry_changed_after_the_last_checkpoint_is_found_through_the_head() {
    // Checkpoints at 20 and 40: only the head covers entries 40 to 49.
    let test = log_of_fifty(20).await;
    let sql = "UPDATE audit_entries SET recorded_at = recorded_at + 1 WHERE idx = 45";
    check(&test, &[sql], 45).await;
}

#[tokio::test]
async fn the_last_entry_deleted_after_the_last_checkpoint_is_found_through_the_head() {
    let test = log_of_fifty(20).await;
    check(&test, &["DELETE FROM audit_entries WHERE idx = 49"], 49).await;
}
