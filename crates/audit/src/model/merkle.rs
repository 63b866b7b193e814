//! The Merkle tree of RFC 9162 §2.1, and where its nodes come from.
//!
//! Leaves hash as SHA-256(0x00 ‖ entry) and nodes as SHA-256(0x01 ‖ left ‖ right). A tree of
//! `n` leaves splits at the largest power of two below `n`, so every subtree that a root or a
//! proof needs is either a complete, aligned power-of-two block ([`NodeId`], stored once when
//! it completes and never changed) or a right edge made of O(log n) such blocks. That is what
//! makes appending, checkpoints and proofs cost O(log n) whatever the log's length.

use sha2::{Digest, Sha256};

pub type Hash = [u8; 32];

/// SHA-256(0x00 ‖ data).
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut message = Vec::with_capacity(data.len() + 73);
    message.push(LEAF_PREFIX);
    message.extend_from_slice(data);
    sha256_in_place(&mut message)
}

/// The byte before an entry's encoding in its leaf hash.
pub const LEAF_PREFIX: u8 = 0;

/// SHA-256 of `message`, padded in place (FIPS 180-4, 5.1.1) and given back unpadded: the
/// hot path of verification hashes a buffer it reuses, without copying it into a hasher.
pub fn sha256_in_place(message: &mut Vec<u8>) -> Hash {
    use sha2::digest::generic_array::GenericArray;
    let length = message.len();
    let bits = (length as u64).wrapping_mul(8);
    message.push(0x80);
    message.resize(length + 1 + (119 - length % 64) % 64, 0);
    message.extend_from_slice(&bits.to_be_bytes());
    let mut state = SHA256_INITIAL_STATE;
    for block in message.chunks_exact(64) {
        sha2::compress256(
            &mut state,
            std::slice::from_ref(GenericArray::from_slice(block)),
        );
    }
    message.truncate(length);
    let mut hash = [0u8; 32];
    for (out, word) in hash.chunks_exact_mut(4).zip(state) {
        out.copy_from_slice(&word.to_be_bytes());
    }
    hash
}

/// SHA-256(0x01 ‖ left ‖ right): two blocks through the compression function directly,
/// the padding fixed, since a node's input always has the same length. Rebuilding a tree
/// hashes as many nodes as leaves.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    use sha2::digest::generic_array::GenericArray;
    let mut blocks = [0u8; 128];
    blocks[0] = 1;
    blocks[1..33].copy_from_slice(left);
    blocks[33..65].copy_from_slice(right);
    blocks[65] = 0x80;
    // The message is 65 bytes: 520 bits, big-endian, at the end of the last block.
    blocks[126..].copy_from_slice(&520u16.to_be_bytes());
    let mut state = SHA256_INITIAL_STATE;
    let (first, second) = blocks.split_at(64);
    sha2::compress256(
        &mut state,
        &[
            *GenericArray::from_slice(first),
            *GenericArray::from_slice(second),
        ],
    );
    let mut hash = [0u8; 32];
    for (out, word) in hash.chunks_exact_mut(4).zip(state) {
        out.copy_from_slice(&word.to_be_bytes());
    }
    hash
}

/// SHA-256's initial hash value (FIPS 180-4, 5.3.3).
const SHA256_INITIAL_STATE: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

/// The complete subtree of `2^level` leaves starting at leaf `index << level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    pub level: u8,
    pub index: u64,
}

impl NodeId {
    pub fn leaf(index: u64) -> Self {
        Self { level: 0, index }
    }
}

/// The largest power of two strictly below `n` (for `n >= 2`).
fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

/// The aligned complete blocks that make up leaves `[start, end)`, left to right, when
/// `start` is aligned as every range of the RFC's recursion is. Their right fold is the
/// range's hash (see [`fold_range`]).
pub fn range_blocks(start: u64, end: u64) -> Vec<NodeId> {
    let mut blocks = Vec::new();
    let mut at = start;
    while at < end {
        let remaining = end - at;
        let level = 63 - remaining.leading_zeros();
        let size = 1u64 << level;
        blocks.push(NodeId {
            level: u8::try_from(level).unwrap_or(u8::MAX),
            index: at >> level,
        });
        at += size;
    }
    blocks
}

/// The hash of a range from its blocks' hashes, per RFC 9162's MTH recursion.
pub fn fold_range(block_hashes: &[Hash]) -> Option<Hash> {
    let (last, rest) = block_hashes.split_last()?;
    Some(
        rest.iter()
            .rev()
            .fold(*last, |acc, left| node_hash(left, &acc)),
    )
}

/// A leaf range whose hash a proof needs.
pub type Range = (u64, u64);

/// The ranges whose hashes form the inclusion proof of leaf `m` in a tree of `n` leaves
/// (RFC 9162 §2.1.3.1), in proof order.
pub fn inclusion_ranges(m: u64, n: u64) -> Vec<Range> {
    let mut path = Vec::new();
    let (mut start, mut end) = (0, n);
    // Walking down collects siblings from the root; the proof lists them from the leaf up.
    while end - start > 1 {
        let k = split_point(end - start);
        if m - start < k {
            path.push((start + k, end));
            end = start + k;
        } else {
            path.push((start, start + k));
            start += k;
        }
    }
    path.reverse();
    path
}

/// The ranges whose hashes form the consistency proof from `m` to `n` leaves
/// (RFC 9162 §2.1.4.1), in proof order; empty when `m == n` or `m == 0`.
pub fn consistency_ranges(m: u64, n: u64) -> Vec<Range> {
    let mut proof = Vec::new();
    if m == 0 || m >= n {
        return proof;
    }
    subproof(m, 0, n, true, &mut proof);
    proof
}

fn subproof(m: u64, start: u64, end: u64, whole: bool, proof: &mut Vec<Range>) {
    let n = end - start;
    if m == n {
        if !whole {
            proof.push((start, end));
        }
        return;
    }
    let k = split_point(n);
    if m <= k {
        subproof(m, start, start + k, whole, proof);
        proof.push((start + k, end));
    } else {
        subproof(m - k, start + k, end, false, proof);
        proof.push((start, start + k));
    }
}

/// The right edge of a tree being built leaf by leaf: one complete block per set bit of the
/// size. Pushing a leaf returns the blocks it completed, which are stored once and for all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    /// Peaks from the largest (leftmost) to the smallest.
    peaks: Vec<(u8, Hash)>,
}

impl Frontier {
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf hash and shows `each` every node it completed, the leaf first.
    pub fn push_each(&mut self, leaf: Hash, mut each: impl FnMut(NodeId, &Hash)) {
        let index = self.size;
        each(NodeId::leaf(index), &leaf);
        let mut current = (0u8, leaf);
        while let Some(&(level, left)) = self.peaks.last() {
            if level != current.0 {
                break;
            }
            self.peaks.pop();
            let level = level + 1;
            current = (level, node_hash(&left, &current.1));
            each(
                NodeId {
                    level,
                    index: index >> level,
                },
                &current.1,
            );
        }
        self.peaks.push(current);
        self.size += 1;
    }

    /// The tree head: RFC 9162's MTH of every leaf pushed so far. The empty tree's head is
    /// SHA-256 of nothing.
    pub fn root(&self) -> Hash {
        let hashes: Vec<Hash> = self.peaks.iter().map(|&(_, hash)| hash).collect();
        fold_range(&hashes).unwrap_or_else(|| Sha256::digest([]).into())
    }

    /// The peaks as stored: 32 bytes per peak, largest first. The levels follow from the size.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.peaks.iter().flat_map(|(_, hash)| *hash).collect()
    }

    /// Rebuilds a frontier from its size and [`Frontier::to_bytes`]; `None` when they disagree.
    pub fn from_bytes(size: u64, bytes: &[u8]) -> Option<Self> {
        let levels: Vec<u8> = (0..64u8).rev().filter(|bit| size >> bit & 1 == 1).collect();
        if bytes.len() != levels.len() * 32 {
            return None;
        }
        let peaks = levels
            .into_iter()
            .zip(bytes.chunks_exact(32))
            .map(|(level, chunk)| Some((level, Hash::try_from(chunk).ok()?)))
            .collect::<Option<Vec<_>>>()?;
        Some(Self { size, peaks })
    }
}

/// Why a proof did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("the leaf index {index} is not inside a tree of {size} entries")]
    OutOfRange { index: u64, size: u64 },
    #[error("the proof has the wrong number of hashes for these tree sizes")]
    WrongLength,
    #[error("the proof does not lead to the expected root hash")]
    RootMismatch,
}

/// Checks an inclusion proof, as RFC 9162 §2.1.3.2 describes.
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::OutOfRange { index, size });
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if sn == 0 {
            return Err(ProofError::WrongLength);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongLength);
    }
    if &r == root {
        Ok(())
    } else {
        Err(ProofError::RootMismatch)
    }
}

/// Checks a consistency proof between two tree heads, as RFC 9162 §2.1.4.2 describes.
pub fn verify_consistency(
    first_size: u64,
    second_size: u64,
    proof: &[Hash],
    first_root: &Hash,
    second_root: &Hash,
) -> Result<(), ProofError> {
    if first_size > second_size || first_size == 0 {
        return Err(ProofError::OutOfRange {
            index: first_size,
            size: second_size,
        });
    }
    if first_size == second_size {
        return if proof.is_empty() && first_root == second_root {
            Ok(())
        } else if proof.is_empty() {
            Err(ProofError::RootMismatch)
        } else {
            Err(ProofError::WrongLength)
        };
    }
    if proof.is_empty() {
        return Err(ProofError::WrongLength);
    }
    let mut path: Vec<Hash> = proof.to_vec();
    if first_size.is_power_of_two() {
        path.insert(0, *first_root);
    }
    let (first, rest) = path.split_first().ok_or(ProofError::WrongLength)?;
    let (mut fn_, mut sn) = (first_size - 1, second_size - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let (mut fr, mut sr) = (*first, *first);
    for c in rest {
        if sn == 0 {
            return Err(ProofError::WrongLength);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongLength);
    }
    if &fr == first_root && &sr == second_root {
        Ok(())
    } else {
        Err(ProofError::RootMismatch)
    }
}

#[cfg(test)]
mod tests;
