//! Reads recorded through the group-commit writer: concurrent callers each get their own
//! entry, and the batches they share leave a gapless log that verifies.

use audit::{Actor, Event};

use crate::support::{TestLog, login};

fn read(n: u64) -> Event {
    Event::new(Actor::token(&format!("tok_{n}")), "vault.contact.read")
        .tenant("ten_a")
        .resource("contact", [format!("ctc_{n}")])
}

/// Starts `count` concurrent reads numbered from `first`; returns (number, index) pairs.
async fn wave(test: &TestLog, first: u64, count: u64) -> Vec<(u64, u64)> {
    let tasks: Vec<_> = (first..first + count)
        .map(|n| {
            let log = test.log.clone();
            tokio::spawn(async move { (n, log.record_read(read(n)).await.unwrap().unwrap()) })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    answers
}

/// Each read's index holds that read's own entry.
async fn assert_each_index_holds_its_read(test: &TestLog, answers: &[(u64, u64)]) {
    for &(n, index) in answers {
        let entry = test.entry(index).await;
        assert_eq!(
            entry.event.resource_ids,
            [format!("ctc_{n}")],
            "index {index}"
        );
    }
}

fn sorted_indexes(answers: &[(u64, u64)]) -> Vec<u64> {
    let mut indexes: Vec<u64> = answers.iter().map(|&(_, index)| index).collect();
    indexes.sort_unstable();
    indexes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_reads_get_distinct_gapless_indexes_and_the_log_verifies() {
    let test = TestLog::start(2).await;

    let first = wave(&test, 0, 64).await;
    assert_eq!(sorted_indexes(&first), (0..64).collect::<Vec<_>>());
    assert_each_index_holds_its_read(&test, &first).await;
    test.log.checkpoint_if_grown().await.unwrap().unwrap();

    // The second wave races writes recorded in their callers' own transactions.
    let writes: Vec<_> = (0..8)
        .map(|i| {
            let db = test.db().clone();
            let log = test.log.clone();
            tokio::spawn(async move {
                let mut tx = db.begin().await.unwrap();
                let index = log.record(&mut tx, login(1000 + i)).await.unwrap().unwrap();
                tx.commit().await.unwrap();
                index
            })
        })
        .collect();
    let second = wave(&test, 64, 64).await;
    let mut indexes = sorted_indexes(&second);
    for write in writes {
        indexes.push(write.await.unwrap());
    }
    indexes.sort_unstable();
    assert_eq!(indexes, (64..64 + 64 + 8).collect::<Vec<_>>());
    assert_each_index_holds_its_read(&test, &second).await;
    test.log.checkpoint_if_grown().await.unwrap().unwrap();

    let report = test.verify().await.unwrap();
    assert_eq!((report.entries, report.checkpoints), (136, 2));
}
