//! The tree against a direct transcription of RFC 9162's recursive definitions.

use super::*;

fn leaves(n: u64) -> Vec<Hash> {
    (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
}

/// MTH(D[n]) exactly as RFC 9162 §2.1.1 writes it.
fn mth(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => Sha256::digest([]).into(),
        1 => leaves[0],
        n => {
            let k = split_point(n as u64) as usize;
            node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
        }
    }
}

fn hash_of(all: &[Hash], (start, end): Range) -> Hash {
    mth(&all[start as usize..end as usize])
}

/// A range's hash from its blocks, the way the store computes it.
fn hash_from_blocks(all: &[Hash], (start, end): Range) -> Hash {
    let hashes: Vec<Hash> = range_blocks(start, end)
        .into_iter()
        .map(|block| {
            let from = block.index << block.level;
            mth(&all[from as usize..(from + (1 << block.level)) as usize])
        })
        .collect();
    fold_range(&hashes).unwrap_or_default()
}

#[test]
fn the_frontier_root_is_the_rfc_root_for_every_size_up_to_300() {
    let all = leaves(300);
    let mut frontier = Frontier::default();
    for (n, leaf) in all.iter().enumerate() {
        frontier.push_each(*leaf, |_, _| {});
        assert_eq!(frontier.root(), mth(&all[..=n]), "size {}", n + 1);
        let restored = Frontier::from_bytes(frontier.size(), &frontier.to_bytes());
        assert_eq!(restored.as_ref(), Some(&frontier));
    }
}

#[test]
fn pushed_nodes_are_the_complete_blocks_with_their_hashes() {
    let all = leaves(64);
    let mut frontier = Frontier::default();
    let mut completed = Vec::new();
    for leaf in &all {
        frontier.push_each(*leaf, |id, hash| completed.push((id, *hash)));
    }
    assert_eq!(completed.len(), 127);
    for (id, hash) in completed {
        let from = id.index << id.level;
        assert_eq!(hash, hash_of(&all, (from, from + (1 << id.level))));
    }
}

#[test]
fn inclusion_proofs_verify_for_every_leaf_of_every_size_up_to_70() {
    let all = leaves(70);
    for n in 1..=70u64 {
        let root = mth(&all[..n as usize]);
        for m in 0..n {
            let proof: Vec<Hash> = inclusion_ranges(m, n)
                .into_iter()
                .map(|r| hash_from_blocks(&all, r))
                .collect();
            assert_eq!(
                verify_inclusion(&all[m as usize], m, n, &proof, &root),
                Ok(()),
                "leaf {m} of {n}"
            );
            let wrong = leaf_hash(b"not in the tree");
            assert_eq!(
                verify_inclusion(&wrong, m, n, &proof, &root),
                Err(ProofError::RootMismatch)
            );
        }
    }
}

#[test]
fn consistency_proofs_verify_between_every_pair_of_sizes_up_to_70() {
    let all = leaves(70);
    for n in 1..=70u64 {
        let second = mth(&all[..n as usize]);
        for m in 1..=n {
            let first = mth(&all[..m as usize]);
            let proof: Vec<Hash> = consistency_ranges(m, n)
                .into_iter()
                .map(|r| hash_from_blocks(&all, r))
                .collect();
            assert_eq!(
                verify_consistency(m, n, &proof, &first, &second),
                Ok(()),
                "{m} to {n}"
            );
        }
    }
}

#[test]
fn a_forked_history_fails_the_consistency_check() {
    let all = leaves(40);
    let mut fork = all.clone();
    fork[12] = leaf_hash(b"rewritten");
    let first = mth(&all[..20]);
    let forked_second = mth(&fork[..40]);
    let proof: Vec<Hash> = consistency_ranges(20, 40)
        .into_iter()
        .map(|r| hash_from_blocks(&fork, r))
        .collect();
    assert_eq!(
        verify_consistency(20, 40, &proof, &first, &forked_second),
        Err(ProofError::RootMismatch)
    );
}

#[test]
fn range_blocks_are_aligned_and_cover_the_range() {
    for (start, end, expected) in [
        (0, 1, vec![(0, 0)]),
        (0, 6, vec![(2, 0), (1, 2)]),
        (8, 13, vec![(2, 2), (0, 12)]),
        (4, 7, vec![(1, 2), (0, 6)]),
    ] {
        let got: Vec<(u8, u64)> = range_blocks(start, end)
            .into_iter()
            .map(|b| (b.level, b.index))
            .collect();
        assert_eq!(got, expected, "[{start}, {end})");
    }
}

#[test]
fn the_node_hash_is_sha256_of_its_prefixed_children() {
    for n in 0..20u8 {
        let (left, right) = ([n; 32], [n.wrapping_mul(7); 32]);
        let expected: Hash = Sha256::new()
            .chain_update([1u8])
            .chain_update(left)
            .chain_update(right)
            .finalize()
            .into();
        assert_eq!(node_hash(&left, &right), expected);
    }
}

#[test]
fn padding_in_place_gives_sha256_for_every_length_across_block_boundaries() {
    for length in 0..300usize {
        let data: Vec<u8> = (0..length).map(|i| (i * 31 % 251) as u8).collect();
        let mut message = data.clone();
        assert_eq!(
            sha256_in_place(&mut message),
            <[u8; 32]>::from(Sha256::digest(&data))
        );
        assert_eq!(message, data, "the message is given back unpadded");
        let expected: Hash = Sha256::new()
            .chain_update([0u8])
            .chain_update(&data)
            .finalize()
            .into();
        assert_eq!(leaf_hash(&data), expected);
    }
}
