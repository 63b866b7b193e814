//! The stored tree against `tests/rfc9162.py`, an independent implementation of RFC 9162
//! §2.1 written from the RFC's recursive definitions: roots, inclusion proofs and
//! consistency proofs served by the log must be the ones the RFC defines.

use std::collections::BTreeSet;
use std::process::{Command, Stdio};

use audit::Actor;
use audit::store::checkpoints;
use serde_json::{Value, json};

use crate::support::{Rng, TestLog, hexes, tenant_of, varied_event, varied_request};

/// What the reference implementation answers, hashes as hex.
struct Reference {
    roots: Vec<String>,
    inclusion: Vec<Vec<String>>,
    consistency: Vec<Vec<String>>,
}

fn reference(
    leaves: &[Vec<u8>],
    roots: &[u64],
    inclusion: &[(u64, u64)],
    consistency: &[(u64, u64)],
) -> Reference {
    let request = json!({
        "leaves": leaves.iter().map(hex::encode).collect::<Vec<_>>(),
        "roots": roots,
        "inclusion": inclusion.iter().map(|&(m, n)| [m, n]).collect::<Vec<_>>(),
        "consistency": consistency.iter().map(|&(m, n)| [m, n]).collect::<Vec<_>>(),
    });
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/rfc9162.py");
    let mut child = Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs the RFC 9162 reference");
    serde_json::to_writer(child.stdin.take().unwrap(), &request).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "rfc9162.py failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answer: Value = serde_json::from_slice(&output.stdout).unwrap();
    let strings = |value: &Value| -> Vec<String> {
        value
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h.as_str().unwrap().to_owned())
            .collect()
    };
    let lists = |value: &Value| -> Vec<Vec<String>> {
        value.as_array().unwrap().iter().map(strings).collect()
    };
    Reference {
        roots: strings(&answer["roots"]),
        inclusion: lists(&answer["inclusion"]),
        consistency: lists(&answer["consistency"]),
    }
}

/// The reference itself against the known answers of the Certificate Transparency test
/// vectors (the eight leaves of RFC 6962's reference implementation's tests), so that a
/// mistake in it cannot hide one in the log.
#[test]
fn the_python_reference_gives_the_certificate_transparency_known_answers() {
    let leaves: Vec<Vec<u8>> = [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
    .iter()
    .map(|h| hex::decode(h).unwrap())
    .collect();
    let answer = reference(
        &leaves,
        &[1, 2, 3, 8],
        &[(0, 8), (5, 8)],
        &[(1, 8), (6, 8), (2, 5)],
    );
    assert_eq!(
        answer.roots,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ]
    );
    assert_eq!(
        answer.inclusion,
        [
            vec![
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
            vec![
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ]
    );
    assert_eq!(
        answer.consistency,
        [
            vec![
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
            vec![
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
            vec![
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ],
        ]
    );
}

const SIZE: u64 = 1000;

/// Every leaf of every tree size up to 70, of the sizes around powers of two, and of the
/// last sizes, and a few hundred leaves of random sizes.
fn inclusion_pairs(rng: &mut Rng) -> Vec<(u64, u64)> {
    let sizes = (1..=70).chain([127, 128, 129, 255, 256, 257, 500, 999, 1000]);
    let mut pairs: BTreeSet<(u64, u64)> = sizes.flat_map(|n| (0..n).map(move |m| (m, n))).collect();
    let fixed = pairs.len();
    while pairs.len() < fixed + 300 {
        let n = rng.between(1, SIZE);
        pairs.insert((rng.between(0, n - 1), n));
    }
    pairs.into_iter().collect()
}

/// Equal sizes, from size 1, between and around powers of two, to and from the last size,
/// and random pairs.
fn consistency_pairs(rng: &mut Rng) -> Vec<(u64, u64)> {
    let mut pairs = BTreeSet::new();
    for n in [1, 2, 3, 7, 8, 9, 64, 500, 999, 1000] {
        pairs.insert((n, n));
    }
    for n in (1..=40).chain([63, 64, 65, 511, 512, 513, 999, 1000]) {
        pairs.insert((1, n));
        pairs.insert((n, SIZE));
    }
    let powers: Vec<u64> = (0..10).map(|bit| 1 << bit).collect();
    for &m in &powers {
        for &n in powers.iter().filter(|&&n| n >= m) {
            pairs.insert((m, n));
            pairs.insert((m, n + 1));
            if m > 1 {
                pairs.insert((m - 1, n));
                pairs.insert((m + 1, (n + 1).max(m + 1)));
            }
        }
    }
    let fixed = pairs.len();
    while pairs.len() < fixed + 250 {
        let n = rng.between(1, SIZE);
        pairs.insert((rng.between(1, n), n));
    }
    pairs.into_iter().collect()
}

#[tokio::test]
async fn roots_and_proofs_match_an_independent_rfc_9162_implementation_at_every_size_to_1000() {
    let test = TestLog::start(1).await;
    for i in 0..SIZE {
        test.clock.advance(i64::try_from(i % 5).unwrap() * 37);
        let event = varied_event(&test.log, i);
        assert_eq!(test.record_in_request(event, varied_request(i)).await, i);
        let checkpoint = test.log.checkpoint_if_grown().await.unwrap().unwrap();
        assert_eq!(checkpoint.tree_size, i + 1);
    }
    let mut entries = Vec::new();
    for i in 0..SIZE {
        entries.push(test.entry(i).await);
    }
    let leaves: Vec<Vec<u8>> = entries.iter().map(|e| e.encode()).collect();
    let mut rng = Rng::new(9162);
    let inclusion = inclusion_pairs(&mut rng);
    let consistency = consistency_pairs(&mut rng);
    let sizes: Vec<u64> = (1..=SIZE).collect();
    let expected = reference(&leaves, &sizes, &inclusion, &consistency);

    let mut conn = test.db().connection().await.unwrap();
    let stored = checkpoints::all(&mut conn).await.unwrap();
    drop(conn);
    assert_eq!(stored.len(), expected.roots.len());
    for (checkpoint, root) in stored.iter().zip(&expected.roots) {
        assert_eq!(
            &hex::encode(&checkpoint.root_hash),
            root,
            "root of size {}",
            checkpoint.tree_size
        );
        let signed = test.log.verifier_key().open(&checkpoint.note).unwrap();
        assert_eq!(
            &hex::encode(signed.root),
            root,
            "signed root of size {}",
            checkpoint.tree_size
        );
    }

    let asker = Actor::user("usr_auditor");
    for (&(m, n), path) in inclusion.iter().zip(&expected.inclusion) {
        let proof = test
            .log
            .inclusion_proof(&asker, tenant_of(m), m, Some(n))
            .await
            .unwrap();
        assert_eq!(
            &hexes(&proof.proof),
            path,
            "inclusion of leaf {m} in size {n}"
        );
        assert_eq!(proof.tree_size, n);
        assert_eq!(proof.entry, entries[usize::try_from(m).unwrap()]);
    }

    for (&(m, n), path) in consistency.iter().zip(&expected.consistency) {
        let proof = test.log.consistency_proof(m, n).await.unwrap();
        assert_eq!(&hexes(&proof.proof), path, "consistency from {m} to {n}");
    }

    let report = test.verify().await.unwrap();
    assert_eq!((report.entries, report.checkpoints), (SIZE, SIZE));
    assert_eq!(&hex::encode(report.root), expected.roots.last().unwrap());
}

/// Proofs read their rows by position where the engine stores entries in append order; a
/// log whose rows were rewritten in another order must still give the same proofs.
#[tokio::test]
async fn proofs_do_not_depend_on_the_order_rows_are_stored_in() {
    const ENTRIES: u64 = 100;
    let test = TestLog::start(2).await;
    for i in 0..ENTRIES {
        test.record(varied_event(&test.log, i)).await;
        test.log.checkpoint_if_grown().await.unwrap().unwrap();
    }
    let asker = Actor::user("usr_auditor");
    let proofs = async || {
        let mut all = Vec::new();
        for m in (0..ENTRIES).step_by(7) {
            let inclusion = test
                .log
                .inclusion_proof(&asker, tenant_of(m), m, Some(ENTRIES))
                .await
                .unwrap();
            let consistency = test.log.consistency_proof(m + 1, ENTRIES).await.unwrap();
            all.push((inclusion.entry, inclusion.proof, consistency.proof));
        }
        all
    };
    let before = proofs().await;
    let mut tx = test.db().begin().await.unwrap();
    for statement in [
        "CREATE TEMPORARY TABLE moved AS SELECT * FROM audit_entries",
        "DELETE FROM audit_entries",
        "INSERT INTO audit_entries SELECT * FROM moved ORDER BY idx DESC",
        "DROP TABLE moved",
    ] {
        sqlx::query(statement).execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
    assert_eq!(proofs().await, before);
}
