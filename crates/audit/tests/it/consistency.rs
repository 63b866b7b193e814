//! A log that rewrote its past cannot prove it only grew: two logs signed by one key share a
//! prefix except for one entry, and the forked log's consistency proof fails against the
//! honest log's checkpoint.

use audit::model::merkle::{ProofError, verify_consistency};
use audit::{Event, Outcome};

use crate::support::{TestLog, varied_event};

/// The entry of the prefix that the forked log recorded differently.
const FORKED: u64 = 5;
const SIZE: u64 = 20;

/// Records `SIZE` entries with a checkpoint at every size; `fork` changes entry `FORKED`.
async fn history(fork: bool) -> TestLog {
    let test = TestLog::start(5).await;
    for i in 0..SIZE {
        test.clock.advance(1_000);
        let mut event: Event = varied_event(&test.log, i);
        if fork && i == FORKED {
            event = event.outcome(Outcome::Allowed);
            event.action = "vault.contact.export".into();
        }
        assert_eq!(test.record(event).await, i);
        test.log.checkpoint_if_grown().await.unwrap().unwrap();
    }
    test
}

#[tokio::test]
async fn a_forked_history_fails_the_consistency_check_against_the_honest_checkpoint() {
    let honest = history(false).await;
    let forked = history(true).await;
    assert_eq!(honest.log.verifier_key(), forked.log.verifier_key());
    assert_eq!(
        honest.checkpoint_root(FORKED).await,
        forked.checkpoint_root(FORKED).await
    );
    assert_ne!(honest.entry(FORKED).await, forked.entry(FORKED).await);
    assert_eq!(
        honest.entry(FORKED + 1).await,
        forked.entry(FORKED + 1).await
    );

    // Sizes just past the fork, a power of two, and others up to the end.
    for from in [FORKED + 1, 8, 13, SIZE - 1, SIZE] {
        let honest_from = honest.checkpoint_root(from).await;
        let honest_to = honest.checkpoint_root(SIZE).await;
        let forked_to = forked.checkpoint_root(SIZE).await;

        let proof = honest
            .log
            .consistency_proof(from, SIZE)
            .await
            .unwrap()
            .proof;
        assert_eq!(
            verify_consistency(from, SIZE, &proof, &honest_from, &honest_to),
            Ok(()),
            "the honest proof from {from}"
        );

        let proof = forked
            .log
            .consistency_proof(from, SIZE)
            .await
            .unwrap()
            .proof;
        let forked_from = forked.checkpoint_root(from).await;
        assert_eq!(
            verify_consistency(from, SIZE, &proof, &forked_from, &forked_to),
            Ok(()),
            "the forked log is consistent with itself from {from}"
        );
        assert_eq!(
            verify_consistency(from, SIZE, &proof, &honest_from, &forked_to),
            Err(ProofError::RootMismatch),
            "the forked proof from {from} against the honest checkpoint"
        );
    }
}
